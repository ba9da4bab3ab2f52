export * from './random';
export * from './history';
export * from './generate-history';
export { demoCustomerId } from './customer-plan';
export type { Stage } from './customer-plan';
export * from './seed';
export { freshNamespace, inNamespace, isNamespace, namespacedId } from './namespace';
