import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KafkaSettings } from '#config';
import { budgetStreamName } from '#domain';
import { START, type EventStore, type Position, type ReadFrom } from '#event-store';
import type { GestureLedger } from '#ledger';
import { createKafka, installFastProduceEncoding, KafkaPublisher, KafkaTopicAdmin, LeaseLostError, readTopic, topicSpecs, type CheckpointStore, type MessagePublisher, type TopicMessages } from '#messaging';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { waitFor } from '../../../libs/event-store/src/testing/wait-for.js';
import { CrmRelay } from '../src/crm-relay.js';
import { allEvents, deleteTestTopics, enrol, gestures, sampleLedger, testTopics } from './traffic.js';

/**
 * One checkpoint row and its lease, as the SQL store keeps them, with a view per instance. The test
 * ends a holder's lease itself (`expire`), as time does to a process that stopped renewing it.
 */
class Lease {
  private owner: string | null = null;
  private position: ReadFrom = START;

  of(instance: string): CheckpointStore {
    return {
      claim: async () => {
        if (this.owner !== null && this.owner !== instance) return false;
        this.owner = instance;
        return true;
      },
      renew: async () => this.owner === instance,
      release: async () => {
        if (this.owner === instance) this.owner = null;
      },
      load: async () => this.position,
      save: async (name, position) => {
        if (this.owner !== instance) throw new LeaseLostError(name);
        this.position = position;
      },
      family: async (name) => [{ name, position: this.position }],
      leasedInFamily: async () => [],
      forgetFamily: async () => {
        throw new Error('not used by these tests');
      },
      close: async () => {},
    };
  }

  expire(): void {
    this.owner = null;
  }
}

/** What an instance's publisher was asked to do, and a way to freeze it there, as a stalled process. */
class StallablePublisher implements MessagePublisher {
  readonly published: Array<{ ok: true } | { ok: false; error: Error }> = [];
  private stalls = new Map<'fence' | 'publish', { reached: () => void; resumed: Promise<void> }>();

  constructor(private readonly inner: MessagePublisher) {}

  /** The next `step` waits until `resume`; `held` resolves once it is waiting. */
  stallNext(step: 'fence' | 'publish'): { held: Promise<void>; resume: () => void } {
    let reached!: () => void;
    let resume!: () => void;
    const held = new Promise<void>((r) => (reached = r));
    this.stalls.set(step, { reached, resumed: new Promise<void>((r) => (resume = r)) });
    return { held, resume };
  }

  async fence(writerId: string): Promise<void> {
    await this.stalled('fence');
    await this.inner.fence!(writerId);
  }

  fenceOthers(writerIds: readonly string[]): Promise<void> {
    return this.inner.fenceOthers!(writerIds);
  }

  async publish(batches: TopicMessages[]): Promise<void> {
    await this.stalled('publish');
    try {
      await this.inner.publish(batches);
      this.published.push({ ok: true });
    } catch (error) {
      this.published.push({ ok: false, error: error as Error });
      throw error;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async stalled(step: 'fence' | 'publish'): Promise<void> {
    const stall = this.stalls.get(step);
    if (!stall) return;
    this.stalls.delete(step);
    stall.reached();
    await stall.resumed;
  }
}

withBackend('KAFKA_BROKERS', 'CRM relay fencing of a stalled instance (real broker)', (brokers) => {
  describe('an instance that stalled and lost its lease, then wakes up with a batch in hand', () => {
    const run = `f${Date.now().toString(36)}${process.pid}`;
    const kafka = createKafka({ brokers: brokers.split(','), clientId: `test-${run}`, logLevel: 'nothing' });
    const publishers: MessagePublisher[] = [];
    const relays: CrmRelay[] = [];
    const used: KafkaSettings[] = [];
    let store: EventStore;
    let ledger: GestureLedger;

    /** An instance of the relay named `name`, publishing to `settings`' topics, on its view of `lease`. */
    const instance = (name: string, settings: KafkaSettings, lease: Lease, as: string, options: { leaseRenewMs?: number } = {}) => {
      const publisher = new StallablePublisher(new KafkaPublisher(kafka));
      publishers.push(publisher);
      const relay = new CrmRelay(store, publisher, new KafkaTopicAdmin(kafka), lease.of(as), {
        name,
        source: '/gesture-ledger/test',
        topics: settings.topics,
        topicSpecs: topicSpecs(settings).relay,
        backoff: { initialMs: 50, maxMs: 200 },
        leaseRenewMs: options.leaseRenewMs ?? 100,
        log: () => undefined,
      });
      relays.push(relay);
      return { relay, publisher };
    };

    const head = async () => (await store.headPosition()) as Position;

    /** The latest record of `key` on a compacted state topic, as a consumer of committed records reads it. */
    const latestState = async (topic: string, key: string) => {
      const records = (await readTopic(kafka, topic)).filter((r) => r.key === key);
      return JSON.parse(records.at(-1)!.value!) as { asOf: { eventId: string; streamRevision: number }; periods: Array<{ spentMinor: number }> };
    };

    const lastEventOf = async (employeeId: string) => (await allEvents(store)).filter((e) => e.streamName === budgetStreamName(employeeId)).at(-1)!;

    beforeAll(async () => {
      ({ store, ledger } = await sampleLedger());
    }, 60_000);

    afterAll(async () => {
      for (const relay of relays) await relay.stop();
      for (const publisher of publishers) await publisher.close();
      await store?.close();
      await deleteTestTopics(kafka, ...used);
    }, 60_000);

    it('cannot publish its stale batch once a new holder took over: the state topic keeps the newer state, and its events are never seen', async () => {
      const settings = testTopics(brokers, run);
      used.push(settings);
      const fastProduce = installFastProduceEncoding();
      const [fellBack, encoded] = [fastProduce.fellBack, fastProduce.encoded];
      const [employee] = await enrol(ledger, run, 1);
      await gestures(ledger, run, [employee!], 3);
      const lease = new Lease();
      const name = `crm-relay-${run}`;

      // A reads the log and folds its states, then freezes just before publishing them (renewing nothing).
      const a = instance(name, settings, lease, 'a', { leaseRenewMs: 3_600_000 });
      const stall = a.publisher.stallNext('publish');
      a.relay.start();
      await stall.held;

      // Its lease runs out; B takes over, publishes the same events, then a newer state of the employee.
      lease.expire();
      const b = instance(name, settings, lease, 'b');
      b.relay.start();
      await b.relay.until(await head(), 30_000);
      await gestures(ledger, `${run}n`, [employee!], 2);
      await b.relay.until(await head(), 30_000);
      const newest = await lastEventOf(employee!);

      // A wakes up and sends what it had in hand.
      stall.resume();
      await waitFor(() => a.publisher.published.length > 0, 30_000);

      // A CRM bootstrapping from the compacted topic gets the employee's newest state, not A's older one.
      const latest = await latestState(settings.topics.employeeDiscretion, employee!);
      expect(latest.asOf).toMatchObject({ eventId: newest.id, streamRevision: Number(newest.revision) });
      const budget = await ledger.budget(employee!, { subject: 'admin-1', roles: ['admin'], storeId: null });
      if (budget.kind !== 'ok') throw new Error(`no budget for ${employee}`);
      expect(latest.periods.map((p) => p.spentMinor)).toEqual(budget.value.periods.map((p) => p.spentMinor));
      // A was refused as a fenced writer, and stands by without having moved the checkpoint.
      expect(a.publisher.published[0]).toMatchObject({ ok: false, error: { message: expect.stringMatching(/epoch|fenced/i) } });
      await waitFor(() => a.relay.stats.failures > 0 && !a.relay.stats.active, 10_000);
      expect(a.relay.stats.eventsPublished).toBe(0);
      // Every event once: A's records, aborted with its transaction, are not there to read.
      const ids = (await readTopic(kafka, settings.topics.events)).map((r) => r.headers.ce_id);
      expect(ids.sort()).toEqual((await allEvents(store)).map((e) => e.id).sort());
      // Transactional batches went through the fast produce encoding, none handed back to kafkajs.
      expect(fastProduce.encoded).toBeGreaterThan(encoded);
      expect(fastProduce.fellBack).toBe(fellBack);
    }, 120_000);

    it('stands by, publishing nothing, when it stalled between taking the lease and fencing, and the lease passed on meanwhile', async () => {
      const settings = testTopics(brokers, `${run}c`);
      used.push(settings);
      const [employee] = await enrol(ledger, `${run}c`, 1);
      await gestures(ledger, `${run}c`, [employee!], 2);
      const lease = new Lease();
      const name = `crm-relay-${run}-claim`;

      // A holds the lease but freezes before its fence; B takes the lease over and publishes.
      const a = instance(name, settings, lease, 'a', { leaseRenewMs: 3_600_000 });
      const stall = a.publisher.stallNext('fence');
      a.relay.start();
      await stall.held;
      lease.expire();
      const b = instance(name, settings, lease, 'b');
      b.relay.start();
      await b.relay.until(await head(), 30_000);

      // A's fence goes through after B's (so B is fenced now), but A no longer holds the lease.
      stall.resume();
      await waitFor(() => a.relay.stats.failures > 0 || a.relay.stats.caughtUp, 10_000);

      // The next event: B, fenced, fences again on its retry and publishes it; A publishes nothing.
      await gestures(ledger, `${run}c2`, [employee!], 1);
      await b.relay.until(await head(), 30_000);
      expect(a.publisher.published).toEqual([]);
      expect(a.relay.stats).toMatchObject({ active: false, eventsPublished: 0 });
      expect(b.relay.stats.failures).toBeGreaterThan(0);
      const newest = await lastEventOf(employee!);
      expect((await latestState(settings.topics.employeeDiscretion, employee!)).asOf).toMatchObject({ eventId: newest.id, streamRevision: Number(newest.revision) });
    }, 120_000);
  });
});
