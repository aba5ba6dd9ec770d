import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import { randomUUID } from 'node:crypto';
import { ANY, type SqlDriver, type SqlEventStore } from '#event-store';
import { GestureLedger } from '#ledger';
import { allProjections, Projector, rebuildReadModels } from '#projections';
import { writeProjectionLog } from '../../../bench/projection-log.js';
import { withBackend } from '../../event-store/src/testing/infra.js';
import { bulkTarget } from '../src/runtime/bulk-append.js';
import { arrayLiterals } from '../src/runtime/staging.js';
import { readWholeLog } from '../src/finance/testing/project-log.js';
import { dumpSchema } from '../src/testing/dump-schema.js';
import { openPgliteBackend, openPostgresBackend, until, untilProjected, untilVisible, type TestBackend } from '../src/testing/test-backends.js';
import { seedLedgerTraffic } from '../src/testing/seed-ledger.js';

/**
 * The rebuild's bulk path (staging appends merged by GROUP BY) against the live path (upserts batch by batch,
 * as a running projector applies them) over the same log: the projector's own tests compare with "a clean
 * rebuild", which is the bulk path, so this is where the bulk path meets the live one table by table.
 */
function bulkSuite(name: string, open: () => Promise<TestBackend>): void {
  describe(`bulk rebuild on ${name}`, () => {
    let db: SqlDriver;
    let store: SqlEventStore;
    let close: () => Promise<void>;
    const run = Date.now().toString(36);
    let orphanGestureId: string;

    beforeAll(async () => {
      ({ db, store, close } = await open());
      const ledger = new GestureLedger(store);
      await ledger.start(samplePolicy());
      // The ledger's own traffic (every event type, decided for real), then the benchmark's generated log:
      // thousands of customers and escalations whose rows span many batches.
      await seedLedgerTraffic(ledger, { run: `b${run}`, steps: 300, seed: 11 });
      await untilVisible(store, db);
      await writeProjectionLog(db, { events: 6_000, employees: 40, customers: 300, days: 3 }, 5);
      // A decision on a gesture whose first event the log lacks (as in a log carried over from another system):
      // the live path's upsert makes the gesture's row from the decision alone, and so must the bulk path.
      const approval = (await readWholeLog(store)).find((e) => e.type === 'GestureApproved')!;
      const data = approval.data as { gestureId: string };
      orphanGestureId = `${data.gestureId.slice(0, data.gestureId.indexOf('~'))}~${randomUUID()}`;
      const orphan = { id: randomUUID(), type: approval.type, schemaVersion: approval.schemaVersion, data: { ...approval.data, gestureId: orphanGestureId }, metadata: approval.metadata };
      await store.appendToStream(approval.streamName, [orphan], { expectedRevision: ANY });
      await untilVisible(store, db);
    }, 120_000);
    afterAll(async () => close?.());

    it('equals the live path table by table, whatever the batch sizes', async () => {
      const live = `rm_bl_live_${run}`;
      const projector = new Projector({ store, db, projections: allProjections, schema: live, batchSize: 53, idlePollMs: 5 });
      expect(await projector.prepare()).toBe('created');
      projector.start();
      await untilProjected(projector, db);
      await projector.stop();
      const expected = await dumpSchema(db, live);
      expect(Object.keys(expected).some((t) => t.startsWith('stage_'))).toBe(false);
      const gestureRows = JSON.parse(expected.customer_gestures!) as Array<{ gesture_id: string; status: string }>;
      expect(gestureRows.length).toBeGreaterThan(500);
      expect(gestureRows.find((g) => g.gesture_id === orphanGestureId)).toMatchObject({ status: 'approved' });
      expect(JSON.parse(expected.pending_escalations!).length).toBeGreaterThan(0);

      const upserts = `rm_bl_upsert_${run}`;
      await rebuildReadModels({ store, db, projections: allProjections, liveSchema: upserts, bulk: false, batchSize: 400 });
      expect(await dumpSchema(db, upserts)).toEqual(expected);

      for (const bulkBatchSize of [41, 997, undefined]) {
        const bulk = `rm_bl_bulk_${bulkBatchSize ?? 'default'}_${run}`;
        const result = await rebuildReadModels({ store, db, projections: allProjections, liveSchema: bulk, bulkBatchSize });
        expect(result.events).toBe(JSON.parse(expected.projector_checkpoint!)[0].events_applied);
        expect(await dumpSchema(db, bulk)).toEqual(expected);
        await db.exec(`drop schema ${bulk} cascade`);
      }
      await db.exec(`drop schema ${upserts} cascade; drop schema ${live} cascade;`);
    }, 180_000);

    it('sends any text, null and JSON through the staging arrays unchanged', async () => {
      const texts = ['plain', 'with "quotes"', 'back\\slash', 'line\nbreak\ttab', 'NULL', '', '{braces},comma', 'ünïcödé ✓', ' padded '];
      const rows = [...texts.map((t, i) => ({ t, n: i - 3, j: { note: t } })), { t: null, n: null, j: null }];
      const [t, n, j] = arrayLiterals(rows, ['t', 'n', 'j']);
      const got = await db.query<{ t: string | null; n: string | null; j: unknown }>(`select t, n::text, j from unnest($1::text[], $2::bigint[], $3::jsonb[]) as x(t, n, j)`, [t, n, j]);
      expect(got).toEqual(rows.map((r) => ({ t: r.t, n: r.n === null ? null : String(r.n), j: r.j })));
      // Quoted value by value too (a column holding an object, or a JSON escape other than \" and \\).
      const [quoted] = arrayLiterals([{ v: 'a\nb' }, { v: 'c"d' }], ['v']);
      expect((await db.query<{ v: string[] }>(`select $1::text[] as v`, [quoted]))[0]!.v).toEqual(['a\nb', 'c"d']);
    });

    it('appends any text, null and JSON unchanged (COPY on PostgreSQL, arrays on PGlite)', async () => {
      const texts = ['plain', 'tab\there', 'line\nbreak', 'carriage\rreturn', 'back\\slash', '\\N', '\\.', 'NULL', '', 'ünïcödé ✓', '"quoted"'];
      const rows = [...texts.map((t, i) => ({ t, n: i - 3, j: { note: t, nested: [t] } })), { t: null, n: null, j: null }];
      const table = `bulk_append_${run}`;
      await db.exec(`create table ${table} (k int, t text, n bigint, j jsonb)`);
      const columns = [['k', 'int'], ['t', 'text'], ['n', 'bigint'], ['j', 'jsonb']] as const;
      await bulkTarget(db).append(table, columns, rows, (row, i) => (i === 0 ? rows.indexOf(row) : row[columns[i]![0] as 't' | 'n' | 'j']));
      const got = await db.query<{ t: string | null; n: string | null; j: unknown }>(`select t, n::text, j from ${table} order by k`, []);
      expect(got).toEqual(rows.map((r) => ({ t: r.t, n: r.n === null ? null : String(r.n), j: r.j })));
      // A COPY that fails (a text where a number goes) rejects naming the problem, writes nothing, and the driver goes on working.
      if (db.copyIn) await expect(db.copyIn(`copy ${table} (k) from stdin`, '7\nx\n')).rejects.toThrow(/integer/);
      expect(await db.query(`select count(*)::int as n from ${table}`, [])).toEqual([{ n: rows.length }]);
      await db.exec(`drop table ${table}`);
    });
  });
}

bulkSuite('embedded PGlite', openPgliteBackend);

withBackend('DATABASE_URL', 'bulk rebuild on PostgreSQL', (url) => {
  bulkSuite('PostgreSQL', () => openPostgresBackend(url, 'gl_bulk'));
});
