import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import { createPostgresDriver, SqlEventStore, type SqlDriver } from '#event-store';
import { GestureLedger } from '#ledger';
import { allProjections, liveSchema, measureLag, rebuildReadModels } from '#projections';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { dumpSchema } from '../../../libs/projections/src/testing/dump-schema.js';
import { freshDatabase } from '../../../libs/projections/src/testing/fresh-database.js';
import { committedHead, projectedThrough } from '../../../libs/projections/src/testing/test-backends.js';
import { prng, seedLedgerTraffic } from '../../../libs/projections/src/testing/seed-ledger.js';
import { buildDist, spawnService } from '../../../test/support/built-app.js';

const entry = 'dist/apps/projector/src/main.js';

/**
 * The projector service, as deployed, SIGKILLed at random moments while it catches up and while new
 * traffic arrives, restarted each time; at the end its read models must equal a clean rebuild of the
 * same log, table for table: no event lost, none counted twice.
 */
withBackend('DATABASE_URL', 'projector crash recovery on PostgreSQL', (url) => {
  describe('projector killed at random moments', () => {
    let dbUrl: string;
    let drop: () => Promise<void>;
    let store: SqlEventStore;
    let db: SqlDriver;
    let ledger: GestureLedger;

    beforeAll(async () => {
      buildDist(entry);
      ({ url: dbUrl, drop } = await freshDatabase(url, 'gl_proj_crash'));
      store = await SqlEventStore.open(createPostgresDriver({ connectionString: dbUrl, poolSize: 4 }));
      db = createPostgresDriver({ connectionString: dbUrl, poolSize: 2 });
      ledger = new GestureLedger(store);
      await ledger.start(samplePolicy());
      await seedLedgerTraffic(ledger, { run: 'crash-a', steps: 700, seed: 11 });
    }, 300_000);

    afterAll(async () => {
      await store?.close();
      await db?.close();
      await drop?.();
    });

    it('after every kill and restart it resumes from its checkpoint, and ends equal to a clean rebuild', async () => {
      const env = {
        PATH: process.env.PATH ?? '',
        EVENT_STORE: 'postgres',
        DATABASE_URL: dbUrl,
        PROJECTOR_PORT: '0',
        PROJECTOR_BATCH_SIZE: '10',
        PROJECTOR_IDLE_POLL_MS: '10',
        JWT_SECRET: 'crash-test-secret-crash-test-secret-0123',
        LOG_LEVEL: 'silent',
      };
      const random = prng(Date.now() % 100_000);
      const checkpoints: number[] = [];
      // Each life gets traffic of its own, appended while it starts and works: a life that found the log
      // already applied could not move the checkpoint (one traffic run for all six lives ran out on a
      // loaded CI machine, where lives start slowly, and the later lives then had nothing to do).
      const traffic: Promise<unknown>[] = [];
      const applied = async () => (await measureLag(store, db, liveSchema).catch(() => ({ eventsApplied: 0 }))).eventsApplied;
      for (let kill = 0; kill < 6; kill++) {
        const before = await applied();
        traffic.push(seedLedgerTraffic(ledger, { run: `crash-b${kill}`, steps: 70, seed: 12 + kill }));
        const service = spawnService(entry, env);
        // Killed while it works: once this life has committed a batch (booting Node, Nest and fresh database
        // sessions takes seconds on a busy machine), at a random moment after that.
        const deadline = Date.now() + 30_000;
        while ((await applied()) <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, Math.floor(random() * 300)));
        service.child.kill('SIGKILL');
        expect((await service.exited).signal).toBe('SIGKILL');
        checkpoints.push(await applied());
      }
      await Promise.all(traffic);
      const last = spawnService(entry, env);
      await last.waitFor(/projector listening on/, 30_000);
      const deadline = Date.now() + 30_000;
      const running = () => last.child.exitCode === null && last.child.signalCode === null;
      const head = await committedHead(db);
      while (running() && !projectedThrough(await measureLag(store, db, liveSchema), head) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const stillRunning = running();
      last.child.kill('SIGTERM');
      const end = await last.exited;
      // CI keeps only the test's output: say how the last life ended, and what it wrote.
      if (!stillRunning || end.code !== 0) throw new Error(`the last projector ${stillRunning ? 'ended on SIGTERM' : 'died before SIGTERM'} with ${end.code ?? end.signal}; its output:\n${last.output().slice(-4000)}`);

      // Each life moved the checkpoint on, and no kill took it back.
      for (let i = 1; i < checkpoints.length; i++) expect(checkpoints[i]).toBeGreaterThan(checkpoints[i - 1]!);
      const lag = await measureLag(store, db, liveSchema);
      expect(projectedThrough(lag, head)).toBe(true);
      expect(lag.eventsBehind).toBe(0);
      const clean = `rm_clean_${Date.now().toString(36)}`;
      await rebuildReadModels({ store, db, projections: allProjections, liveSchema: clean });
      expect(await dumpSchema(db, liveSchema)).toEqual(await dumpSchema(db, clean));
    }, 240_000);
  });
});
