import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import { createPgliteDriver, SqlEventStore, START, type SqlDriver } from '#event-store';
import { GestureLedger } from '#ledger';
import { allProjections, applyBatch, createSchemaSql, insertCheckpoint, measureLag, Projector, readCheckpoint, rebuildReadModels, versionsOf, type Projection } from '#projections';
import { dumpSchema } from '../src/testing/dump-schema.js';
import { prng, seedLedgerTraffic } from '../src/testing/seed-ledger.js';

/** A driver whose transactions fail at random statements, before or after the statement ran. */
function failingDriver(db: SqlDriver, failureRate: number, seed: number): SqlDriver & { failures: number } {
  const random = prng(seed);
  const wrapper = {
    ...db,
    failures: 0,
    transaction<T>(work: (query: <R>(text: string, params: unknown[]) => Promise<R[]>) => Promise<T>): Promise<T> {
      return db.transaction((query) =>
        work(async <R>(text: string, params: unknown[]) => {
          if (random() < failureRate) {
            wrapper.failures++;
            throw new Error('injected failure before the statement');
          }
          const rows = await query<R>(text, params);
          if (random() < failureRate) {
            wrapper.failures++;
            throw new Error('injected failure after the statement');
          }
          return rows;
        }),
      );
    },
  };
  return wrapper;
}

describe('projector under injected failures (embedded PGlite)', () => {
  let driver: SqlDriver;
  let store: SqlEventStore;
  afterAll(async () => store?.close());

  beforeAll(async () => {
    driver = await createPgliteDriver({ dataDir: 'memory://' });
    store = await SqlEventStore.open(driver);
    const ledger = new GestureLedger(store);
    await ledger.start(samplePolicy());
    await seedLedgerTraffic(ledger, { run: 'inj', steps: 300, seed: 5 });
  }, 60_000);

  it('a failure at any statement rolls the whole batch back with its checkpoint; retried, the result equals a clean rebuild', async () => {
    const failing = failingDriver(driver, 0.04, Date.now() % 10_000);
    await new Projector({ store, db: driver, projections: allProjections, schema: 'rm_injected' }).prepare();
    const projector = new Projector({ store, db: failing, projections: allProjections, schema: 'rm_injected', batchSize: 23, idlePollMs: 5, retryDelayMs: 1 });
    projector.start();
    const deadline = Date.now() + 20_000;
    while ((await measureLag(store, driver, 'rm_injected')).eventsBehind > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await projector.stop();
    expect(failing.failures).toBeGreaterThan(3);
    expect(projector.stats.errors).toBe(failing.failures);
    await rebuildReadModels({ store, db: driver, projections: allProjections, liveSchema: 'rm_clean' });
    expect(await dumpSchema(driver, 'rm_injected')).toEqual(await dumpSchema(driver, 'rm_clean'));
  }, 60_000);

  it('a batch applied twice (a second instance, or a retry after a lost commit acknowledgement) counts once', async () => {
    const schema = 'rm_twice';
    const once = 'rm_once';
    for (const s of [schema, once]) {
      await driver.exec(createSchemaSql(s, allProjections));
      await driver.transaction((q) => insertCheckpoint(q, s, versionsOf(allProjections)));
    }
    const events = await store.readAll({ from: START, limit: 200 });
    const first = await applyBatch(driver, schema, allProjections, events, START);
    const second = await applyBatch(driver, schema, allProjections, events, START);
    expect(first).toMatchObject({ kind: 'applied', applied: 200 });
    expect(second).toMatchObject({ kind: 'resync' });
    // Overlapping: half of it already applied, the rest is new.
    const more = await store.readAll({ from: events[99]!.position, limit: 200 });
    const third = await applyBatch(driver, schema, allProjections, more, events[99]!.position);
    expect(third).toMatchObject({ kind: 'applied', applied: 100 });
    const stored = await driver.transaction((q) => readCheckpoint(q, schema, false));
    expect(stored?.eventsApplied).toBe(300);
    await applyBatch(driver, once, allProjections, await store.readAll({ from: START, limit: 300 }), START);
    expect(await dumpSchema(driver, schema)).toEqual(await dumpSchema(driver, once));
  }, 60_000);

  it('a projection failing on one event at every retry: the projector says it is stuck, backs off, and recovers once the event applies', async () => {
    let poisoned = true;
    const poisonType = 'GestureEscalated';
    // The first projection, made to fail on one event type as a bug would, until "fixed".
    const [first, ...rest] = allProjections;
    const failing: Projection = {
      ...first!,
      apply: (events, query, schema) => {
        if (poisoned && events.some((e) => e.type === poisonType)) return Promise.reject(new Error(`cannot fold ${poisonType}`));
        return first!.apply(events, query, schema);
      },
    };
    const projections = [failing, ...rest];
    const schema = 'rm_poisoned';
    let now = new Date('2026-11-25T12:00:00.000Z');
    const failures: string[] = [];
    const projector = new Projector({ store, db: driver, projections, schema, batchSize: 50, idlePollMs: 5, retryDelayMs: 1, retryDelayMaxMs: 40, clock: () => now, onError: (e) => failures.push((e as Error).message) });
    await projector.prepare();
    projector.start();
    try {
      const deadline = Date.now() + 10_000;
      while (failures.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const { failing: state, errors } = projector.stats;
      expect(state).toEqual({ since: '2026-11-25T12:00:00.000Z', failuresInARow: expect.any(Number), lastError: `cannot fold ${poisonType}` });
      expect(state!.failuresInARow).toBeGreaterThanOrEqual(6);
      expect(errors).toBeGreaterThanOrEqual(state!.failuresInARow);
      expect((await measureLag(store, driver, schema)).eventsBehind).toBeGreaterThan(0);
      // Not yet stuck within the allowed time; stuck, with the reason, after it.
      expect(projector.stuck(60_000)).toBeNull();
      now = new Date('2026-11-25T12:01:30.000Z');
      expect(projector.stuck(60_000)).toMatch(/every batch has failed for 90 s \(\d+ in a row\).*cannot fold GestureEscalated/);
      poisoned = false;
      const caughtUp = Date.now() + 10_000;
      while ((await measureLag(store, driver, schema)).eventsBehind > 0 && Date.now() < caughtUp) await new Promise((r) => setTimeout(r, 10));
      expect((await measureLag(store, driver, schema)).eventsBehind).toBe(0);
      expect(projector.stats.failing).toBeNull();
      expect(projector.stuck(0)).toBeNull();
    } finally {
      await projector.stop();
    }
    await rebuildReadModels({ store, db: driver, projections: allProjections, liveSchema: 'rm_unpoisoned' });
    expect(await dumpSchema(driver, schema)).toEqual(await dumpSchema(driver, 'rm_unpoisoned'));
  }, 60_000);
});
