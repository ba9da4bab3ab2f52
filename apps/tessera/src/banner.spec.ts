import { ROLES, Role } from '@tessera/platform';
import { BannerFacts, bannerLines } from './banner';

const KEY = 'tsk_0123456789abcdefghij';
const facts = (overrides: Partial<BannerFacts> = {}): BannerFacts => ({
  url: 'http://localhost:3000',
  roles: new Set<Role>(ROLES),
  adminKey: { key: KEY, source: 'generated' },
  dataDir: './.tessera',
  embedded: true,
  kafkaBrokers: [],
  demo: undefined,
  ...overrides,
});
const text = (overrides: Partial<BannerFacts> = {}) => bannerLines(facts(overrides)).join('\n');

describe('bannerLines', () => {
  it.each([
    ['generated on this start', 'generated', true],
    ['read from the data folder', 'file', false],
    ['given in TESSERA_ADMIN_KEY', 'env', false],
  ] as const)('prints an admin key %s: %s', (_case, source, printed) => {
    const banner = text({ adminKey: { key: KEY, source } });
    expect(banner.includes(KEY)).toBe(printed);
    expect(banner).toMatch(/Admin key/);
  });

  it.each([
    ['every role', ROLES, ['/v1/events', '/v1/customers', '/v1/projections', '/health'], ['roles:']],
    ['projector only', ['projector'], ['/v1/projections', '/health', 'roles: projector'], ['/v1/events', '/v1/customers', 'Demo']],
    ['relay and scheduler', ['relay', 'scheduler'], ['/health', 'roles: relay, scheduler'], ['/v1/events', '/v1/customers']],
    ['ingest only', ['ingest'], ['/v1/events', 'roles: ingest', 'Demo'], ['/v1/customers']],
    ['query only', ['query'], ['/v1/customers', 'roles: query'], ['/v1/events']],
  ] as const)('advertises what %s serves', (_case, roles, shown, hidden) => {
    const banner = text({ roles: new Set<Role>(roles) });
    for (const part of shown) expect(banner).toContain(part);
    for (const part of hidden) expect(banner).not.toContain(part);
  });
});
