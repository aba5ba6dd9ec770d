import { SqlEventStore, type SqlEventStoreOptions } from '../sql/sql-event-store.js';
import { createPostgresDriver, type PostgresDriverOptions } from './postgres-driver.js';

export { createPostgresDriver, type PostgresDriverOptions } from './postgres-driver.js';

/** The event store on a PostgreSQL server (schema created on first use). */
export function createPostgresEventStore(options: PostgresDriverOptions & SqlEventStoreOptions): Promise<SqlEventStore> {
  return SqlEventStore.open(createPostgresDriver(options), options);
}
