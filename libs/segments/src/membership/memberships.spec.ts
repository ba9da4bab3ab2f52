import { membershipChangeId, segmentMembershipMessage } from '@tessera/outbox';
import { checkSegmentInput, isTimeRelative } from '../segment-definition';
import { builtInMemberships, customMemberships, membershipChanges } from './memberships';

const cause = (ruleVersion: number) => ({ kind: 'time' as const, ruleVersion });
const context = { at: Date.parse('2026-11-24T00:00:00Z'), nameOf: (id: string) => id.toUpperCase(), cause };

describe('membershipChanges', () => {
  it('lists exits then entries, each in segment id order, with the rule version of the side they come from', () => {
    const before = new Map([
      ['z-old', 2],
      ['kept', 1],
      ['a-old', 3],
    ]);
    const after = new Map([
      ['kept', 4],
      ['b-new', 5],
      ['a-new', 5],
    ]);
    expect(membershipChanges('c-1', before, after, context).map((c) => `${c.kind} ${c.segmentId} v${c.ruleVersion} ${c.segmentName}`)).toEqual([
      'exited a-old v3 A-OLD',
      'exited z-old v2 Z-OLD',
      'entered a-new v5 A-NEW',
      'entered b-new v5 B-NEW',
    ]);
  });

  it('finds nothing when the memberships are the same, whatever their order', () => {
    expect(membershipChanges('c-1', builtInMemberships(['value:low', 'stage:new']), builtInMemberships(['stage:new', 'value:low']), context)).toEqual([]);
  });

  it('evaluates custom rules against the profile view at now', () => {
    const now = Date.parse('2026-11-24T00:00:00Z');
    const view = { netSpend365d: 60_000, lastPurchaseAt: '2026-11-20T00:00:00.000Z', daysToBirthday: 3 };
    const segments = [
      { id: 'spenders', name: 'S', version: 2, rule: { field: 'netSpend365d' as const, op: 'gte' as const, value: 50_000 } },
      { id: 'recent', name: 'R', version: 1, rule: { field: 'lastPurchaseAt' as const, op: 'within' as const, value: 'P3D' } },
      { id: 'birthday-week', name: 'B', version: 7, rule: { field: 'daysToBirthday' as const, op: 'lte' as const, value: 7 } },
    ];
    expect([...customMemberships(view, segments, now)]).toEqual([
      ['spenders', 2],
      ['birthday-week', 7],
    ]);
  });
});

describe('message ids', () => {
  const change = { customerId: 'c-1', segmentId: 'vip', segmentName: 'VIP', kind: 'entered' as const, ruleVersion: 2, at: Date.parse('2026-11-24T00:00:00Z'), cause: { kind: 'event' as const, eventId: 'e-1', eventType: 'OrderPlaced', position: '10-1' } };

  it('are the same for the same change (a restart re-sends the id consumers saw) and differ by kind, version, cause and topic', () => {
    const id = membershipChangeId('t', change);
    expect(membershipChangeId('t', { ...change })).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const variants = [
      membershipChangeId('t', { ...change, kind: 'exited' }),
      membershipChangeId('t', { ...change, ruleVersion: 3 }),
      membershipChangeId('t', { ...change, cause: { ...change.cause, position: '11-1' } }),
      membershipChangeId('u', change),
    ];
    expect(new Set([id, ...variants]).size).toBe(5);
  });

  it('tell two time passes apart by their instant, and carry the id in the payload', () => {
    const timed = { ...change, cause: { kind: 'time' as const, ruleVersion: 2 } };
    expect(membershipChangeId('t', timed)).not.toBe(membershipChangeId('t', { ...timed, at: timed.at + 3_600_000 }));
    const message = segmentMembershipMessage('t', change, { lifecycleStage: 'new', valueTier: 'low', consent: { marketingEmail: true } });
    expect(JSON.parse(message.payload)).toMatchObject({ messageId: message.messageId, kind: 'entered', at: '2026-11-24T00:00:00.000Z', cause: change.cause });
    expect(message.key).toBe('c-1');
  });
});

describe('segment definitions', () => {
  it('names every bad field of a body by pointer and rule, unknown fields included', () => {
    const checked = checkSegmentInput({ id: 'Bad Id', name: '', extra: 1, rule: { field: 'orderCount', op: 'gt', value: 'x' } }, true);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.errors.map((e) => `${e.pointer} ${e.rule}`)).toEqual(['/extra unknownField', '/id matches', '/name length', '/rule/value isNumber']);
    expect(checkSegmentInput({ id: 'ok', name: 'x', rule: { field: 'orderCount', op: 'gt', value: 1 } }, false)).toMatchObject({ ok: false, errors: [{ pointer: '/id', rule: 'unknownField' }] });
  });

  it('knows which rules time alone can change', () => {
    expect(isTimeRelative({ all: [{ field: 'orderCount', op: 'gt', value: 1 }, { not: { field: 'lastSeenAt', op: 'before', value: 'P30D' } }] })).toBe(true);
    expect(isTimeRelative({ field: 'daysToBirthday', op: 'lte', value: 7 })).toBe(true);
    expect(isTimeRelative({ any: [{ field: 'lastSeenAt', op: 'gte', value: '2026-01-01T00:00:00Z' }, { field: 'tags', op: 'contains', value: 'vip' }] })).toBe(false);
  });
});
