import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaSettings } from '#config';
import { ANY, comparePositions, type EventStore } from '#event-store';
import { escalationExpirySnapshotStream, snapshotEvent, type GestureLedger } from '#ledger';
import { createKafka, FileCheckpointStore, KafkaPublisher, KafkaTopicAdmin, loadSchemaBook, readTopic, topicSpecs, type ReadRecord } from '#messaging';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { CrmRelay, type CrmRelayOptions } from '../src/crm-relay.js';
import { allEvents, deleteTestTopics, enrol, everyKindOfEvent, expectPerKeyOrder, gestures, sampleLedger, testTopics } from './traffic.js';


withBackend('KAFKA_BROKERS', 'CRM relay to Kafka', (brokers) => {
  describe('CRM relay (real broker, embedded store)', () => {
    const run = `r${Date.now().toString(36)}${process.pid}`;
    const kafka = createKafka({ brokers: brokers.split(','), clientId: `test-${run}`, logLevel: 'nothing' });
    let settings: KafkaSettings;
    let store: EventStore;
    let ledger: GestureLedger;
    let checkpointDir: string;
    const book = loadSchemaBook();

    const publishers: KafkaPublisher[] = [];
    const newRelay = (more: Partial<CrmRelayOptions> = {}) =>
      new CrmRelay(store, publishers[publishers.push(new KafkaPublisher(kafka)) - 1]!, new KafkaTopicAdmin(kafka), new FileCheckpointStore(checkpointDir), {
        name: 'crm-relay-test',
        source: '/gesture-ledger/test',
        topics: settings.topics,
        topicSpecs: topicSpecs(settings).relay,
        batchEventsMax: 200,
        log: () => undefined,
        ...more,
      });

    beforeAll(async () => {
      settings = testTopics(brokers, run);
      checkpointDir = mkdtempSync(join(tmpdir(), 'gl-relay-'));
      ({ store, ledger } = await sampleLedger());
    }, 60_000);

    afterAll(async () => {
      for (const publisher of publishers) await publisher.close();
      await store?.close();
      rmSync(checkpointDir, { recursive: true, force: true });
      await deleteTestTopics(kafka, settings);
    }, 60_000);

    it('creates its topics: the event feed partitioned, the state topics compacted', async () => {
      const relay = newRelay();
      relay.start();
      const deadline = Date.now() + 20_000;
      while (!relay.stats.caughtUp && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await relay.stop();
      const admin = kafka.admin();
      await admin.connect();
      try {
        const metadata = await admin.fetchTopicMetadata({ topics: [settings.topics.events, settings.topics.customerLoyalty] });
        expect(metadata.topics.find((t) => t.name === settings.topics.events)!.partitions).toHaveLength(12);
        const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [settings.topics.customerLoyalty, settings.topics.employeeDiscretion, settings.topics.events].map((name) => ({ type: 2, name, configNames: ['cleanup.policy'] })) });
        const policy = Object.fromEntries(configs.resources.map((r) => [r.resourceName, r.configEntries[0]!.configValue]));
        expect(policy).toEqual({ [settings.topics.customerLoyalty]: 'compact', [settings.topics.employeeDiscretion]: 'compact', [settings.topics.events]: 'delete' });
      } finally {
        await admin.disconnect();
      }
    }, 60_000);

    it('publishes every event once, keyed per party in stream order, as CloudEvents that match their schemas; and each party\'s latest state', async () => {
      const { employees, customers } = await everyKindOfEvent(ledger, run);
      const crowd = await enrol(ledger, run, 5);
      await gestures(ledger, run, crowd, 300);
      const relay = newRelay();
      relay.start();
      const head = await store.headPosition();
      await relay.until(head, 30_000);
      await relay.stop();

      const events = await allEvents(store);
      const records = await readTopic(kafka, settings.topics.events);
      expect(records.map((r) => r.headers.ce_id).sort()).toEqual(events.map((e) => e.id).sort());
      expectPerKeyOrder(records);
      const types = new Set<string>();
      for (const record of records) {
        const type = record.headers.ce_type!.replace(/^dev\.gesture-ledger\./, '').replace(/\.v1$/, '');
        types.add(type);
        expect({ id: record.headers.ce_id, type, problems: book.problems(type, JSON.parse(record.value!)) }).toEqual({ id: record.headers.ce_id, type, problems: [] });
        expect(record.headers).toMatchObject({ ce_specversion: '1.0', ce_source: '/gesture-ledger/test', 'content-type': 'application/json' });
        expect(record.headers.ce_subject!.endsWith(record.key!)).toBe(true);
        expect(Date.parse(record.headers.ce_time!)).not.toBeNaN();
      }
      expect([...types].sort()).toEqual(expect.arrayContaining(['BudgetAllocated', 'GestureGranted', 'GestureEscalated', 'GestureApproved', 'GestureDenied', 'GestureRefused', 'GestureReversed', 'BudgetAdjusted', 'PurchaseRecorded.v2', 'PointsEarned', 'BonusPointsCredited', 'PointsRedeemed.v2', 'FeedbackReceived.v2', 'PolicyPublished']));
      const purchase = records.find((r) => r.key === customers[0] && r.headers.ce_type === 'dev.gesture-ledger.PurchaseRecorded.v2')!;
      expect({ dataschema: purchase.headers.ce_dataschema, who: JSON.parse(purchase.value!).who }).toEqual({ dataschema: 'https://schemas.gesture-ledger.dev/v1/PurchaseRecorded.v2.json', who: { employeeId: employees[0], actorId: 'admin-1' } });

      const latest = (list: ReadRecord[]) => new Map(list.map((r) => [r.key!, JSON.parse(r.value!)]));
      const loyaltyRecords = await readTopic(kafka, settings.topics.customerLoyalty);
      const discretionRecords = await readTopic(kafka, settings.topics.employeeDiscretion);
      for (const r of loyaltyRecords) expect(book.problems('CustomerLoyaltyState', JSON.parse(r.value!))).toEqual([]);
      for (const r of discretionRecords) expect(book.problems('EmployeeDiscretionState', JSON.parse(r.value!))).toEqual([]);
      const loyalty = latest(loyaltyRecords);
      const discretion = latest(discretionRecords);
      // What a new CRM consumer bootstraps from the compacted topics equals the ledger's own answer.
      for (const customerId of customers) {
        const summary = await ledger.loyaltyOf(customerId);
        if (summary.tier === null && summary.balancePoints === 0 && !loyalty.has(customerId)) continue;
        expect(loyalty.get(customerId)).toMatchObject({ customerId, balancePoints: summary.balancePoints, tier: summary.tier });
      }
      const system = { subject: 'admin-1', roles: ['admin' as const], storeId: null };
      for (const employeeId of [...employees, ...crowd]) {
        const budget = await ledger.budget(employeeId, system);
        if (budget.kind !== 'ok') throw new Error(`no budget for ${employeeId}`);
        const state = discretion.get(employeeId);
        expect(state.periods.map((p: { periodKey: string; spentMinor: number; reservedMinor: number }) => [p.periodKey, p.spentMinor, p.reservedMinor])).toEqual(budget.value.periods.map((p) => [p.periodKey, p.spentMinor, p.reservedMinor]));
      }
      expect(discretion.get(crowd[0]!).periods[0].spentMinor).toBeGreaterThan(0);
    }, 120_000);

    it('publishes events whose actors are token subjects in an identity provider\'s own form, each matching its schema', async () => {
      const since = (await store.headPosition()) as Exclude<Awaited<ReturnType<EventStore['headPosition']>>, 'start'>;
      await everyKindOfEvent(ledger, `${run}x`, (subject) => `auth0|${subject}`);
      const relay = newRelay();
      relay.start();
      const head = await store.headPosition();
      await relay.until(head, 30_000);
      await relay.stop();

      const fresh = new Set((await allEvents(store)).filter((e) => comparePositions(e.position, since) > 0).map((e) => e.id));
      const records = (await readTopic(kafka, settings.topics.events)).filter((r) => fresh.has(r.headers.ce_id!));
      expect(records.some((r) => r.value!.includes('auth0|'))).toBe(true);
      const problems = records.flatMap((r) => {
        const type = r.headers.ce_type!.replace(/^dev\.gesture-ledger\./, '').replace(/\.v1$/, '');
        return book.problems(type, JSON.parse(r.value!)).map((p) => `${type} ${p}`);
      });
      expect(problems).toEqual([]);
    }, 60_000);

    it("publishes the domain's streams only: the expiry scheduler's snapshots stay in the log, and are passed", async () => {
      const before = new Set((await readTopic(kafka, settings.topics.events)).map((r) => r.headers.ce_id));
      await store.appendToStream(escalationExpirySnapshotStream, [snapshotEvent({ checkpoint: { commit: 1n, prepare: 1n }, pending: new Map() }, new Date())], { expectedRevision: ANY });
      const crowd = await enrol(ledger, `${run}s`, 1);
      const relay = newRelay();
      relay.start();
      const head = await store.headPosition();
      await relay.until(head, 30_000);
      await relay.stop();
      const fresh = (await readTopic(kafka, settings.topics.events)).filter((r) => !before.has(r.headers.ce_id));
      expect(fresh.map((r) => r.headers.ce_subject)).toEqual([expect.stringContaining(crowd[0]!)]);
    }, 60_000);

    it('resumes from its checkpoint: a restarted relay publishes only what came after', async () => {
      const allTopics = [settings.topics.events, settings.topics.customerLoyalty, settings.topics.employeeDiscretion];
      const recordsIn = async () => (await Promise.all(allTopics.map((t) => readTopic(kafka, t)))).reduce((sum, records) => sum + records.length, 0);
      const before = (await readTopic(kafka, settings.topics.events)).length;
      const recordsBefore = await recordsIn();
      const crowd = await enrol(ledger, `${run}b`, 2);
      await gestures(ledger, `${run}b`, crowd, 40);
      const relay = newRelay();
      relay.start();
      const head = await store.headPosition();
      await relay.until(head, 30_000);
      await relay.stop();
      const after = await readTopic(kafka, settings.topics.events);
      expect(after.length - before).toBe(2 + 40);
      expect(new Set(after.map((r) => r.headers.ce_id)).size).toBe(after.length);
      // Counted as acknowledged: every event's record and the states beside them, nothing else.
      expect(relay.stats.recordsPublished).toBe((await recordsIn()) - recordsBefore);
      expect(relay.stats.recordsPublished).toBeGreaterThan(relay.stats.eventsPublished);
    }, 60_000);

    it('lingers at the head of the log: appends arriving one by one go out many to a transaction, and none is left behind', async () => {
      const lingerMs = 150;
      const crowd = await enrol(ledger, `${run}l`, 2);
      const relay = newRelay({ lingerMs });
      relay.start();
      const caughtUp = await store.headPosition();
      await relay.until(caughtUp, 30_000);
      const before = { ...relay.stats };
      const started = performance.now();
      await gestures(ledger, `${run}l`, crowd, 60, 1);
      const head = await store.headPosition();
      await relay.until(head, 30_000);
      const elapsedMs = performance.now() - started;
      await relay.stop();
      expect(relay.stats.eventsPublished - before.eventsPublished).toBe(60);
      // At most one transaction per linger (and one for what came during the last), not one per append or two.
      expect(relay.stats.batchesPublished - before.batchesPublished).toBeLessThanOrEqual(Math.ceil(elapsedMs / lingerMs) + 1);
    }, 60_000);

    it("fences the writers of the relay's other shard layouts as it starts: one of them that stalled with a batch in hand cannot publish it beside this one", async () => {
      const checkpoints = new FileCheckpointStore(checkpointDir);
      // The unsharded layout's checkpoint, as its relay left it, and its writer, as that relay would still hold it.
      await checkpoints.save('crm-relay-test', await checkpoints.load('crm-relay-test'));
      const stalled = new KafkaPublisher(kafka);
      publishers.push(stalled);
      await stalled.fence(`crm-relay-test@${settings.topics.events}`);
      const shard = newRelay({ shard: { index: 0, count: 2 } });
      try {
        shard.start();
        const deadline = Date.now() + 20_000;
        while (!shard.stats.caughtUp && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(shard.stats.caughtUp).toBe(true);
        await shard.stop();
        await expect(stalled.publish([{ topic: settings.topics.events, messages: [{ key: 'stale', value: 'stale', headers: {} }] }])).rejects.toThrow(/epoch|fenced/i);
      } finally {
        await shard.stop();
        await checkpoints.forgetFamily('crm-relay-test');
      }
    }, 60_000);
  });
});
