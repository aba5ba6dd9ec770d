import { SqlEventStore } from '../sql/sql-event-store.js';
import { eventStoreContract } from '../testing/event-store-contract.js';
import { holdSqlAppendOpen } from '../testing/held-append.js';
import { withBackend } from '../testing/infra.js';
import { createPostgresDriver } from './postgres-driver.js';
import type { SqlDriver } from '../sql/sql-driver.js';

withBackend('DATABASE_URL', 'PostgreSQL event store contract', (connectionString) => {
  let driver: SqlDriver;
  eventStoreContract('PostgreSQL', {
    async open() {
      driver = createPostgresDriver({ connectionString, poolSize: 8 });
      return SqlEventStore.open(driver);
    },
    features: {
      concurrentTransactions: true,
      holdAppendOpen: (stream, events) => holdSqlAppendOpen(driver, stream, events),
    },
  });
});
