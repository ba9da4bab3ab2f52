import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidationOptions } from 'class-validator';

/** Shared field rules of the catalog, so every type spells a slug or an amount the same way. */
export const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const LABEL = /^[\p{L}\p{N}_-]{1,64}$/u;
export const IDENTIFIER = /^[A-Za-z0-9._:@-]{1,128}$/;
export const E164 = /^\+[1-9]\d{6,14}$/;
export const CALENDAR_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const GENDERS = ['female', 'male', 'other', 'unknown'] as const;
export const MAX_MINOR_UNITS = 1_000_000_000_000;

export function BusinessId(options?: ValidationOptions): PropertyDecorator {
  return (target, key) => {
    IsString(options)(target, key);
    Matches(IDENTIFIER, { ...options, message: '$property must be 1–128 characters of A-Z a-z 0-9 . _ : @ -' })(target, key);
  };
}

export function Slug(): PropertyDecorator {
  return (target, key) => {
    IsString()(target, key);
    Matches(SLUG, { message: '$property must be a lower-case slug (a-z, 0-9, _ and -, at most 64)' })(target, key);
  };
}

export function Label(): PropertyDecorator {
  return (target, key) => {
    IsString()(target, key);
    Matches(LABEL, { message: '$property must be 1–64 letters, digits, _ or - (Chinese included)' })(target, key);
  };
}

export function Text(min: number, max: number): PropertyDecorator {
  return (target, key) => {
    IsString()(target, key);
    Length(min, max)(target, key);
  };
}

/** An amount in minor units (fen, cents): a non-negative integer. */
export function MinorUnits(): PropertyDecorator {
  return (target, key) => {
    IsInt({ message: '$property must be an integer amount in minor units (fen, cents)' })(target, key);
    Min(0)(target, key);
    Max(MAX_MINOR_UNITS)(target, key);
  };
}

export function Currency(): PropertyDecorator {
  return (target, key) => {
    IsString()(target, key);
    Matches(/^[A-Z]{3}$/, { message: '$property must be an ISO-4217 code such as CNY' })(target, key);
  };
}

export function Optional(): PropertyDecorator {
  return IsOptional();
}

export function OneOf(values: readonly string[]): PropertyDecorator {
  return IsIn(values as string[], { message: `$property must be one of ${values.join(', ')}` });
}
