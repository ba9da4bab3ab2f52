export * from './event-catalog';
export * from './event-envelope';
export * from './personal-data';
export * from './customer-events';
export * from './order-events';
export * from './browsing-events';
export * from './service-events';
export * from './mask-personal-data';
