export * from './metrics.js';
export * from './ledger-metrics.js';
export { MetricsModule, type MetricsOptions } from './metrics.module.js';
export { HealthModule, type DependencyCheck, type HealthOptions } from './health.module.js';
export { Lifecycle } from './lifecycle.js';
export * from './logging.js';
export * from './shutdown.js';
export * from './http-draining.js';
export * from './operations-server.js';
