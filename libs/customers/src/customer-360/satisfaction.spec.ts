import { ChatFacts, ComplaintFacts, Reg, SurveyFact } from './customer-state';
import { csat, customerSatisfaction, npsClass, NpsClass, npsFromCounts, npsScore, percentile, resolutionHours } from './satisfaction';
import { DAY_MS } from './time';

const T0 = Date.parse('2025-03-01T10:00:00+08:00');
const MINUTE_MS = 60_000;
const repeat = (n: number, score: number) => Array<number>(n).fill(score);

describe('npsClass (DESIGN §4)', () => {
  it.each<[score: number, nps: NpsClass]>([
    [0, 'detractor'],
    [6, 'detractor'],
    [7, 'passive'],
    [8, 'passive'],
    [9, 'promoter'],
    [10, 'promoter'],
  ])('%d → %s', (score, nps) => {
    expect(npsClass(score)).toBe(nps);
  });
});

describe('npsScore = round(100 × (promoters − detractors) / responses)', () => {
  it.each<[description: string, scores: number[], nps: number | null]>([
    ['no responses', [], null],
    ['1 promoter, 1 passive, 1 detractor', [9, 7, 6], 0],
    ['2 promoters, 1 detractor', [10, 9, 0], 33],
    ['1 promoter, 2 detractors', [10, 0, 6], -33],
    ['2 promoters, 1 passive (66.7 rounds up)', [9, 9, 8], 67],
    ['passives only', [7, 8], 0],
    ['all promoters', [10], 100],
    ['all detractors', [6, 0], -100],
    ['1 promoter, 7 passives (12.5 rounds up)', [9, ...repeat(7, 8)], 13],
  ])('%s: %j → %s', (_, scores, score) => {
    expect(npsScore(scores)).toBe(score);
  });
});

describe('csat: mean rounded to 2 decimals and share of 4–5 (DESIGN §4, §11)', () => {
  it.each<[description: string, average: number | null, satisfiedShare: number | null, scores: number[]]>([
    ['no answers', null, null, []],
    ['5 and 4', 4.5, 1, [5, 4]],
    ['5, 4 and 1', 3.33, 0.67, [5, 4, 1]],
    ['1, 2, 2', 1.67, 0, [1, 2, 2]],
    ['one 3', 3, 0, [3]],
    ['3 and 4: a 4 counts as satisfied', 3.5, 0.5, [3, 4]],
    ['169 / 40 = 4.225 rounds half up to 4.23', 4.23, 1, [...repeat(9, 5), ...repeat(31, 4)]],
    ['9 of 40 satisfied = 0.225 rounds half up to 0.23', 3.45, 0.23, [...repeat(9, 5), ...repeat(31, 3)]],
    ['1 + 7 × 3 over 8 = 2.75', 2.75, 0, [1, ...repeat(7, 3)]],
  ])('%s → average %s, satisfied share %s', (_, average, satisfiedShare, scores) => {
    expect(csat(scores)).toEqual({ average, satisfiedShare });
  });
});

const filed = (at: number): ComplaintFacts['filed'] => ({ at, rev: 1, v: { category: 'delivery', severity: 'high', channel: 'app' } });
const resolved = (at: number): ComplaintFacts['resolved'] => ({ at, rev: 2, v: { channel: 'call_center' } });

describe('resolutionHours: resolved occurredAt − filed occurredAt', () => {
  it.each<[description: string, hours: number | null, complaint: ComplaintFacts]>([
    ['resolved 90 minutes later', 1.5, { filed: filed(T0), resolved: resolved(T0 + 90 * MINUTE_MS) }],
    ['resolved a day later', 24, { filed: filed(T0), resolved: resolved(T0 + DAY_MS) }],
    ['resolved 20 minutes later (2 decimals)', 0.33, { filed: filed(T0), resolved: resolved(T0 + 20 * MINUTE_MS) }],
    ['resolved 27 minutes later (0.45 exactly)', 0.45, { filed: filed(T0), resolved: resolved(T0 + 27 * MINUTE_MS) }],
    ['resolved after 1.005 hours (3618 s) rounds half up to 1.01', 1.01, { filed: filed(T0), resolved: resolved(T0 + 3_618_000) }],
    ['resolved after 0.145 hours (522 s) rounds half up to 0.15', 0.15, { filed: filed(T0), resolved: resolved(T0 + 522_000) }],
    ['still open', null, { filed: filed(T0) }],
    ['resolution arrived before the filing', null, { resolved: resolved(T0) }],
  ])('%s → %s', (_, hours, complaint) => {
    expect(resolutionHours(complaint)).toBe(hours);
  });
});

describe('percentile (as PostgreSQL percentile_cont)', () => {
  it.each<[description: string, values: number[], q: number, value: number | null]>([
    ['median of 1..4', [1, 2, 3, 4], 0.5, 2.5],
    ['median of unsorted input', [4, 1, 3, 2], 0.5, 2.5],
    ['median of an odd count', [7, 1, 3], 0.5, 3],
    ['p90 of 1..10', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1],
    ['p90 of 10, 20', [20, 10], 0.9, 19],
    ['p0 is the minimum', [5, 3, 9], 0, 3],
    ['p100 is the maximum', [5, 3, 9], 1, 9],
    ['a single value', [42], 0.9, 42],
    ['no values', [], 0.5, null],
  ])('%s: %j at q=%s → %s', (_, values, q, expected) => {
    const value = percentile(values, q);
    if (expected === null) expect(value).toBeNull();
    else expect(value).toBeCloseTo(expected, 10);
  });
});

const survey = (at: number, rev: number, kind: 'CSAT' | 'NPS', score: number, surveyId = `s-${rev}`): Reg<SurveyFact> => ({ at, rev, v: { surveyId, kind, score, channel: 'app' } });
const ended = (resolvedChat: boolean): ChatFacts['ended'] => ({ at: T0, rev: 9, v: { resolved: resolvedChat, channel: 'app' } });

describe('customerSatisfaction', () => {
  it('sums up answers, complaints and chats', () => {
    const surveys = {
      a: survey(T0, 1, 'CSAT', 5),
      b: survey(T0 + 1, 2, 'CSAT', 4),
      c: survey(T0 + 2, 3, 'CSAT', 2),
      d: survey(T0 + DAY_MS, 4, 'NPS', 3),
    };
    const complaints: Record<string, ComplaintFacts> = {
      done: { filed: filed(T0), resolved: resolved(T0 + DAY_MS) },
      open: { filed: filed(T0) },
      early: { resolved: resolved(T0) },
    };
    const chats: Record<string, ChatFacts> = {
      ok: { started: { at: T0, rev: 1, v: { channel: 'app' } }, ended: ended(true) },
      failed: { ended: ended(false) },
      talking: { started: { at: T0, rev: 1, v: { channel: 'web' } } },
    };
    expect(customerSatisfaction(surveys, complaints, chats)).toEqual({
      csatAverage: 3.67,
      csatSatisfiedShare: 0.67,
      csatResponses: 3,
      lastNps: 3,
      npsClass: 'detractor',
      complaintsOpen: 1,
      complaintsTotal: 2,
      chatsTotal: 3,
      chatResolvedShare: 0.5,
    });
  });

  it('has nulls and zeros for a customer who never answered', () => {
    expect(customerSatisfaction({}, {}, {})).toEqual({
      csatAverage: null, csatSatisfiedShare: null, csatResponses: 0, lastNps: null, npsClass: null,
      complaintsOpen: 0, complaintsTotal: 0, chatsTotal: 0, chatResolvedShare: null,
    });
  });

  it.each<[description: string, answers: Reg<SurveyFact>[], lastNps: number]>([
    ['the latest occurredAt, though inserted first', [survey(T0 + DAY_MS, 1, 'NPS', 10), survey(T0, 2, 'NPS', 2)], 10],
    ['the latest occurredAt, inserted last', [survey(T0, 2, 'NPS', 2), survey(T0 + DAY_MS, 1, 'NPS', 10)], 10],
    ['a tie on occurredAt goes to the later revision', [survey(T0, 7, 'NPS', 8), survey(T0, 3, 'NPS', 1)], 8],
    ['a later CSAT answer does not hide the last NPS', [survey(T0, 1, 'NPS', 9), survey(T0 + DAY_MS, 2, 'CSAT', 1)], 9],
  ])('lastNps is %s', (_, answers, lastNps) => {
    const surveys = Object.fromEntries(answers.map((a, i) => [`k${i}`, a]));
    expect(customerSatisfaction(surveys, {}, {}).lastNps).toBe(lastNps);
  });

  it.each<[resolvedChats: number, endedChats: number, share: number]>([
    [1, 3, 0.33],
    [2, 3, 0.67],
    [23, 40, 0.58],
  ])('rounds the chat resolved share to 2 decimals: %d of %d → %d', (resolvedChats, endedChats, share) => {
    const chats = Object.fromEntries(Array.from({ length: endedChats }, (_, i) => [`c${i}`, { ended: ended(i < resolvedChats) }]));
    expect(customerSatisfaction({}, {}, chats).chatResolvedShare).toBe(share);
  });
});

describe('npsFromCounts (rounded half away from zero, as PostgreSQL)', () => {
  it.each<[promoters: number, detractors: number, responses: number, score: number | null]>([
    [1, 0, 8, 13],
    [0, 1, 8, -13],
    [0, 0, 3, 0],
    [0, 0, 0, null],
  ])('%d promoters, %d detractors of %d → %p', (promoters, detractors, responses, score) => {
    const result = npsFromCounts(promoters, detractors, responses);
    expect(result).toBe(score);
    if (result === 0) expect(Object.is(result, -0)).toBe(false);
  });
});
