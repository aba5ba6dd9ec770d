/**
 * Read models kept by the projector, the runtime that keeps them (checkpointed batch transactions,
 * rebuild with a schema swap, lag) and the queries the query API runs over them.
 */
export type { BulkLoad, Projection, Query } from './projection.js';
export { liveSchema, rebuildSchemaPrefix, assertSchemaName } from './sql-names.js';
export { jsonRows, pairKey } from './json-rows.js';
export { asLedgerEvent, type LedgerEvent } from './domain-events.js';
export { Projector, type ProjectorOptions, type ProjectorStats } from './runtime/projector.js';
export { applyBatch, isAfter, type BatchOutcome } from './runtime/apply-batch.js';
export { readCheckpoint, versionsOf, createSchemaSql, createIndexesSql, insertCheckpoint, type Checkpoint } from './runtime/checkpoint.js';
export { rebuildReadModels, dropAbandonedRebuilds, readModelsLockKey, type RebuildOptions, type RebuildProgress, type RebuildResult, type RebuildStep } from './runtime/rebuild.js';
export { RebuildRunning } from './runtime/rebuild-lock.js';
export { RebuildOvertaken } from './runtime/rebuild.js';
export { measureLag, type ProjectionLag } from './runtime/lag.js';
export { formatProgress } from './runtime/progress-bar.js';
export { budgetProjection } from './budget/budget-projection.js';
export { customerProjection } from './customer/customer-projection.js';
export { coreProjections, allProjections } from './registry.js';
export { ReadModels, defaultReadModelLimits, type ReadModelLimits } from './queries/read-models.js';
export { ReadQueries } from './queries/read-queries.js';
export { mayReadApprovalQueue, mayReadCustomer360, mayReadEmployeeBudget } from './queries/read-access.js';
export type * from './queries/views.js';
export * from './finance/index.js';
