import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import { START, type SqlDriver, type SqlEventStore } from '#event-store';
import { withBackend } from '../../event-store/src/testing/infra.js';
import { GestureLedger, type RequestContext } from '#ledger';
import { allProjections, applyBatch, measureLag, Projector, readCheckpoint, ReadModels, rebuildReadModels, versionsOf, type ProjectionLag } from '#projections';
import { dumpSchema } from '../src/testing/dump-schema.js';
import { openPgliteBackend, openPostgresBackend, until, untilProjected, untilVisible, type TestBackend } from '../src/testing/test-backends.js';
import { seedLedgerTraffic, type SeedResult } from '../src/testing/seed-ledger.js';

const admin: RequestContext['principal'] = { subject: 'check-admin', roles: ['admin'], storeId: null };

function projectorSuite(name: string, open: () => Promise<TestBackend>): void {
  describe(`projector on ${name}`, () => {
    let db: SqlDriver;
    let store: SqlEventStore;
    let close: () => Promise<void>;
    let ledger: GestureLedger;
    let seeded: SeedResult;
    const live = `rm_live_${Date.now().toString(36)}`;

    beforeAll(async () => {
      ({ db, store, close } = await open());
      ledger = new GestureLedger(store);
      await ledger.start(samplePolicy());
      seeded = await seedLedgerTraffic(ledger, { run: `p${Date.now().toString(36)}`, steps: 400, seed: 42 });
      await untilVisible(store, db);
    }, 60_000);
    afterAll(async () => close?.());

    it('follows the log to its head in batches, and its read models equal a clean rebuild', async () => {
      const projector = new Projector({ store, db, projections: allProjections, schema: live, batchSize: 37, idlePollMs: 10 });
      expect(await projector.prepare()).toBe('created');
      projector.start();
      await untilProjected(projector, db);
      await projector.stop();
      expect(projector.stats.batches).toBeGreaterThan(5);
      const lag = await measureLag(store, db, live);
      expect(lag).toMatchObject({ eventsBehind: 0, secondsBehind: 0 });

      const other = `rm_other_${Date.now().toString(36)}`;
      const rebuilt = await rebuildReadModels({ store, db, projections: allProjections, liveSchema: other, batchSize: 500 });
      expect(rebuilt.events).toBe(lag.eventsApplied);
      expect(await dumpSchema(db, other)).toEqual(await dumpSchema(db, live));
      await db.exec(`drop schema ${other} cascade`);
    }, 60_000);

    it("rebuilds by itself when a projection's version changed, and the rebuilt read models are the same", async () => {
      const before = await dumpSchema(db, live);
      const bumped = allProjections.map((p) => (p.name === 'budget' ? { ...p, version: p.version + 1 } : p));
      const projector = new Projector({ store, db, projections: bumped, schema: live });
      expect(await projector.prepare()).toBe('rebuilt');
      expect(await projector.prepare()).toBe('current');
      const after = await dumpSchema(db, live);
      expect(JSON.parse(after.projector_checkpoint!)[0].versions.budget).toBe(allProjections.find((p) => p.name === 'budget')!.version + 1);
      expect({ ...after, projector_checkpoint: '' }).toEqual({ ...before, projector_checkpoint: '' });
      // Back to the real versions for the tests that follow.
      expect(await new Projector({ store, db, projections: allProjections, schema: live }).prepare()).toBe('rebuilt');
    }, 60_000);

    it('agrees with the ledger: every period of every budget, points balances, pending escalations', async () => {
      const reads = new ReadModels(db, { schema: live });
      for (const s of seeded.staff) {
        const truth = await ledger.budget(s.employeeId, admin);
        if (truth.kind !== 'ok') throw new Error('no budget');
        const employee = (await reads.employee(s.employeeId))!;
        expect(employee).toMatchObject({ employeeId: s.employeeId, storeId: s.storeId, role: s.role });
        for (const p of truth.value.periods) {
          const view = await reads.budget(employee, p.periodKey);
          expect(view.period).toMatchObject({ periodKey: p.periodKey, allowanceMinor: p.allowanceMinor, spentMinor: p.spentMinor, reservedMinor: p.reservedMinor, remainingMinor: p.remainingMinor });
          expect(view.period!.pendingEscalations).toBe(view.period!.escalationsPending.length);
        }
      }
      let pendingSeen = 0;
      for (const c of seeded.customers) {
        const truth = await ledger.loyaltyOf(c);
        const view = await reads.customer360(c, new Date());
        expect(view?.pointsBalance ?? 0).toBe(truth.balancePoints);
        expect(view?.tier ?? null).toBe(truth.tier);
        pendingSeen += view?.openEscalations.length ?? 0;
      }
      expect(pendingSeen).toBe(seeded.pending.length);
    }, 60_000);

    it('a rebuild swapped in under a running projector: the projector carries on from the rebuilt checkpoint', async () => {
      const projector = new Projector({ store, db, projections: allProjections, schema: live, batchSize: 50, idlePollMs: 5 });
      projector.start();
      const more = seedLedgerTraffic(ledger, { run: `q${Date.now().toString(36)}`, steps: 150, seed: 7 });
      await rebuildReadModels({ store, db, projections: allProjections, liveSchema: live, batchSize: 100 });
      await more;
      await untilProjected(projector, db);
      await projector.stop();
      const other = `rm_check_${Date.now().toString(36)}`;
      await rebuildReadModels({ store, db, projections: allProjections, liveSchema: other });
      expect(await dumpSchema(db, live)).toEqual(await dumpSchema(db, other));
      await db.exec(`drop schema ${other} cascade`);
    }, 60_000);

    it('a rebuild that a live projector overtook before its swap catches up again: the read models never go back', async () => {
      const projector = new Projector({ store, db, projections: allProjections, schema: live, batchSize: 50, idlePollMs: 5 });
      let before: ProjectionLag | null = null;
      let beforeDump: Record<string, string> = {};
      await rebuildReadModels({
        store,
        db,
        projections: allProjections,
        liveSchema: live,
        onStep: async (step) => {
          if (step !== 'caught_up') return;
          // Between the rebuild's last read and its swap, events arrive and the live projector applies them.
          await seedLedgerTraffic(ledger, { run: `o${Date.now().toString(36)}`, steps: 30, seed: 9 });
          projector.start();
          await untilProjected(projector, db);
          await projector.stop();
          before = await measureLag(store, db, live);
          beforeDump = await dumpSchema(db, live);
        },
      });
      expect(before!.eventsApplied).toBeGreaterThan(0);
      expect(await measureLag(store, db, live)).toMatchObject({ checkpoint: before!.checkpoint, eventsBehind: 0 });
      expect(await dumpSchema(db, live)).toEqual(beforeDump);
    }, 60_000);

    it('a rebuild still replaces live read models past the head of the log (built from another log)', async () => {
      const head = await store.headPosition();
      if (head === START) throw new Error('empty log');
      await db.query(`update ${live}.projector_checkpoint set position = $1`, [`${head.commit + 1_000n}/${head.prepare + 1_000n}`]);
      await rebuildReadModels({ store, db, projections: allProjections, liveSchema: live });
      expect(await measureLag(store, db, live)).toMatchObject({ checkpoint: `${head.commit}/${head.prepare}`, eventsBehind: 0 });
    }, 60_000);

    it('a projector of other projection versions (still running after an upgrade rebuilt the read models) writes nothing; the right one carries on', async () => {
      await seedLedgerTraffic(ledger, { run: `v${Date.now().toString(36)}`, steps: 40, seed: 3 });
      await untilVisible(store, db);
      const before = await dumpSchema(db, live);
      const old = allProjections.map((p) => (p.name === 'budget' ? { ...p, version: p.version - 1 } : p));
      const from = (await db.transaction((query) => readCheckpoint(query, live, false)))!.position;
      const events = await store.readAll({ from, limit: 100 });
      expect(events.length).toBeGreaterThan(0);
      expect(await applyBatch(db, live, old, events, from)).toEqual({ kind: 'outdated', versions: versionsOf(allProjections) });

      const halts: string[] = [];
      const outdated = new Projector({ store, db, projections: old, schema: live, batchSize: 20, idlePollMs: 5, onHalt: (reason) => halts.push(reason) });
      outdated.start();
      await until(async () => outdated.stats.halted !== null);
      await outdated.stop();
      expect(outdated.stats).toMatchObject({ batches: 0, eventsApplied: 0, errors: 0, running: false });
      expect(halts).toEqual([outdated.stats.halted]);
      const budget = allProjections.find((p) => p.name === 'budget')!.version;
      expect(halts[0]).toBe(`the read models were rebuilt for other projection versions (budget ${budget}, this process's ${budget - 1}): this process applies no more batches`);
      expect(await dumpSchema(db, live)).toEqual(before);

      const current = new Projector({ store, db, projections: allProjections, schema: live, batchSize: 20, idlePollMs: 5 });
      current.start();
      await untilProjected(current, db);
      await current.stop();
      expect(current.stats).toMatchObject({ halted: null });
      expect(current.stats.eventsApplied).toBeGreaterThan(0);
      const other = `rm_versions_${Date.now().toString(36)}`;
      await rebuildReadModels({ store, db, projections: allProjections, liveSchema: other });
      expect(await dumpSchema(db, live)).toEqual(await dumpSchema(db, other));
      await db.exec(`drop schema ${other} cascade`);
    }, 60_000);
  });
}

projectorSuite('embedded PGlite (read models beside the event store)', openPgliteBackend);

withBackend('DATABASE_URL', 'projector on PostgreSQL', (url) => {
  projectorSuite('PostgreSQL', () => openPostgresBackend(url, 'gl_proj'));
});
