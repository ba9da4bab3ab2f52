/**
 * The thresholds of DESIGN §4 and §11. Every one can be overridden with `TESSERA_RULES` (a JSON
 * object of these names), so a retailer can tune them without code.
 */
export type DerivationRules = {
  /** A purchase at most this many whole days ago keeps a customer new/active/loyal. */
  activeDays: number;
  /** Beyond `activeDays` and up to this many days: at_risk; beyond it: churned. */
  atRiskDays: number;
  /** Purchases within this many days count towards loyalty, value tier and net spend 365d. */
  windowDays: number;
  loyalPurchases: number;
  highTierSpend: number;
  highTierPurchases: number;
  mediumTierSpend: number;
  mediumTierPurchases: number;
  /** Browsing (views + cart adds) in one category within `browsingDays` that makes an interest. */
  browsingInterestEvents: number;
  browsingDays: number;
};

export const DEFAULT_RULES: DerivationRules = {
  activeDays: 90,
  atRiskDays: 180,
  windowDays: 365,
  loyalPurchases: 5,
  highTierSpend: 1_000_000,
  highTierPurchases: 12,
  mediumTierSpend: 200_000,
  mediumTierPurchases: 4,
  browsingInterestEvents: 3,
  browsingDays: 30,
};

/** Parses `TESSERA_RULES`; returns the problems instead of throwing so config can list them all. */
export function parseRules(json: string | undefined): { rules: DerivationRules; problems: string[] } {
  if (json === undefined || json.trim() === '') return { rules: DEFAULT_RULES, problems: [] };
  let given: unknown;
  try {
    given = JSON.parse(json);
  } catch {
    return { rules: DEFAULT_RULES, problems: ['TESSERA_RULES must be a JSON object, e.g. {"activeDays": 60}'] };
  }
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    return { rules: DEFAULT_RULES, problems: ['TESSERA_RULES must be a JSON object, e.g. {"activeDays": 60}'] };
  }
  const problems: string[] = [];
  const rules = { ...DEFAULT_RULES };
  for (const [name, value] of Object.entries(given)) {
    if (!(name in DEFAULT_RULES)) problems.push(`TESSERA_RULES.${name} is not a rule; known: ${Object.keys(DEFAULT_RULES).join(', ')}`);
    else if (!Number.isInteger(value) || (value as number) < 1) problems.push(`TESSERA_RULES.${name} must be a positive integer`);
    else rules[name as keyof DerivationRules] = value as number;
  }
  if (rules.atRiskDays <= rules.activeDays) problems.push('TESSERA_RULES.atRiskDays must be greater than activeDays');
  return { rules, problems };
}
