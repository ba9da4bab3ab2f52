import { IsBoolean, IsEmail, Matches } from 'class-validator';
import { BusinessId, CALENDAR_DATE, E164, GENDERS, Label, OneOf, Optional, Text } from './field-rules';
import { Personal } from './personal-data';

/** Registration and profile events (DESIGN §3). An explicit null clears a profile field. */
export class ContactFields {
  @Optional() @Text(1, 100) @Personal('name')
  name?: string | null;

  @Optional() @OneOf(GENDERS)
  gender?: (typeof GENDERS)[number] | null;

  @Optional() @Matches(CALENDAR_DATE, { message: '$property must be a calendar date YYYY-MM-DD' }) @Personal('birthDate')
  birthDate?: string | null;

  @Optional() @IsEmail({}, { message: '$property must be an email address' }) @Text(3, 254) @Personal('email')
  email?: string | null;

  @Optional() @Matches(E164, { message: '$property must be an E.164 phone number such as +8613800138000' }) @Personal('phone')
  phone?: string | null;
}

export class CustomerRegistered extends ContactFields {
  @Optional() @BusinessId()
  referredBy?: string | null;
}

export class ProfileUpdated extends ContactFields {}

export class AddressSaved {
  @BusinessId()
  addressId!: string;

  @Text(1, 50)
  province!: string;

  @Text(1, 50)
  city!: string;

  @Optional() @Text(1, 50)
  district?: string | null;

  @Text(1, 200) @Personal('address')
  line1!: string;

  @Optional() @Text(1, 20) @Personal('address')
  postalCode?: string | null;

  @Optional() @IsBoolean()
  isDefault?: boolean | null;
}

export class AddressRemoved {
  @BusinessId()
  addressId!: string;
}

export class ConsentChanged {
  @Optional() @IsBoolean()
  marketingEmail?: boolean;

  @Optional() @IsBoolean()
  marketingSms?: boolean;

  @Optional() @IsBoolean()
  marketingPush?: boolean;

  @Optional() @IsBoolean()
  personalization?: boolean;
}

export class CustomerTagged {
  @Label()
  tag!: string;
}

export class CustomerUntagged {
  @Label()
  tag!: string;
}

export class MembershipTierChanged {
  @Label()
  tier!: string;
}

export class IdentityLinked {
  @BusinessId()
  anonymousId!: string;
}
