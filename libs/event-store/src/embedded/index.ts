import { SqlEventStore, type SqlEventStoreOptions } from '../sql/sql-event-store.js';
import { createPgliteDriver, type PgliteDriverOptions } from './pglite-driver.js';

export { createPgliteDriver, pgliteSharedBuffersMbDefault, type PgliteDriverOptions } from './pglite-driver.js';

/** The default event store: embedded PostgreSQL (PGlite) persisted to a data directory, no server. */
export async function createEmbeddedEventStore(options: PgliteDriverOptions & SqlEventStoreOptions): Promise<SqlEventStore> {
  return SqlEventStore.open(await createPgliteDriver(options), options);
}
