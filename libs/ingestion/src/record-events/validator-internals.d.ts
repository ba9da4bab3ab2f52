// The CommonJS builds of class-validator and class-transformer ship their types under types/;
// the compiled validator reads these two internals at run time.
declare module 'class-transformer/cjs/storage' {
  export * from 'class-transformer/types/storage';
}
declare module 'class-validator/cjs/validation/ValidationUtils' {
  export * from 'class-validator/types/validation/ValidationUtils';
}
