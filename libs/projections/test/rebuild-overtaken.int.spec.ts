import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import type { SqlDriver, SqlEventStore } from '#event-store';
import { GestureLedger } from '#ledger';
import { allProjections, measureLag, Projector, readModelsLockKey, rebuildReadModels } from '#projections';
import { withBackend } from '../../event-store/src/testing/infra.js';
import { dumpSchema } from '../src/testing/dump-schema.js';
import { openPgliteBackend, openPostgresBackend, rebuildSchemas, untilProjected, untilVisible, type TestBackend } from '../src/testing/test-backends.js';
import { seedLedgerTraffic } from '../src/testing/seed-ledger.js';

type Statement = <R>(text: string, params: unknown[]) => Promise<R[]>;

/**
 * The rebuild's driver, behind which a live projector races ahead after each of the rebuild's transactions
 * while `racing` says so: new events are written and applied live before the rebuild's next read or swap, as
 * on a log growing faster than the rebuild catches up. Counts the rebuild's swap attempts.
 */
function racedDriver(db: SqlDriver, raceAhead: () => Promise<void>, racing: (swapsTried: number) => boolean): SqlDriver & { swapsTried: number } {
  const raced = {
    ...db,
    swapsTried: 0,
    async transaction<T>(work: (query: Statement) => Promise<T>, options?: Parameters<SqlDriver['transaction']>[1]): Promise<T> {
      let swap = false;
      try {
        return await db.transaction(
          (query) =>
            work(<R>(text: string, params: unknown[]) => {
              if (text === `select pg_advisory_xact_lock(${readModelsLockKey})`) swap = true;
              return query<R>(text, params);
            }),
          options,
        );
      } finally {
        if (swap) raced.swapsTried++;
        if (racing(raced.swapsTried)) await raceAhead();
      }
    },
  };
  return raced;
}

function overtakenSuite(name: string, open: () => Promise<TestBackend>): void {
  describe(`a rebuild a live projector keeps overtaking on ${name}`, () => {
    let db: SqlDriver;
    let store: SqlEventStore;
    let close: () => Promise<void>;
    let ledger: GestureLedger;
    const run = Date.now().toString(36);
    const catchUpRoundsMax = 3;

    beforeAll(async () => {
      ({ db, store, close } = await open());
      ledger = new GestureLedger(store);
      await ledger.start(samplePolicy());
      await seedLedgerTraffic(ledger, { run: `s${run}`, steps: 60, seed: 31 });
      await untilVisible(store, db);
    }, 60_000);
    afterAll(async () => close?.());

    /** A live projector at the head of the log, and a race: more events written, applied live at once. */
    async function liveProjector(live: string) {
      const projector = new Projector({ store, db, projections: allProjections, schema: live, batchSize: 50, idlePollMs: 5 });
      const toHead = async () => {
        projector.start();
        await untilProjected(projector, db);
        await projector.stop();
      };
      await projector.prepare();
      await toHead();
      let races = 0;
      return {
        raceAhead: async () => {
          await seedLedgerTraffic(ledger, { run: `r${run}${live}${races}`, steps: 2, seed: races++ });
          await toHead();
        },
      };
    }

    /** A rebuild into `live` whose live projector races ahead once it has caught up, then after each swap attempt while `racing` says so. */
    async function racedRebuild(live: string, racing: (swapsTried: number) => boolean) {
      const { raceAhead } = await liveProjector(live);
      let caughtUp = false;
      const raced = racedDriver(db, raceAhead, (swapsTried) => caughtUp && racing(swapsTried));
      const outcome = rebuildReadModels({
        store,
        db: raced,
        projections: allProjections,
        liveSchema: live,
        catchUpRoundsMax,
        onStep: async (step) => {
          if (step !== 'caught_up') return;
          caughtUp = true;
          await raceAhead();
        },
      });
      return { raced, outcome };
    }

    /** The live read models equal a clean rebuild's; both are dropped. */
    async function expectCleanRebuildOf(live: string) {
      const clean = `${live}_clean`;
      await rebuildReadModels({ store, db, projections: allProjections, liveSchema: clean });
      expect(await dumpSchema(db, live)).toEqual(await dumpSchema(db, clean));
      await db.exec(`drop schema ${live} cascade; drop schema ${clean} cascade;`);
    }

    it('fails once its swap has found the live read models ahead after every catch-up allowed, dropping its schema and leaving them as they are', async () => {
      const live = `rm_outrun_${run}`;
      // The race stops a few swaps past the bound: a rebuild without one then ends, and the assertion fails instead of the test's timeout.
      const { raced, outcome } = await racedRebuild(live, (swapsTried) => swapsTried < catchUpRoundsMax + 4);
      await expect(outcome).rejects.toThrow(
        `the live read models in ${live} were ahead of the rebuild at each of its ${catchUpRoundsMax + 1} attempts to swap in (a live projector following a log that grows faster than the rebuild catches up): rebuild abandoned, its schema dropped, the live read models left as they are. Run it again when fewer events are written, or with the live projectors stopped (they carry on from the rebuilt read models)`,
      );
      expect(raced.swapsTried).toBe(catchUpRoundsMax + 1);
      expect(await rebuildSchemas(db)).toEqual([]);
      // The live read models are the live projector's, at the head of the log.
      expect(await measureLag(store, db, live)).toMatchObject({ eventsBehind: 0 });
      await expectCleanRebuildOf(live);
    }, 120_000);

    it('swaps in when overtaken as many times as it may catch up again, and the read models never go back', async () => {
      const live = `rm_overtaken_${run}`;
      const { raced, outcome } = await racedRebuild(live, (swapsTried) => swapsTried < catchUpRoundsMax);
      await outcome;
      expect(raced.swapsTried).toBe(catchUpRoundsMax + 1);
      expect(await rebuildSchemas(db)).toEqual([]);
      expect(await measureLag(store, db, live)).toMatchObject({ eventsBehind: 0 });
      await expectCleanRebuildOf(live);
    }, 120_000);
  });
}

overtakenSuite('embedded PGlite', openPgliteBackend);

withBackend('DATABASE_URL', 'rebuild overtaken on PostgreSQL', (url) => {
  overtakenSuite('PostgreSQL', () => openPostgresBackend(url, 'gl_overtaken'));
});
