import 'reflect-metadata';

/**
 * Personal data marks (DESIGN §2). Every personal field of the catalog carries `@Personal(kind)`
 * on its class; masking (mask-personal-data.ts) and, later, per-customer encryption read the
 * marks from here and nowhere else.
 */
/**
 * How a personal value is masked (DESIGN §11; the README's "Event catalog" lists every field):
 * `freeText` is anything a customer or agent writes; `url` a web address whose query string and
 * fragment carry personal data; `identifier` a value that leads to a person, such as a parcel's
 * tracking number.
 */
export type PersonalKind = 'name' | 'phone' | 'email' | 'address' | 'birthDate' | 'freeText' | 'url' | 'identifier';

const MARKS = Symbol('tessera:personal');

export function Personal(kind: PersonalKind): PropertyDecorator {
  return (target, property) => {
    const marks: Record<string, PersonalKind> = { ...(Reflect.getMetadata(MARKS, target) ?? {}) };
    marks[String(property)] = kind;
    Reflect.defineMetadata(MARKS, marks, target);
  };
}

/** A class (its constructor), as decorators and class-validator see it. */
export type ClassType = abstract new (...args: never[]) => object;

/** The personal fields of a catalog class, by property name. */
export function personalFieldsOf(type: ClassType): Readonly<Record<string, PersonalKind>> {
  return Reflect.getMetadata(MARKS, type.prototype) ?? {};
}
