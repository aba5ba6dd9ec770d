export * from './lru-cache.js';
export * from './stream-command-processor.js';
