import { Principal, Scope, canReadPersonalData, hasScope } from './scopes';

const key = (...scopes: Scope[]): Principal => ({ keyId: 'k', name: 'k', scopes: new Set(scopes) });

describe('scopes', () => {
  it.each([
    [key('admin'), 'events:write', true],
    [key('admin'), 'pii:read', true],
    [key('profiles:read'), 'profiles:read', true],
    [key('profiles:read'), 'events:write', false],
    [key('events:write'), 'admin', false],
    [key('pii:read'), 'profiles:read', false],
  ] as const)('%j has %s: %s', (principal, scope, expected) => {
    expect(hasScope(principal, scope)).toBe(expected);
  });

  it('shows personal data only to pii:read or admin keys', () => {
    expect(canReadPersonalData(key('profiles:read'))).toBe(false);
    expect(canReadPersonalData(key('profiles:read', 'pii:read'))).toBe(true);
    expect(canReadPersonalData(key('admin'))).toBe(true);
  });
});
