/** The thresholds live with the configuration (`TESSERA_RULES`); the rules read them from here. */
export { DEFAULT_RULES, DerivationRules } from '@tessera/platform/config/derivation-rules';
