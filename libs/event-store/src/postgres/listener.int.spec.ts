import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { deterministicEventId } from '../event-id.js';
import { NO_STREAM, type EventStore, type RecordedEvent, type Subscription, type SubscriptionMessage } from '../port.js';
import { SqlEventStore } from '../sql/sql-event-store.js';
import { withBackend } from '../testing/infra.js';
import { createPostgresDriver } from './postgres-driver.js';

/** Two stores on one database stand for two processes: the writer's appends must wake the reader. */
withBackend('DATABASE_URL', 'PostgreSQL append notifications', (connectionString) => {
  describe('subscriptions woken by appends of other processes (LISTEN/NOTIFY)', () => {
    // Polling alone would take 30 s: anything sooner was a notification.
    const idlePollMs = 30_000;
    let reader: EventStore;
    let writer: EventStore;
    const run = `listen-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    let appended = 0;

    const append = (stream: string, store: EventStore = writer) =>
      store.appendToStream(stream, [{ id: deterministicEventId(`${run}/${appended++}`), type: 'Tested', schemaVersion: 1, data: { n: appended }, metadata: { correlationId: run, causationId: null, actor: 'listener-test', recordedAt: new Date().toISOString() } }], { expectedRevision: NO_STREAM });

    /** Resolves with the first events of `stream` the subscription delivers, and how long it took. */
    async function nextOf(iterator: AsyncIterator<{ kind: string; events?: RecordedEvent[] }>, stream: string, started: number): Promise<number> {
      for (;;) {
        const { value, done } = await iterator.next();
        if (done) throw new Error('subscription ended');
        if (value.kind === 'events' && value.events!.some((e) => e.streamName === stream)) return performance.now() - started;
      }
    }

    /** Subscribes at the head and returns once caught up and asleep in its idle poll. */
    async function atTheHead(): Promise<{ subscription: Subscription; iterator: AsyncIterator<SubscriptionMessage> }> {
      const subscription = reader.subscribeToAll({ from: await reader.headPosition(), maxBatchSize: 100 });
      const iterator = subscription[Symbol.asyncIterator]();
      // Suites running beside this one append to the same database: their events may come first.
      for (let message = (await iterator.next()).value; message.kind !== 'caught_up'; message = (await iterator.next()).value) expect(message.kind).toBe('events');
      await new Promise((r) => setTimeout(r, 300));
      return { subscription, iterator };
    }

    beforeAll(async () => {
      reader = await SqlEventStore.open(createPostgresDriver({ connectionString, poolSize: 2 }), { subscriptionIdlePollMs: idlePollMs });
      writer = await SqlEventStore.open(createPostgresDriver({ connectionString, poolSize: 2 }));
    });
    afterAll(async () => {
      await reader?.close();
      await writer?.close();
    });

    it('delivers another process\'s append within a fraction of the poll interval, and again after its listening connection was killed', async () => {
      const { subscription, iterator } = await atTheHead();
      try {
        let started = performance.now();
        const first = nextOf(iterator, `${run}-a`, started);
        await append(`${run}-a`);
        expect(await first).toBeLessThan(5_000);

        // The listening session dies (a failover, an idle-session killer): the listener reconnects.
        const admin = new pg.Client({ connectionString });
        await admin.connect();
        try {
          const killed = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'LISTEN%gl_appended%' and pid <> pg_backend_pid()`);
          expect(killed.rowCount).toBeGreaterThanOrEqual(1);
        } finally {
          await admin.end();
        }
        await new Promise((r) => setTimeout(r, 1_500));
        started = performance.now();
        const second = nextOf(iterator, `${run}-b`, started);
        await append(`${run}-b`);
        expect(await second).toBeLessThan(5_000);
      } finally {
        await subscription.stop();
      }
    }, 30_000);

    it("delivers the listening store's own append, announced once by PostgreSQL rather than also by the store itself", async () => {
      const { subscription, iterator } = await atTheHead();
      try {
        const own = nextOf(iterator, `${run}-own`, performance.now());
        await append(`${run}-own`, reader);
        expect(await own).toBeLessThan(5_000);
      } finally {
        await subscription.stop();
      }
    }, 30_000);
  });
});

withBackend('DATABASE_URL', 'PostgreSQL driver session settings', (connectionString) => {
  describe('createPostgresDriver({ synchronousCommit })', () => {
    it('turns synchronous_commit off for its sessions only when asked', async () => {
      const relaxed = createPostgresDriver({ connectionString, poolSize: 1, synchronousCommit: false });
      const strict = createPostgresDriver({ connectionString, poolSize: 1 });
      try {
        expect(await relaxed.query<{ synchronous_commit: string }>('show synchronous_commit', [])).toEqual([{ synchronous_commit: 'off' }]);
        expect(await strict.query<{ synchronous_commit: string }>('show synchronous_commit', [])).toEqual([{ synchronous_commit: 'on' }]);
      } finally {
        await relaxed.close();
        await strict.close();
      }
    });
  });
});
