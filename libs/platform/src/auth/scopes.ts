export const SCOPES = ['events:write', 'profiles:read', 'pii:read', 'analytics:read', 'segments:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export type Principal = { keyId: string; name: string; scopes: ReadonlySet<Scope> };

/** `admin` implies every scope (DESIGN §11). */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has('admin') || principal.scopes.has(scope);
}

/** `pii:read` adds to `profiles:read`: personal data is shown unmasked only to such keys. */
export function canReadPersonalData(principal: Principal): boolean {
  return hasScope(principal, 'pii:read');
}

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}
