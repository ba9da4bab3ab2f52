import { AddressSaved, CustomerRegistered, ProfileUpdated, personalFieldsOf } from '@tessera/catalog';
import { SEGMENT_FIELDS } from './segment-fields';

/**
 * A rule over a personal field would let a key without pii:read learn it from member counts
 * (`name startsWith 张`, `phone eq …`): no whitelisted field may read personal data (docs/privacy.md).
 */
describe('segment rule fields carry no personal data', () => {
  const personal = [...new Set([CustomerRegistered, ProfileUpdated, AddressSaved].flatMap((type) => Object.keys(personalFieldsOf(type)))), 'addresses', 'birthday'];
  const secret = 'SECRET-personal-value';
  const profile = Object.fromEntries(personal.map((field) => [field, field === 'addresses' ? [{ line1: secret }] : secret]));

  it('knows the personal fields it guards', () => {
    expect(personal).toEqual(expect.arrayContaining(['name', 'phone', 'email', 'birthDate', 'line1', 'addresses']));
  });

  it.each(Object.entries(SEGMENT_FIELDS))('%s reads no personal field, in memory or in SQL', (_name, field) => {
    expect(JSON.stringify(field.read(profile)) ?? '').not.toContain(secret);
    for (const key of personal) expect(field.sql).not.toContain(`'${key}'`);
  });
});
