export * from './settings.js';
export * from './open-event-store.js';
