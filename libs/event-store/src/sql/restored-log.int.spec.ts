import { describe, expect, it } from '@jest/globals';
import { createPgliteDriver } from '../embedded/pglite-driver.js';
import { deterministicEventId } from '../event-id.js';
import { NO_STREAM } from '../port.js';
import { SqlEventStore } from './sql-event-store.js';

describe('opening a log whose transaction ids this cluster has not reached', () => {
  // On an embedded database of its own: the same rows in a shared test database would stop every other suite.
  it('refuses, naming the cause and the way out, rather than serving a log that looks empty', async () => {
    const driver = await createPgliteDriver({ dataDir: 'memory://' });
    try {
      const store = await SqlEventStore.open(driver);
      const metadata = { correlationId: 'c', causationId: null, actor: 'spec', recordedAt: '2026-11-25T00:00:00.000Z' };
      await store.appendToStream('budget-e1', [{ id: deterministicEventId('restored/1'), type: 'Tested', schemaVersion: 1, data: { n: 1 }, metadata }], { expectedRevision: NO_STREAM });
      // Reopening a log written here is fine.
      await expect(SqlEventStore.open(driver)).resolves.toBeInstanceOf(SqlEventStore);
      // A row as pg_restore would bring it from a cluster a million transactions further on.
      await driver.query(
        `insert into gl_events (transaction_id, stream_name, stream_revision, event_id, event_type, schema_version, data, metadata)
         values ((pg_current_xact_id()::text::bigint + 1000000)::text::xid8, 'budget-e2', 0, gen_random_uuid(), 'Tested', 1, '{}', '{}')`,
        [],
      );
      await expect(SqlEventStore.open(driver)).rejects.toThrow(/restored from another cluster .*pg_resetwal/);
    } finally {
      await driver.close();
    }
  }, 60_000);
});
