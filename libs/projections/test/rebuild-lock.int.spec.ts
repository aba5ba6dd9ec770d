import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import { createPostgresDriver, type SqlDriver, type SqlEventStore } from '#event-store';
import { GestureLedger } from '#ledger';
import { allProjections, dropAbandonedRebuilds, Projector, rebuildReadModels, type RebuildOptions } from '#projections';
import { withBackend } from '../../event-store/src/testing/infra.js';
import { rebuildLockKey, RebuildRunning, takeRebuildLock } from '../src/runtime/rebuild-lock.js';
import { dumpSchema } from '../src/testing/dump-schema.js';
import { abandonedSchema, openPgliteBackend, openPostgresBackend, rebuildSchemas, until, untilVisible, type PostgresTestBackend, type TestBackend } from '../src/testing/test-backends.js';
import { seedLedgerTraffic } from '../src/testing/seed-ledger.js';

function rebuildLockSuite(name: string, open: () => Promise<TestBackend>): void {
  describe(`one rebuild at a time on ${name}`, () => {
    let db: SqlDriver;
    let store: SqlEventStore;
    let close: () => Promise<void>;
    const run = Date.now().toString(36);
    const rebuild = (liveSchema: string, more: Partial<RebuildOptions> = {}) => rebuildReadModels({ store, db, projections: allProjections, liveSchema, ...more });

    beforeAll(async () => {
      ({ db, store, close } = await open());
      const ledger = new GestureLedger(store);
      await ledger.start(samplePolicy());
      await seedLedgerTraffic(ledger, { run: `l${run}`, steps: 200, seed: 23 });
      await untilVisible(store, db);
    }, 60_000);
    afterAll(async () => close?.());

    it('two rebuilds started at once: one refuses, the other ends complete and correct', async () => {
      const [first, second] = await Promise.allSettled([rebuild(`rm_first_${run}`), rebuild(`rm_second_${run}`)]);
      const refused = [first, second].filter((r) => r.status === 'rejected');
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(RebuildRunning);
      expect((refused[0] as PromiseRejectedResult).reason.message).toMatch(/^another rebuild of the read models is running (on this database \(since [^,]+, PostgreSQL backend \d+\)|in this process): not starting a second one/);
      const built = first.status === 'fulfilled' ? `rm_first_${run}` : `rm_second_${run}`;
      const clean = `rm_clean_${run}`;
      await rebuild(clean);
      expect(await dumpSchema(db, built)).toEqual(await dumpSchema(db, clean));
      expect(await rebuildSchemas(db)).toEqual([]);
      await db.exec(`drop schema ${built} cascade; drop schema ${clean} cascade;`);
    }, 60_000);

    it('leftovers are never dropped under a rebuild still building: its half-built schema survives, and it ends complete', async () => {
      const live = `rm_running_${run}`;
      let during: { building: string[]; dropped: string[]; second: unknown } | null = null;
      await rebuild(live, {
        onStep: async (step) => {
          // Half-built: loaded and finished, not caught up nor swapped in.
          if (step !== 'finished') return;
          const building = await rebuildSchemas(db);
          // What `projections:rebuild` did first, and a second rebuild started now.
          const dropped = await dropAbandonedRebuilds(db);
          const second = await rebuild(`rm_never_${run}`).catch((error: unknown) => error);
          during = { building, dropped, second };
          expect(await rebuildSchemas(db)).toEqual(building);
        },
      });
      expect(during!.building).toHaveLength(1);
      expect(during!.dropped).toEqual([]);
      expect(during!.second).toBeInstanceOf(RebuildRunning);
      expect(await db.query(`select 1 from pg_namespace where nspname = $1`, [`rm_never_${run}`])).toEqual([]);
      const clean = `rm_clean_${run}`;
      await rebuild(clean);
      expect(await dumpSchema(db, live)).toEqual(await dumpSchema(db, clean));
      await db.exec(`drop schema ${live} cascade; drop schema ${clean} cascade;`);
    }, 60_000);

    it("a projector finding its read models stale while another rebuild runs waits for that rebuild, then keeps it", async () => {
      const live = `rm_prepare_${run}`;
      const old = allProjections.map((p) => (p.name === 'budget' ? { ...p, version: p.version - 1 } : p));
      expect(await new Projector({ store, db, projections: old, schema: live }).prepare()).toBe('created');
      const waits: string[] = [];
      let preparing: Promise<string> | null = null;
      await rebuild(live, {
        onStep: async (step) => {
          if (step !== 'finished') return;
          preparing = new Projector({ store, db, projections: allProjections, schema: live, retryDelayMs: 20, onRebuildWait: (reason) => waits.push(reason) }).prepare();
          await until(async () => waits.length > 0);
        },
      });
      expect(await preparing).toBe('current');
      expect(waits).toHaveLength(1);
      expect(waits[0]).toMatch(/^another rebuild of the read models is running/);
      await db.exec(`drop schema ${live} cascade`);
    }, 60_000);

    it("a crashed rebuild's schema is dropped by the next rebuild, and by dropAbandonedRebuilds when none runs", async () => {
      const crashed = await abandonedSchema(db, `a${run}`);
      const result = await rebuild(`rm_after_crash_${run}`);
      expect(result.abandoned).toEqual([crashed]);
      expect(await rebuildSchemas(db)).toEqual([]);
      const again = await abandonedSchema(db, `b${run}`);
      expect(await dropAbandonedRebuilds(db)).toEqual([again]);
      expect(await rebuildSchemas(db)).toEqual([]);
      await db.exec(`drop schema rm_after_crash_${run} cascade`);
    }, 60_000);
  });
}

rebuildLockSuite('embedded PGlite (one process)', openPgliteBackend);

withBackend('DATABASE_URL', 'rebuild lock on PostgreSQL', (url) => {
  rebuildLockSuite('PostgreSQL', () => openPostgresBackend(url, 'gl_rebuild_lock'));

  describe('the rebuild lock on PostgreSQL', () => {
    let backend: PostgresTestBackend;
    beforeAll(async () => {
      backend = await openPostgresBackend(url, 'gl_rebuild_lock_session');
      const ledger = new GestureLedger(backend.store);
      await ledger.start(samplePolicy());
      await seedLedgerTraffic(ledger, { run: 'pin', steps: 30, seed: 4 });
      await untilVisible(backend.store, backend.db);
    }, 60_000);
    afterAll(async () => backend?.close());

    it('is held by an idle transaction that pins no snapshot (vacuum is not held back for the length of a rebuild)', async () => {
      const { db, store } = backend;
      // Advisory locks are per database: a rebuild another suite runs meanwhile in its own database holds the same key there.
      let holder: Array<{ state: string; backend_xmin: string | null }> = [];
      await rebuildReadModels({
        store,
        db,
        projections: allProjections,
        liveSchema: 'rm_pinned',
        onStep: async (step) => {
          if (step !== 'finished') return;
          holder = await db.query(
            `select a.state, a.backend_xmin::text from pg_locks l join pg_stat_activity a on a.pid = l.pid
              where l.locktype = 'advisory' and l.granted and l.classid = $1 and l.objid = $2
                and l.database = (select oid from pg_database where datname = current_database())`,
            [Math.floor(rebuildLockKey / 2 ** 32), rebuildLockKey % 2 ** 32],
          );
        },
      });
      expect(holder).toEqual([{ state: 'idle in transaction', backend_xmin: null }]);
    }, 60_000);

    it("is held past the pool's idle-in-transaction timeout, which ends any other transaction left idle that long", async () => {
      // Idle in transaction for 5.2 s at most on this pool's sessions.
      const impatient = createPostgresDriver({ connectionString: backend.url, poolSize: 2, queryTimeoutMs: 200 });
      try {
        const lock = await takeRebuildLock(impatient);
        await new Promise((resolve) => setTimeout(resolve, 6_500));
        await expect(takeRebuildLock(backend.db)).rejects.toBeInstanceOf(RebuildRunning);
        await lock.release();
        await (await takeRebuildLock(backend.db)).release();
      } finally {
        await impatient.close();
      }
    }, 30_000);
  });
});
