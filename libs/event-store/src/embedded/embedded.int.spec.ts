import { SqlEventStore } from '../sql/sql-event-store.js';
import { eventStoreContract } from '../testing/event-store-contract.js';
import { holdSqlAppendOpen } from '../testing/held-append.js';
import { createPgliteDriver } from './pglite-driver.js';
import type { SqlDriver } from '../sql/sql-driver.js';

let driver: SqlDriver;
eventStoreContract('embedded (PGlite)', {
  async open() {
    driver = await createPgliteDriver({ dataDir: 'memory://' });
    return SqlEventStore.open(driver);
  },
  features: {
    // PGlite runs one transaction at a time: a held transaction delays later writers instead of racing them.
    concurrentTransactions: false,
    holdAppendOpen: (stream, events) => holdSqlAppendOpen(driver, stream, events),
  },
});
