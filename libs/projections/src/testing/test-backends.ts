import { createPgliteDriver, createPostgresDriver, SqlEventStore, type SqlDriver } from '#event-store';
import { freshDatabase } from './fresh-database.js';

/** An event store and a read-model driver for one suite, and how to release them. */
export interface TestBackend {
  db: SqlDriver;
  store: SqlEventStore;
  close: () => Promise<void>;
}

/** The embedded default: the read models beside the event store in one in-memory PGlite. */
export async function openPgliteBackend(): Promise<TestBackend> {
  const driver = await createPgliteDriver({ dataDir: 'memory://' });
  const store = await SqlEventStore.open(driver);
  return { db: driver, store, close: () => store.close() };
}

/** A database of the suite's own on the server of `url`, dropped on close. */
export async function openPostgresBackend(url: string, prefix: string): Promise<TestBackend> {
  const fresh = await freshDatabase(url, prefix);
  const store = await SqlEventStore.open(createPostgresDriver({ connectionString: fresh.url, poolSize: 4 }));
  const db = createPostgresDriver({ connectionString: fresh.url, poolSize: 4 });
  return {
    db,
    store,
    close: async () => {
      await store.close();
      await db.close();
      await fresh.drop();
    },
  };
}

/** Polls `condition` until it holds, failing after `timeoutMs`. */
export async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
