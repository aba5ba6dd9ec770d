import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import { comparePositions, createEmbeddedEventStore, positionToString, type EventStore, type RecordedEvent, type Subscription, type SubscriptionMessage } from '#event-store';
import { EscalationExpiryScheduler, type EscalationExpiryOptions } from './escalation-expiry.js';
import { escalationExpirySnapshotStream, escalationExpirySnapshotType, snapshotOf } from './escalation-expiry-snapshot.js';
import { GestureLedger, type RequestContext } from './gesture-ledger.js';

const admin: RequestContext = { principal: { subject: 'admin', roles: ['admin'], storeId: null }, correlationId: 't' };
const till: RequestContext = { principal: { subject: 'till', roles: ['pos-system'], storeId: 'nyc-fifth-ave' }, correlationId: 't' };

describe('EscalationExpiryScheduler', () => {
  let store: EventStore;
  let now = Date.parse('2026-11-23T15:00:00Z');
  const clock = () => new Date(now);
  beforeAll(async () => {
    store = await createEmbeddedEventStore({ dataDir: 'memory://' });
  }, 60_000);
  afterAll(() => store.close());

  it('releases the reservation of an escalation nobody decided in time, and only that one', async () => {
    const ledger = new GestureLedger(store, { clock });
    await ledger.start(samplePolicy());
    for (const employeeId of ['e-1', 'e-2']) await ledger.allocateBudget({ employeeId, role: 'associate', storeId: 'nyc-fifth-ave', idempotencyKey: employeeId }, admin);
    const ask = (employeeId: string, key: string) =>
      ledger.requestGesture({ employeeId, customerId: `c-${key}`, gestureType: 'goodwill_credit', amountMinor: 4000, currency: 'USD', channel: 'pos', storeId: 'nyc-fifth-ave', reasonCode: 'service_failure', note: 'n', occurredAt: clock().toISOString(), idempotencyKey: key }, till);
    const stale = await ask('e-1', 'a');
    const decided = await ask('e-2', 'b');
    expect(stale).toMatchObject({ kind: 'ok', value: { outcome: 'escalated' } });
    const decidedId = decided.kind === 'ok' ? decided.value.gestureId : '';
    await ledger.denyGesture(decidedId, {}, { principal: { subject: 'sup', roles: ['senior_associate'], storeId: 'nyc-fifth-ave' }, correlationId: 't' });

    const scheduler = new EscalationExpiryScheduler(store, ledger, { clock, checkEveryMs: 60_000 });
    await scheduler.start();
    await scheduler.whenCaughtUp();
    expect(scheduler.pendingCount).toBe(1);
    expect(await scheduler.expireDue()).toBe(0);

    now += 31 * 60_000; // the associate's escalations wait 30 minutes in the sample policy
    expect(await scheduler.expireDue()).toBe(1);
    const budget = await ledger.budget('e-1', admin.principal);
    expect(budget).toMatchObject({ kind: 'ok', value: { periods: [{ reservedMinor: 0, spentMinor: 0 }], pendingEscalations: [] } });
    const events = await store.readStream('discretion-budget-e-1');
    expect(events.map((e) => e.type)).toEqual(['BudgetAllocated', 'GestureEscalated', 'EscalationExpired']);
    expect(await scheduler.expireDue()).toBe(0);
    await scheduler.stop();
  });

  const escalate = (ledger: GestureLedger, employeeId: string, key: string) =>
    ledger.requestGesture({ employeeId, customerId: `c-${key}`, gestureType: 'goodwill_credit', amountMinor: 4000, currency: 'USD', channel: 'pos', storeId: 'nyc-fifth-ave', reasonCode: 'service_failure', note: 'n', occurredAt: clock().toISOString(), idempotencyKey: key }, till);
  const gestureIdOf = (result: Awaited<ReturnType<GestureLedger['requestGesture']>>) => (result.kind === 'ok' ? result.value.gestureId : '');
  /** A ledger with one escalation by each of two employees: the id of the first, `watched`, and of the other. */
  async function twoEscalations(employees: [string, string], keys: [string, string]) {
    const ledger = new GestureLedger(store, { clock });
    await ledger.start(samplePolicy());
    for (const employeeId of employees) await ledger.allocateBudget({ employeeId, role: 'associate', storeId: 'nyc-fifth-ave', idempotencyKey: employeeId }, admin);
    const watched = gestureIdOf(await escalate(ledger, employees[0], keys[0]));
    await escalate(ledger, employees[1], keys[1]);
    return { ledger, watched };
  }

  it('lets another instance expire an escalation first, and still expires the others due in the same pass', async () => {
    const { ledger, watched: raced } = await twoEscalations(['e-4', 'e-5'], ['raced', 'alone']);
    const logged: string[] = [];
    const scheduler = new EscalationExpiryScheduler(store, ledger, { clock, checkEveryMs: 60_000, log: (line) => logged.push(line) });
    await scheduler.start();
    await scheduler.whenCaughtUp();
    try {
      const pendingBefore = scheduler.pendingCount;
      now += 31 * 60_000;
      // The other replica's scheduler gets to `raced` first, its clock a second on: the expiry it writes differs from
      // the one this replica would write, and this replica's cached budget is behind.
      const otherReplica = new GestureLedger(store, { clock: () => new Date(now + 1_000) });
      await otherReplica.start();
      expect(await otherReplica.expireEscalation(raced, admin)).toMatchObject({ kind: 'ok', value: { status: 'expired' } });

      expect(await scheduler.expireDue()).toBe(2);
      expect(scheduler.pendingCount).toBe(pendingBefore - 2);
      expect(logged).toEqual([]);
      for (const employeeId of ['e-4', 'e-5']) {
        expect((await store.readStream(`discretion-budget-${employeeId}`)).map((e) => e.type)).toEqual(['BudgetAllocated', 'GestureEscalated', 'EscalationExpired']);
      }
    } finally {
      await scheduler.stop();
    }
  });

  it('logs an escalation it could not expire, keeps it for the next pass, and expires the others due meanwhile', async () => {
    const { ledger, watched: failing } = await twoEscalations(['e-6', 'e-7'], ['failing', 'fine']);
    let storeAway = true;
    const flaky: GestureLedger = Object.create(ledger, {
      expireEscalation: {
        value: (gestureId: string, ctx: RequestContext) => (storeAway && gestureId === failing ? Promise.reject(new Error('connection terminated unexpectedly')) : ledger.expireEscalation(gestureId, ctx)),
      },
    });
    const logged: string[] = [];
    const scheduler = new EscalationExpiryScheduler(store, flaky, { clock, checkEveryMs: 60_000, log: (line) => logged.push(line) });
    await scheduler.start();
    await scheduler.whenCaughtUp();
    try {
      const pendingBefore = scheduler.pendingCount;
      now += 31 * 60_000;
      expect(await scheduler.expireDue()).toBe(1);
      expect(scheduler.pendingCount).toBe(pendingBefore - 1);
      expect(logged).toEqual([expect.stringContaining(`${failing} failed: connection terminated unexpectedly`)]);
      expect((await store.readStream('discretion-budget-e-7')).map((e) => e.type)).toEqual(['BudgetAllocated', 'GestureEscalated', 'EscalationExpired']);

      storeAway = false;
      expect(await scheduler.expireDue()).toBe(1);
      expect((await store.readStream('discretion-budget-e-6')).map((e) => e.type)).toEqual(['BudgetAllocated', 'GestureEscalated', 'EscalationExpired']);
    } finally {
      await scheduler.stop();
    }
  });

  it('follows the log again after its subscription fails, and still releases what was escalated after the failure', async () => {
    const ledger = new GestureLedger(store, { clock });
    await ledger.start(samplePolicy());
    await ledger.allocateBudget({ employeeId: 'e-3', role: 'associate', storeId: 'nyc-fifth-ave', idempotencyKey: 'e-3' }, admin);
    // The first subscription fails right after catching up, as one does when the database restarts.
    const opened: string[] = [];
    const flaky: EventStore = Object.create(store, {
      subscribeToAll: {
        value: (options: Parameters<EventStore['subscribeToAll']>[0]): Subscription => {
          const inner = store.subscribeToAll(options);
          opened.push(options.from === 'start' ? 'start' : `${options.from.commit}/${options.from.prepare}`);
          if (opened.length > 1) return inner;
          return {
            stop: () => inner.stop(),
            async *[Symbol.asyncIterator](): AsyncGenerator<SubscriptionMessage> {
              for await (const message of inner) {
                yield message;
                if (message.kind === 'caught_up') throw new Error('connection terminated unexpectedly');
              }
            },
          };
        },
      },
    });
    const logged: string[] = [];
    const scheduler = new EscalationExpiryScheduler(flaky, ledger, { clock, checkEveryMs: 60_000, backoff: { initialMs: 10, maxMs: 20 }, log: (line) => logged.push(line) });
    await scheduler.start();
    await scheduler.whenCaughtUp();
    const before = scheduler.pendingCount;
    const escalated = await ledger.requestGesture({ employeeId: 'e-3', customerId: 'c-late', gestureType: 'goodwill_credit', amountMinor: 4000, currency: 'USD', channel: 'pos', storeId: 'nyc-fifth-ave', reasonCode: 'service_failure', note: 'n', occurredAt: clock().toISOString(), idempotencyKey: 'late' }, till);
    expect(escalated).toMatchObject({ kind: 'ok', value: { outcome: 'escalated' } });
    for (const deadline = Date.now() + 10_000; scheduler.pendingCount === before && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    expect(scheduler.pendingCount).toBe(before + 1);
    expect(opened).toHaveLength(2);
    expect(opened[1]).not.toBe('start'); // from the last batch seen, not the whole log again
    expect(logged.join('\n')).toContain('connection terminated unexpectedly');

    now += 31 * 60_000;
    expect(await scheduler.expireDue()).toBeGreaterThanOrEqual(1);
    const events = await store.readStream('discretion-budget-e-3');
    expect(events.map((e) => e.type)).toEqual(['BudgetAllocated', 'GestureEscalated', 'EscalationExpired']);
    await scheduler.stop();
  }, 30_000);

  describe('from a snapshot', () => {
    // A store of its own: what a scheduler reads is asserted event by event.
    let snapshotted: EventStore;
    let ledger: GestureLedger;
    const supervisor: RequestContext = { principal: { subject: 'sup', roles: ['senior_associate'], storeId: 'nyc-fifth-ave' }, correlationId: 't' };
    beforeAll(async () => {
      snapshotted = await createEmbeddedEventStore({ dataDir: 'memory://' });
      ledger = new GestureLedger(snapshotted, { clock });
      await ledger.start(samplePolicy());
      for (const employeeId of ['s-1', 's-2', 's-3', 's-4']) await ledger.allocateBudget({ employeeId, role: 'associate', storeId: 'nyc-fifth-ave', idempotencyKey: employeeId }, admin);
    }, 60_000);
    afterAll(() => snapshotted.close());

    const typesIn = async (employeeId: string) => (await snapshotted.readStream(`discretion-budget-${employeeId}`)).map((e) => e.type);
    async function caughtUpScheduler(over: EventStore, options: EscalationExpiryOptions = {}) {
      const scheduler = new EscalationExpiryScheduler(over, ledger, { clock, checkEveryMs: 60_000, ...options });
      await scheduler.start();
      await scheduler.whenCaughtUp();
      return scheduler;
    }
    /** The store as a scheduler sees it, with where each subscription started and every event it delivered. */
    function recordingReads() {
      const openedFrom: string[] = [];
      const delivered: RecordedEvent[] = [];
      const store: EventStore = Object.create(snapshotted, {
        subscribeToAll: {
          value: (options: Parameters<EventStore['subscribeToAll']>[0]): Subscription => {
            openedFrom.push(options.from === 'start' ? 'start' : positionToString(options.from));
            const inner = snapshotted.subscribeToAll(options);
            return {
              stop: () => inner.stop(),
              async *[Symbol.asyncIterator](): AsyncGenerator<SubscriptionMessage> {
                for await (const message of inner) {
                  if (message.kind === 'events') delivered.push(...message.events);
                  yield message;
                }
              },
            };
          },
        },
      });
      return { store, openedFrom, delivered };
    }

    it('starts after the snapshot: reads only the log after its checkpoint, expires what was escalated before it and decided nowhere, and not what was decided after it', async () => {
      const undecided = gestureIdOf(await escalate(ledger, 's-1', 'undecided'));
      const decidedLater = gestureIdOf(await escalate(ledger, 's-2', 'decided-later'));
      const first = await caughtUpScheduler(snapshotted);
      expect(await first.takeSnapshot()).toBe(true);
      await first.stop();
      const [taken] = await snapshotted.readStream(escalationExpirySnapshotStream);
      const checkpoint = snapshotOf(taken!)!.checkpoint;
      expect([...snapshotOf(taken!)!.pending.keys()].sort()).toEqual([undecided, decidedLater].sort());
      expect(await ledger.denyGesture(decidedLater, {}, supervisor)).toMatchObject({ kind: 'ok' });

      const reads = recordingReads();
      const second = await caughtUpScheduler(reads.store);
      try {
        expect(reads.openedFrom).toEqual([positionToString(checkpoint)]);
        expect(reads.delivered.map((e) => e.type)).toEqual([escalationExpirySnapshotType, 'GestureDenied']);
        expect(reads.delivered.every((e) => comparePositions(e.position, checkpoint) > 0)).toBe(true);
        expect(second.pendingCount).toBe(1);

        now += 31 * 60_000;
        expect(await second.expireDue()).toBe(1);
        expect(await typesIn('s-1')).toEqual(['BudgetAllocated', 'GestureEscalated', 'EscalationExpired']);
        expect(await typesIn('s-2')).toEqual(['BudgetAllocated', 'GestureEscalated', 'GestureDenied']);
      } finally {
        await second.stop();
      }
    });

    it('lets several instances share the stream: none writes behind the newest checkpoint, within half a period of the newest, or above its bound', async () => {
      const snapshots = async () => (await snapshotted.readStream(escalationExpirySnapshotStream)).length;
      now += 60 * 60_000;
      const behind = await caughtUpScheduler(snapshotted);
      await behind.stop();
      const ahead = await caughtUpScheduler(snapshotted, { snapshotEveryMs: 10 * 60_000 });
      const logged: string[] = [];
      const crowded = await caughtUpScheduler(snapshotted, { snapshotPendingMax: 0, log: (line) => logged.push(line) });
      try {
        const third = gestureIdOf(await escalate(ledger, 's-3', 'after-the-first'));
        for (const deadline = Date.now() + 10_000; (ahead.pendingCount === 0 || crowded.pendingCount === 0) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
        const before = await snapshots();
        expect(await crowded.takeSnapshot()).toBe(false);
        expect(logged).toEqual([expect.stringContaining('more than a snapshot holds (0)')]);
        expect(await ahead.takeSnapshot()).toBe(true);

        const fourth = gestureIdOf(await escalate(ledger, 's-4', 'later-still'));
        for (const deadline = Date.now() + 10_000; ahead.pendingCount === 1 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
        now += 4 * 60_000;
        expect(await ahead.takeSnapshot()).toBe(false);
        now += 2 * 60_000;
        expect(await behind.takeSnapshot()).toBe(false);
        expect(await ahead.takeSnapshot()).toBe(true);
        expect(await snapshots()).toBe(before + 2);
        for (const gestureId of [third, fourth]) expect(await ledger.denyGesture(gestureId, {}, supervisor)).toMatchObject({ kind: 'ok' });
      } finally {
        await ahead.stop();
        await crowded.stop();
      }
    });

    it('writes no snapshot while nothing but snapshots was appended since the newest: an idle log does not grow', async () => {
      const snapshots = async () => (await snapshotted.readStream(escalationExpirySnapshotStream)).length;
      now += 60 * 60_000;
      const scheduler = await caughtUpScheduler(snapshotted);
      try {
        // Whatever the earlier cases left unsnapshotted is taken first; then the log is idle.
        await scheduler.takeSnapshot();
        const before = await snapshots();
        for (let period = 0; period < 3; period++) {
          now += 60 * 60_000;
          // Following its own snapshot moves the checkpoint on: that alone is no reason for another.
          await new Promise((r) => setTimeout(r, 300));
          expect(await scheduler.takeSnapshot()).toBe(false);
        }
        expect(await snapshots()).toBe(before);

        await ledger.allocateBudget({ employeeId: 's-5', role: 'associate', storeId: 'nyc-fifth-ave', idempotencyKey: 's-5' }, admin);
        const news = gestureIdOf(await escalate(ledger, 's-5', 'news'));
        for (const deadline = Date.now() + 10_000; !(await scheduler.takeSnapshot()) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
        expect(await snapshots()).toBe(before + 1);
        expect(await ledger.denyGesture(news, {}, supervisor)).toMatchObject({ kind: 'ok' });
      } finally {
        await scheduler.stop();
      }
    }, 30_000);

    it('starts without waiting for the catch-up, and expires nothing until it has caught up', async () => {
      const due = gestureIdOf(await escalate(ledger, 's-1', 'due-while-catching-up'));
      now += 60 * 60_000;
      const snapshotting = await caughtUpScheduler(snapshotted);
      expect(await snapshotting.takeSnapshot()).toBe(true);
      await snapshotting.stop();
      now += 31 * 60_000;
      // The log after the snapshot is slow to read: nothing arrives until released.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const slow: EventStore = Object.create(snapshotted, {
        subscribeToAll: {
          value: (options: Parameters<EventStore['subscribeToAll']>[0]): Subscription => {
            const inner = snapshotted.subscribeToAll(options);
            return {
              stop: () => inner.stop(),
              async *[Symbol.asyncIterator](): AsyncGenerator<SubscriptionMessage> {
                await released;
                yield* inner;
              },
            };
          },
        },
      });
      const scheduler = new EscalationExpiryScheduler(slow, ledger, { clock, checkEveryMs: 60_000 });
      let giveUp: NodeJS.Timeout | undefined;
      const started = await Promise.race([scheduler.start().then(() => 'started'), new Promise((r) => (giveUp = setTimeout(r, 5_000))).then(() => 'still waiting for the catch-up')]);
      clearTimeout(giveUp);
      try {
        expect(started).toBe('started');
        expect(scheduler.pendingCount).toBe(1);
        expect(await scheduler.expireDue()).toBe(0);
        release();
        await scheduler.whenCaughtUp();
        expect(await scheduler.expireDue()).toBe(1);
        const [, , , escalated, expired] = await snapshotted.readStream('discretion-budget-s-1');
        expect([escalated?.type, expired?.type]).toEqual(['GestureEscalated', 'EscalationExpired']);
        expect(expired?.data).toMatchObject({ gestureId: due });
      } finally {
        release();
        await scheduler.stop();
      }
    }, 15_000);
  });
});
