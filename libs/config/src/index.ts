export * from './settings.js';
export * from './open-event-store.js';
export * from './kafka-settings.js';
export * from './projector-settings.js';
export * from './open-storage.js';
export * from './state-caches.js';
