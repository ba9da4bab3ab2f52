import { ChatFacts, ComplaintFacts, Reg, SurveyFact } from './customer-state';

export type NpsClass = 'promoter' | 'passive' | 'detractor';

export function npsClass(score: number): NpsClass {
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

/** round(100 × (promoters − detractors) / responses); null without responses. */
export function npsScore(scores: readonly number[]): number | null {
  if (scores.length === 0) return null;
  return npsFromCounts(scores.filter((s) => s >= 9).length, scores.filter((s) => s <= 6).length, scores.length);
}

/** NPS from counts, rounded half away from zero (as PostgreSQL's round), never -0. */
export function npsFromCounts(promoters: number, detractors: number, responses: number): number | null {
  if (responses === 0) return null;
  const score = (100 * (promoters - detractors)) / responses;
  return Math.sign(score) * Math.round(Math.abs(score)) || 0;
}

/**
 * numerator / denominator rounded half up to 2 decimals. Taken from the ratio in one division so
 * that 169 / 40 = 4.225 gives 4.23 (as PostgreSQL's round does), not 4.22 from 4.2249999….
 */
export function round2(numerator: number, denominator = 1): number {
  return Math.round((numerator * 100) / denominator) / 100;
}

/** Mean CSAT rounded to 2 decimals and the share of 4–5 answers; nulls without answers. */
export function csat(scores: readonly number[]): { average: number | null; satisfiedShare: number | null } {
  if (scores.length === 0) return { average: null, satisfiedShare: null };
  const sum = scores.reduce((a, b) => a + b, 0);
  return { average: round2(sum, scores.length), satisfiedShare: round2(scores.filter((s) => s >= 4).length, scores.length) };
}

/** Hours from filing to resolution, or null while either side is missing. */
export function resolutionHours(complaint: ComplaintFacts): number | null {
  if (!complaint.filed || !complaint.resolved) return null;
  return round2(complaint.resolved.at - complaint.filed.at, 3_600_000);
}

/** The value at quantile q (0–1) with linear interpolation, as PostgreSQL's percentile_cont. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export type CustomerSatisfaction = {
  csatAverage: number | null;
  csatSatisfiedShare: number | null;
  csatResponses: number;
  lastNps: number | null;
  npsClass: NpsClass | null;
  complaintsOpen: number;
  complaintsTotal: number;
  chatsTotal: number;
  chatResolvedShare: number | null;
};

export function customerSatisfaction(surveys: Record<string, Reg<SurveyFact>>, complaints: Record<string, ComplaintFacts>, chats: Record<string, ChatFacts>): CustomerSatisfaction {
  const answers = Object.values(surveys);
  const csatScores = answers.filter((s) => s.v.kind === 'CSAT').map((s) => s.v.score);
  const lastNps = answers.filter((s) => s.v.kind === 'NPS').sort((a, b) => b.at - a.at || b.rev - a.rev)[0];
  const filed = Object.values(complaints).filter((c) => c.filed);
  const ended = Object.values(chats).filter((c) => c.ended);
  const { average, satisfiedShare } = csat(csatScores);
  return {
    csatAverage: average,
    csatSatisfiedShare: satisfiedShare,
    csatResponses: csatScores.length,
    lastNps: lastNps?.v.score ?? null,
    npsClass: lastNps ? npsClass(lastNps.v.score) : null,
    complaintsOpen: filed.filter((c) => !c.resolved).length,
    complaintsTotal: filed.length,
    chatsTotal: Object.keys(chats).length,
    chatResolvedShare: ended.length === 0 ? null : round2(ended.filter((c) => c.ended!.v.resolved).length, ended.length),
  };
}
