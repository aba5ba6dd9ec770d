import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import type { SqlDriver, SqlEventStore } from '#event-store';
import { GestureLedger } from '#ledger';
import { allProjections, rebuildReadModels } from '#projections';
import { withBackend } from '../../event-store/src/testing/infra.js';
import { openPostgresBackend, untilVisible, type TestBackend } from '../src/testing/test-backends.js';
import { seedLedgerTraffic } from '../src/testing/seed-ledger.js';

/** Every index build takes `ms` longer, wherever the rebuild sends it (a script or a transaction's statement): a large log's. */
function slowIndexes(db: SqlDriver, ms: number): SqlDriver {
  const sleep = `select pg_sleep(${ms / 1000})`;
  return {
    ...db,
    exec: (script) => db.exec(/create index/i.test(script) ? `${sleep};\n${script}` : script),
    transaction: (work, options) =>
      db.transaction(
        (query) =>
          work(async <R>(text: string, params: unknown[]) => {
            if (/^\s*create index/i.test(text)) await query(sleep, []);
            return query<R>(text, params);
          }),
        options,
      ),
  };
}

withBackend('DATABASE_URL', 'rebuild statements on PostgreSQL', (url) => {
  describe('a rebuild whose index builds outlast the pool statement timeout (PostgreSQL)', () => {
    let backend: TestBackend;
    let store: SqlEventStore;
    let db: SqlDriver;

    beforeAll(async () => {
      // The read models' pool answers each statement within 300 ms, as a service's 30 s would a large log's index build.
      backend = await openPostgresBackend(url, 'gl_long_statements', { statementTimeoutMs: 300 });
      ({ store, db } = backend);
      const ledger = new GestureLedger(store);
      await ledger.start(samplePolicy());
      await seedLedgerTraffic(ledger, { run: `l${Date.now().toString(36)}`, steps: 20, seed: 7 });
      await untilVisible(store, db);
    }, 60_000);
    afterAll(async () => backend?.close());

    it("builds them under the rebuild's own statement timeout, not the pool's", async () => {
      const rebuilt = await rebuildReadModels({ store, db: slowIndexes(db, 500), projections: allProjections, liveSchema: 'rm_long_statements' });
      expect(rebuilt.events).toBeGreaterThan(0);
      const indexes = await db.query<{ n: number }>(`select count(*)::int as n from pg_indexes where schemaname = 'rm_long_statements' and indexname like 'finance_journal_%'`, []);
      expect(indexes[0]!.n).toBeGreaterThanOrEqual(4);
    }, 60_000);
  });
});
