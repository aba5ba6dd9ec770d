import { join } from 'node:path';
import { createPgliteDriver, createPostgresDriver, SqlEventStore, type EventStore, type SqlDriver } from '#event-store';
import { openEventStore } from './open-event-store.js';
import { ConfigurationError, type Settings } from './settings.js';

/** The event store and the read-model database of one process, opened together. */
export interface Storage {
  store: EventStore;
  readModels: SqlDriver;
  /** Closes the read-model connections, then the store (in embedded mode one PGlite closes once). */
  close(): Promise<void>;
}

/**
 * Opens the event store and the read-model database. Embedded: one PGlite (one WASM heap, one data
 * directory) serves both, since PGlite allows only one instance per directory. PostgreSQL: the read
 * models go to READ_MODEL_DATABASE_URL (default DATABASE_URL). EventStoreDB: the read models need PostgreSQL.
 */
export async function openStorage(settings: Settings): Promise<Storage> {
  if (settings.eventStore === 'embedded' && settings.projector.readModelDatabaseUrl === null) {
    const driver = await createPgliteDriver({ dataDir: join(settings.dataDir, 'event-store'), sharedBuffersMb: settings.embeddedSharedBuffersMb });
    const store = await SqlEventStore.open(driver);
    // The store owns the PGlite instance: closing the read-model side must not close it under the store.
    const readModels: SqlDriver = { ...driver, close: async () => undefined };
    return { store, readModels, close: () => store.close() };
  }
  const url = settings.projector.readModelDatabaseUrl;
  if (url === null) throw new ConfigurationError('READ_MODEL_DATABASE_URL', `required when EVENT_STORE=${settings.eventStore} (the read models live in PostgreSQL)`);
  const store = await openEventStore(settings);
  const readModels = createReadModelDriver(url);
  return {
    store,
    readModels,
    close: async () => {
      await readModels.close();
      await store.close();
    },
  };
}

/**
 * The pool of the read-model database, as the projector and its query APIs use it: four connections, and no
 * JIT compilation (read-model queries are short; compiling cost several times their run time).
 */
export function createReadModelDriver(connectionString: string): SqlDriver {
  return createPostgresDriver({ connectionString, poolSize: 4, jit: false });
}
