import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { ValidationArguments, ValidationTypes, getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { ValidationUtils } from 'class-validator/cjs/validation/ValidationUtils';
import type { ClassType } from '@tessera/catalog';
import { FieldError } from '@tessera/platform';

/**
 * The catalog's class-validator decorators stay the one source of truth; this reads their
 * metadata once per class and checks plain objects without class-transformer instances or
 * per-call metadata lookups. It reproduces `validateSync(plainToInstance(cls, value), { whitelist,
 * forbidNonWhitelisted, forbidUnknownValues })` — same rules, messages and order — and a spec
 * checks the two against each other on generated input (compile-validator.spec.ts).
 */
export type CompiledValidator = (value: Record<string, unknown>, pointer: string) => FieldError[];

type Constraint = { validate(value: unknown, args: ValidationArguments): unknown; defaultMessage?(args: ValidationArguments): string };
type Check = { metadata: ValidationMetadata; type: string; constraint: Constraint };
type Property = { name: string; segment: string; conditions: ((object: object, value: unknown) => boolean)[]; checks: Check[]; nested: { metadata: ValidationMetadata; type: () => ClassType } | undefined };

const compiled = new Map<ClassType, CompiledValidator>();

export function compileValidator(target: ClassType): CompiledValidator {
  const known = compiled.get(target);
  if (known) return known;
  const storage = getMetadataStorage();
  const grouped = storage.groupByPropertyName(storage.getTargetValidationMetadatas(target, '', true, false));
  const properties: Property[] = Object.entries(grouped).map(([name, metadatas]) => ({
    name,
    segment: `/${escape(name)}`,
    conditions: metadatas.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION).map((m) => m.constraints[0] as Property['conditions'][number]),
    checks: metadatas
      .filter((m) => m.type === ValidationTypes.CUSTOM_VALIDATION)
      .flatMap((metadata) =>
        storage.getTargetValidatorConstraints(metadata.constraintCls).map((c) => ({ metadata, type: c.name || metadata.type, constraint: c.instance as Constraint })),
      ),
    nested: nestedOf(target, name, metadatas),
  }));
  const allowed = new Set(properties.map((p) => p.name));
  const validator: CompiledValidator = (object, pointer) => {
    const errors: FieldError[] = [];
    for (const key of Object.keys(object)) {
      if (!allowed.has(key)) errors.push({ pointer: `${pointer}/${escape(key)}`, rule: ValidationTypes.WHITELIST, message: `property ${key} should not exist` });
    }
    for (const property of properties) checkProperty(target, object, property, pointer, errors);
    return errors;
  };
  compiled.set(target, validator);
  return validator;
}

/** Hot path: for a valid value it allocates one arguments object and builds no strings. */
function checkProperty(target: ClassType, object: Record<string, unknown>, property: Property, base: string, errors: FieldError[]): void {
  const value = object[property.name];
  for (const condition of property.conditions) if (!condition(object, value)) return;
  let failed: Map<string, string> | undefined;
  const args: ValidationArguments = { targetName: target.name, property: property.name, object, value, constraints: [] };
  for (const { metadata, type, constraint } of property.checks) {
    args.constraints = metadata.constraints;
    const valid = metadata.each && Array.isArray(value) ? value.every((item) => constraint.validate(item, args)) : constraint.validate(value, args);
    if (!valid) (failed ??= new Map()).set(type, messageOf(metadata, constraint, args));
  }
  if (!failed && !property.nested) return;
  failed ??= new Map();
  const pointer = base + property.segment;
  const children: FieldError[] = [];
  if (property.nested && value !== undefined) {
    const nested = compileValidator(property.nested.type());
    const nestedMessage = (item: unknown) => messageOf(property.nested!.metadata, undefined, { targetName: '', property: property.name, object, value: item, constraints: [] });
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (isObject(item)) children.push(...nested(item, `${pointer}/${index}`));
        else children.push({ pointer: `${pointer}/${index}`, rule: ValidationTypes.NESTED_VALIDATION, message: nestedMessage(item) });
      });
    } else if (isObject(value)) {
      children.push(...nested(value, pointer));
    } else {
      failed.set(ValidationTypes.NESTED_VALIDATION, nestedMessage(value));
    }
  }
  for (const [rule, message] of failed) errors.push({ pointer, rule, message });
  errors.push(...children);
}

function nestedOf(target: ClassType, property: string, metadatas: ValidationMetadata[]): Property['nested'] {
  const metadata = metadatas.find((m) => m.type === ValidationTypes.NESTED_VALIDATION);
  if (!metadata) return undefined;
  const typeMetadata = defaultMetadataStorage.findTypeMetadata(target, property);
  if (!typeMetadata) throw new TypeError(`${target.name}.${property} has @ValidateNested without @Type: the compiled validator cannot know its class`);
  return { metadata, type: () => typeMetadata.typeFunction() as ClassType };
}

function messageOf(metadata: ValidationMetadata, constraint: Constraint | undefined, args: ValidationArguments): string {
  const message = metadata.message || (constraint?.defaultMessage ? constraint.defaultMessage(args) : '');
  return ValidationUtils.replaceMessageSpecialTokens(message, args);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value instanceof Object;
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
