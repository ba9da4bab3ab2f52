import { AddressSaved, maskPersonalValue, personalFieldsOf, ProfileUpdated } from '@tessera/catalog';
import { CustomerProfile } from './customer-profile';

/**
 * The profile as a key without `pii:read` sees it: the catalog's @Personal marks and the one
 * masking function (DESIGN §11) decide, so a field newly marked personal is masked here too.
 */
export function maskProfile<T extends CustomerProfile>(profile: T): T {
  const masked: T = { ...profile, birthday: null };
  for (const [field, kind] of Object.entries(personalFieldsOf(ProfileUpdated))) {
    if (field in masked) (masked as Record<string, unknown>)[field] = maskPersonalValue(kind, (profile as Record<string, unknown>)[field]);
  }
  const addressMarks = Object.entries(personalFieldsOf(AddressSaved));
  masked.addresses = profile.addresses.map((address) => {
    const copy: Record<string, unknown> = { ...address };
    for (const [field, kind] of addressMarks) if (copy[field] !== undefined) copy[field] = maskPersonalValue(kind, copy[field]);
    return copy as typeof address;
  });
  return masked;
}
