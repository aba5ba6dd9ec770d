export * from './lru-cache.js';
export * from './stream-command-processor.js';
export * from './authorization.js';
export * from './gesture-ids.js';
export * from './policy-book.js';
export * from './stream-models.js';
export * from './gesture-ledger.js';
export * from './escalation-expiry.js';
