import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KafkaSettings } from '#config';
import { comparePositions, createPostgresDriver, logPartitionOf, type EventStore, type LogPartition, type Position, type SqlDriver } from '#event-store';
import type { GestureLedger } from '#ledger';
import { createKafka, KafkaPublisher, KafkaTopicAdmin, LeaseLostError, readTopic, SqlCheckpointStore, topicSpecs } from '#messaging';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { waitFor } from '../../../libs/event-store/src/testing/wait-for.js';
import { checkpointStoreContract } from '../../../libs/messaging/src/testing/checkpoint-store-contract.js';
import { freshDatabase } from '../../../libs/projections/src/testing/fresh-database.js';
import { CrmRelay } from '../src/crm-relay.js';
import { allEvents, deleteTestTopics, enrol, expectPerKeyOrder, gestures, sampleLedger, testTopics } from './traffic.js';

withBackend('DATABASE_URL', 'CRM relay checkpoint lease (PostgreSQL)', (connectionString) => {
  describe('checkpoint lease', () => {
    const name = `lease-${Date.now().toString(36)}-${process.pid}`;
    const drivers: SqlDriver[] = [];
    const open = async (leaseMs: number) => SqlCheckpointStore.open(drivers[drivers.push(createPostgresDriver({ connectionString, poolSize: 1 })) - 1]!, { leaseMs });

    afterAll(async () => {
      for (const driver of drivers) await driver.close();
    });

    it('admits one holder; the other cannot move the checkpoint until the lease is released or runs out', async () => {
      const a = await open(60_000);
      const b = await open(60_000);
      expect(await a.claim(name)).toBe(true);
      expect(await b.claim(name)).toBe(false);
      await a.save(name, { commit: 10n, prepare: 5n });
      await expect(b.save(name, { commit: 11n, prepare: 6n })).rejects.toBeInstanceOf(LeaseLostError);
      expect(await b.load(name)).toEqual({ commit: 10n, prepare: 5n });

      await a.release(name);
      expect(await b.claim(name)).toBe(true);
      await expect(a.save(name, { commit: 12n, prepare: 7n })).rejects.toBeInstanceOf(LeaseLostError);
      await b.save(name, { commit: 12n, prepare: 7n });
      expect(await a.load(name)).toEqual({ commit: 12n, prepare: 7n });
    });

    it('renews a lease only while it has not run out, nor saves after: a holder that let it lapse must claim it again', async () => {
      const a = await open(400);
      const lapsing = `${name}-lapse`;
      expect(await a.claim(lapsing)).toBe(true);
      expect(await a.renew(lapsing)).toBe(true);
      await a.save(lapsing, { commit: 3n, prepare: 3n });
      await new Promise((resolve) => setTimeout(resolve, 600));
      // Nobody took it meanwhile, yet another follower (of another shard layout) may have acted while nobody held it.
      expect(await a.renew(lapsing)).toBe(false);
      await expect(a.save(lapsing, { commit: 4n, prepare: 4n })).rejects.toBeInstanceOf(LeaseLostError);
      expect(await a.load(lapsing)).toEqual({ commit: 3n, prepare: 3n });
      const b = await open(60_000);
      expect(await b.renew(lapsing)).toBe(false);
      expect(await a.claim(lapsing)).toBe(true);
      expect(await a.renew(lapsing)).toBe(true);
      await a.save(lapsing, { commit: 4n, prepare: 4n });
    });

    it('opens from several followers at once on a fresh database (a first deploy of shards and standbys), and again over the table they made', async () => {
      const fresh = await freshDatabase(connectionString, 'gl_checkpoints_open');
      const opened: SqlDriver[] = [];
      try {
        for (let round = 0; round < 2; round++) {
          const stores = await Promise.all(Array.from({ length: 6 }, () => SqlCheckpointStore.open(opened[opened.push(createPostgresDriver({ connectionString: fresh.url, poolSize: 1 })) - 1]!)));
          expect(await stores[round]!.claim(`${name}-fresh`)).toBe(true);
          await stores[round]!.save(`${name}-fresh`, { commit: BigInt(round + 1), prepare: 1n });
          await stores[round]!.release(`${name}-fresh`);
        }
        const [last] = opened.slice(-1);
        expect(await (await SqlCheckpointStore.open(last!)).load(`${name}-fresh`)).toEqual({ commit: 2n, prepare: 1n });
      } finally {
        for (const driver of opened) await driver.close();
        await fresh.drop();
      }
    });

    describe('the contract of every checkpoint store', () => {
      let n = 0;
      checkpointStoreContract(() => open(60_000), () => `${name}-contract-${n++}`);
    });

    it("does not forget a family while any of its checkpoints is leased: the follower still running would save over it", async () => {
      const running = await open(60_000);
      const operator = await open(60_000);
      const family = `${name}-reset`;
      for (const n of [family, `${family}.shard-0-of-2`]) {
        expect(await running.claim(n)).toBe(true);
        await running.save(n, { commit: 30n, prepare: 30n });
      }
      await running.release(family);
      expect(await operator.forgetFamily(family)).toEqual({ leased: [`${family}.shard-0-of-2`] });
      expect((await operator.family(family)).map((c) => c.name).sort()).toEqual([family, `${family}.shard-0-of-2`]);
      await running.release(`${family}.shard-0-of-2`);
      expect(await operator.forgetFamily(family)).toEqual({ forgotten: [family, `${family}.shard-0-of-2`] });
    });

    it('lets a standby take over a lease its holder stopped renewing, and fences the old holder', async () => {
      const stalled = await open(200);
      const standby = await open(200);
      const other = `${name}-expiry`;
      expect(await stalled.claim(other)).toBe(true);
      expect(await standby.claim(other)).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(await standby.claim(other)).toBe(true);
      await expect(stalled.save(other, { commit: 1n, prepare: 1n })).rejects.toBeInstanceOf(LeaseLostError);
      expect(await stalled.claim(other)).toBe(false);
    });
  });

  withBackend('KAFKA_BROKERS', 'CRM relay standby (real broker)', (brokers) => {
    describe('two relays on one checkpoint', () => {
      const run = `l${Date.now().toString(36)}${process.pid}`;
      const kafka = createKafka({ brokers: brokers.split(','), clientId: `test-${run}`, logLevel: 'nothing' });
      const drivers: SqlDriver[] = [];
      const publishers: KafkaPublisher[] = [];
      let settings: KafkaSettings;
      let store: EventStore;
      let ledger: GestureLedger;

      const newRelay = async (options: { name?: string; shard?: LogPartition; on?: KafkaSettings; leaseMs?: number; leaseRenewMs?: number } = {}) =>
        new CrmRelay(store, publishers[publishers.push(new KafkaPublisher(kafka)) - 1]!, new KafkaTopicAdmin(kafka), await SqlCheckpointStore.open(drivers[drivers.push(createPostgresDriver({ connectionString, poolSize: 2 })) - 1]!, options.leaseMs ? { leaseMs: options.leaseMs } : {}), {
          name: options.name ?? `crm-relay-${run}`,
          ...(options.shard ? { shard: options.shard } : {}),
          source: '/gesture-ledger/test',
          topics: (options.on ?? settings).topics,
          topicSpecs: topicSpecs(options.on ?? settings).relay,
          batchEventsMax: 100,
          leaseRenewMs: options.leaseRenewMs ?? 100,
          log: () => undefined,
        });

      let sharded: KafkaSettings;

      beforeAll(async () => {
        settings = testTopics(brokers, run);
        sharded = testTopics(brokers, `${run}s`);
        ({ store, ledger } = await sampleLedger());
      }, 60_000);

      afterAll(async () => {
        for (const publisher of publishers) await publisher.close();
        for (const driver of drivers) await driver.close();
        await store?.close();
        await deleteTestTopics(kafka, settings, sharded);
      }, 60_000);

      it('publishes from one only: the second stands by, and takes over where the first stopped', async () => {
        const crowd = await enrol(ledger, run, 3);
        await gestures(ledger, run, crowd, 60);
        const first = await newRelay();
        const second = await newRelay();
        first.start();
        await waitFor(() => first.stats.active, 20_000);
        second.start();
        const head = await store.headPosition();
        await first.until(head, 30_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(second.stats).toMatchObject({ active: false, eventsPublished: 0 });

        await first.stop();
        await gestures(ledger, `${run}b`, crowd, 30);
        const later = await store.headPosition();
        await waitFor(() => second.stats.active, 10_000);
        await second.until(later, 30_000);
        await second.stop();

        const records = await readTopic(kafka, settings.topics.events);
        const published = records.map((r) => r.headers.ce_id);
        expect(new Set(published).size).toBe(published.length);
        expect([...published].sort()).toEqual((await allEvents(store)).map((e) => e.id).sort());
        expect(second.stats.eventsPublished).toBe(published.length - first.stats.eventsPublished);
      }, 90_000);

      it('reports a relay that lost its lease to another as a healthy standby, not as failing', async () => {
        const name = `crm-relay-${run}-handover`;
        // The first renews its lease (300 ms) only every second, so the second takes it over meanwhile.
        const first = await newRelay({ name, leaseMs: 300, leaseRenewMs: 1_000 });
        const second = await newRelay({ name });
        first.start();
        await waitFor(() => first.stats.active && first.stats.caughtUp, 20_000);
        second.start();
        await waitFor(() => second.stats.active && first.stats.failures > 0, 10_000);
        try {
          // Back on standby after the lease it lost: nothing to retry, so nothing for readiness to report.
          await waitFor(() => first.stats.lastError === null, 5_000);
          expect(first.stats).toMatchObject({ active: false, lastError: null });
        } finally {
          await first.stop();
          await second.stop();
        }
      }, 60_000);

      it('starts a new shard layout only once the running one stopped: two layouts never publish side by side', async () => {
        const name = `crm-relay-${run}-layouts`;
        const single = await newRelay({ name });
        const shards = [await newRelay({ name, shard: { count: 2, index: 0 } }), await newRelay({ name, shard: { count: 2, index: 1 } })];
        const again = await newRelay({ name });
        try {
          single.start();
          await waitFor(() => single.stats.active, 20_000);
          for (const shard of shards) shard.start();
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          expect(shards.map((s) => s.stats)).toEqual(shards.map(() => expect.objectContaining({ active: false, eventsPublished: 0, lastError: null })));
          await single.stop();
          await waitFor(() => shards.every((s) => s.stats.active), 10_000);
          // Now the old layout would stand by in turn, were it started again.
          again.start();
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          expect(again.stats).toMatchObject({ active: false, eventsPublished: 0 });
        } finally {
          for (const relay of [single, ...shards, again]) await relay.stop();
        }
      }, 60_000);

      it('publishes the log as two shards side by side: every event once, per-key order, each shard on its own checkpoint from where one relay stopped', async () => {
        const name = `crm-relay-${run}-sharded`;
        const crowd = await enrol(ledger, `${run}s`, 8);
        await gestures(ledger, `${run}s`, crowd, 40);
        const single = await newRelay({ name, on: sharded });
        single.start();
        const handedOver = (await store.headPosition()) as Position;
        await single.until(handedOver, 30_000);
        await single.stop();

        await gestures(ledger, `${run}s2`, crowd, 80);
        const after = (await allEvents(store)).filter((e) => e.position.commit > handedOver.commit || (e.position.commit === handedOver.commit && e.position.prepare > handedOver.prepare));
        const shares = [0, 1].map((index) => after.filter((e) => logPartitionOf(e.streamName, 2) === index));
        expect(shares.map((share) => share.length > 0)).toEqual([true, true]);
        const shards = [await newRelay({ name, on: sharded, shard: { count: 2, index: 0 } }), await newRelay({ name, on: sharded, shard: { count: 2, index: 1 } })];
        expect(shards.map((s) => s.checkpointName)).toEqual([`${name}.shard-0-of-2`, `${name}.shard-1-of-2`]);
        for (const shard of shards) shard.start();
        await Promise.all(shards.map((shard, index) => shard.until(shares[index]!.at(-1)!.position, 30_000)));
        for (const shard of shards) await shard.stop();

        expect(shards.map((s) => s.stats.eventsPublished)).toEqual(shares.map((share) => share.length));
        const records = await readTopic(kafka, sharded.topics.events);
        const published = records.map((r) => r.headers.ce_id);
        expect(new Set(published).size).toBe(published.length);
        expect([...published].sort()).toEqual((await allEvents(store)).map((e) => e.id).sort());
        expectPerKeyOrder(records);

        // Three shards after two, then one relay again (its own checkpoint is from before the two): each
        // layout resumes where the whole previous one had got to. Only events between the previous
        // layout's earliest and latest checkpoint may be published twice; before, the new shards started
        // from the unsharded checkpoint and the unsharded relay from its own, republishing all since.
        const checkpoints = await SqlCheckpointStore.open(drivers[drivers.push(createPostgresDriver({ connectionString, poolSize: 1 })) - 1]!);
        const layoutSpan = async (names: string[]) => {
          const positions = (await Promise.all(names.map((n) => checkpoints.load(n)))) as Position[];
          const sorted = [...positions].sort((a, b) => comparePositions(a, b));
          return { from: sorted[0]!, to: sorted[sorted.length - 1]! };
        };
        const republishable = new Set<string>();
        const relayLayout = async (count: number, previous: string[]) => {
          const span = await layoutSpan(previous);
          for (const e of await allEvents(store)) if (comparePositions(e.position, span.from) > 0 && comparePositions(e.position, span.to) <= 0) republishable.add(e.id);
          const head = (await store.headPosition()) as Position;
          const relays = count === 1 ? [await newRelay({ name, on: sharded })] : await Promise.all(Array.from({ length: count }, (_, index) => newRelay({ name, on: sharded, shard: { count, index } })));
          for (const relay of relays) relay.start();
          // Each stops once it reached the head: the last event of the log or of its share.
          await Promise.all(relays.map(async (relay, index) => {
            const own = (await allEvents(store)).filter((e) => count === 1 || logPartitionOf(e.streamName, count) === index).at(-1)!;
            await relay.until(comparePositions(own.position, head) <= 0 ? own.position : head, 30_000);
          }));
          for (const relay of relays) await relay.stop();
          return relays.map((r) => r.checkpointName);
        };
        // Enough employees (streams) that each of three shards has some of the new events.
        const wider = [...crowd, ...(await enrol(ledger, `${run}w`, 24))];
        await gestures(ledger, `${run}s3`, wider, 64);
        const three = await relayLayout(3, shards.map((s) => s.checkpointName));
        await gestures(ledger, `${run}s4`, wider, 64);
        await relayLayout(1, three);

        const all = await readTopic(kafka, sharded.topics.events);
        const ids = all.map((r) => r.headers.ce_id!);
        expect(new Set(ids)).toEqual(new Set((await allEvents(store)).map((e) => e.id)));
        const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
        expect(repeated.filter((id) => !republishable.has(id))).toEqual([]);
        // In order per key, as a consumer that drops repeats by id sees it.
        expectPerKeyOrder(all.filter((r, i) => ids.indexOf(r.headers.ce_id!) === i));
      }, 120_000);
    });
  });
});
