export * from './principal.js';
export * from './tokens.js';
export * from './test-token-settings.js';
