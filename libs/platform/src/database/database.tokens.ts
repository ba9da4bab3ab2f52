/** Injection tokens of the shared database handles. */
export const PG_POOL = Symbol('PG_POOL');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
