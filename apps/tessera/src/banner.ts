import { Role } from '@tessera/platform';

export type BannerFacts = {
  url: string;
  roles: ReadonlySet<Role>;
  /** `generated`: made on this start and saved in the data folder — the only key ever printed. */
  adminKey: { key: string; source: 'env' | 'file' | 'generated' };
  dataDir: string;
  embedded: boolean;
  kafkaBrokers: readonly string[];
  demo: { customers: number } | undefined;
};

/**
 * What `npm start` prints once it listens: the surfaces this process serves (by TESSERA_ROLES),
 * and the admin key only when this start generated it — never a supplied one, never into the
 * JSON log.
 */
export function bannerLines(facts: BannerFacts): string[] {
  const { url, roles } = facts;
  const everyRole = roles.size === 5;
  return [
    '',
    `  Tessera is running: ${url}${everyRole ? '' : `   roles: ${[...roles].join(', ')}`}`,
    ...(roles.has('ingest') ? [`  Ingest:  ${url}/v1/events   ${url}/v1/events/batch`] : []),
    ...(roles.has('query') ? [`  Query:   ${url}/v1/customers   ${url}/v1/segments   ${url}/v1/analytics/lifecycle`] : []),
    `  Admin:   ${url}/v1/projections   ${url}/v1/outbox   health: ${url}/health   metrics: ${url}/metrics`,
    `  ${adminKeyLine(facts)}`,
    `  Database: ${facts.embedded ? `embedded PostgreSQL in ${facts.dataDir}/pg` : 'DATABASE_URL'}   Kafka: ${facts.kafkaBrokers.length > 0 ? facts.kafkaBrokers.join(',') : 'off (set KAFKA_BROKERS)'}`,
    ...(roles.has('ingest') ? [demoLine(facts.demo)] : []),
    '',
  ];
}

function adminKeyLine({ adminKey, dataDir }: BannerFacts): string {
  switch (adminKey.source) {
    case 'generated':
      return `Admin key (new, saved in ${dataDir}/admin-key): ${adminKey.key}`;
    case 'file':
      return `Admin key: in ${dataDir}/admin-key`;
    case 'env':
      return 'Admin key: the one in TESSERA_ADMIN_KEY';
    default: {
      const unreachable: never = adminKey.source;
      return unreachable;
    }
  }
}

function demoLine(demo: BannerFacts['demo']): string {
  return demo
    ? `  Demo: loading ${demo.customers} generated customers through the API (progress in the log)`
    : '  Demo data: start with `npm start -- --demo`, or `npm run seed -- --customers N`';
}
