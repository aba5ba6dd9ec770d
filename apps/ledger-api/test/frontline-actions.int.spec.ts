import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mintToken, TokenVerifier } from '#auth';
import { loadKafkaSettings, type KafkaSettings } from '#config';
import { samplePolicy } from '#domain';
import { createEmbeddedEventStore, type EventStore } from '#event-store';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { GestureLedger, type RequestContext } from '#ledger';
import { createKafka, KafkaTopicAdmin, readTopic } from '#messaging';
import { frontlineActionsIn, type FrontlineActionsIn } from '../src/kafka/frontline-actions.module.js';
import { ledgerAppWithActionsIn, tearDownActionsIn } from './frontline-actions-testing.js';

const jwt = { hs256Secret: 'kafka-secret-kafka-secret-kafka-secret-01', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const store1 = 'nyc-fifth-ave';
const store2 = 'chicago-loop';

/** The event store with a switch that makes it fail like a database that went away. */
function flaky(store: EventStore): EventStore & { down: boolean } {
  const wrapper = {
    down: false,
    appendToStream: (...args: Parameters<EventStore['appendToStream']>) => (wrapper.down ? Promise.reject(new Error('connection refused (test outage)')) : store.appendToStream(...args)),
    readStream: (...args: Parameters<EventStore['readStream']>) => (wrapper.down ? Promise.reject(new Error('connection refused (test outage)')) : store.readStream(...args)),
    readLastEvent: store.readLastEvent.bind(store),
    readEvent: store.readEvent.bind(store),
    readAll: store.readAll.bind(store),
    subscribeToAll: store.subscribeToAll.bind(store),
    headPosition: store.headPosition.bind(store),
    sharedWithOtherProcesses: store.sharedWithOtherProcesses,
    close: store.close.bind(store),
  };
  return wrapper;
}

withBackend('KAFKA_BROKERS', 'frontline actions over Kafka', (brokers) => {
  describe('frontline actions consumed from Kafka (real broker)', () => {
    const run = `${Date.now().toString(36)}-${process.pid}`;
    let kafkaSettings: KafkaSettings;
    let store: ReturnType<typeof flaky>;
    let ledger: GestureLedger;
    let app: NestFastifyApplication;
    let kafkaIn: FrontlineActionsIn;
    const deadLettered: string[] = [];
    const kafka = createKafka({ brokers: brokers.split(','), clientId: `test-${run}`, logLevel: 'nothing' });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const admin: RequestContext = { principal: { subject: 'admin-1', roles: ['admin'], storeId: null }, correlationId: 'test' };

    beforeAll(async () => {
      kafkaSettings = loadKafkaSettings({
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_ACTIONS: `test.${run}.actions`,
        KAFKA_TOPIC_ACTIONS_DLQ: `test.${run}.actions.dlq`,
        KAFKA_ACTIONS_GROUP_ID: `test.${run}.ledger`,
        KAFKA_ACTIONS_PARTITIONS: '4',
      });
      store = flaky(await createEmbeddedEventStore({ dataDir: 'memory://' }));
      ledger = new GestureLedger(store);
      await ledger.start(samplePolicy());
      for (const [employeeId, home] of [['k-emp-1', store1], ['k-emp-2', store1], ['k-emp-3', store1], ['k-sup', store1]] as const) {
        const result = await ledger.allocateBudget({ employeeId, role: employeeId === 'k-sup' ? 'supervisor' : 'associate', storeId: home, allowanceOverrideMinor: 10_000_000, idempotencyKey: `enrol-${employeeId}` }, admin);
        expect(result.kind).toBe('ok');
      }
      kafkaIn = frontlineActionsIn({ ledger, verifier: new TokenVerifier(jwt), kafka: kafkaSettings, valueBytesMax: 64 * 1024, commitIntervalMs: 50, log: () => undefined, onDeadLettered: (reason) => deadLettered.push(reason) });
      app = await ledgerAppWithActionsIn(ledger, jwt, kafkaIn);
      await app.listen(0, '127.0.0.1');
      await producer.connect();
    }, 90_000);

    afterAll(() => tearDownActionsIn({ producer, app, store, kafka, settings: kafkaSettings }), 60_000);

    it('applies every valid action exactly once and dead-letters every bad one with its reason, through an event-store outage', async () => {
      const till = `Bearer ${await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: store1 })}`;
      const otherTill = `Bearer ${await mintToken(jwt, { sub: 'till-9', roles: ['pos-system'], store: store2 })}`;
      const headOffice = `Bearer ${await mintToken(jwt, { sub: 'k-sup', roles: ['supervisor'], store: null })}`;
      const occurredAt = new Date().toISOString();
      const gesture = (i: number) => ({
        key: `k-emp-${(i % 3) + 1}`,
        value: JSON.stringify({
          type: 'gesture.requested',
          data: { employeeId: `k-emp-${(i % 3) + 1}`, customerId: `k-cust-${i}`, gestureType: 'goodwill_credit', amountMinor: 100, currency: 'USD', channel: 'pos', storeId: store1, reasonCode: 'service_failure', note: 'order arrived late', occurredAt, idempotencyKey: `${run}-g-${i}` },
        }),
        headers: { authorization: till },
      });
      const valid = Array.from({ length: 150 }, (_, i) => gesture(i));
      const redelivered = valid.slice(0, 10);
      const purchases = Array.from({ length: 5 }, (_, i) => ({
        key: 'k-buyer',
        value: JSON.stringify({ type: 'purchase.recorded', data: { customerId: 'k-buyer', purchaseId: `${run}-p-${i}`, amountMinor: 10_000, currency: 'USD', channel: 'pos', storeId: store1, occurredAt } }),
        headers: { authorization: till },
      }));
      const poison: Array<{ reason: string; message: { key: string; value: string; headers: Record<string, string> } }> = [
        { reason: 'not_json', message: { key: 'k-emp-1', value: '{"type": "gesture.requested", "data": ', headers: { authorization: till } } },
        { reason: 'validation_failed', message: { key: 'k-emp-1', value: JSON.stringify({ type: 'gesture.requested', data: { ...JSON.parse(gesture(1000).value).data, amountMinor: -5 } }), headers: { authorization: till } } },
        { reason: 'unknown_type', message: { key: 'k-emp-2', value: JSON.stringify({ type: 'gesture.teleported', data: {} }), headers: { authorization: till } } },
        { reason: 'invalid_envelope', message: { key: 'k-emp-2', value: JSON.stringify({ type: 'gesture.requested', data: [], extra: 1 }), headers: { authorization: till } } },
        { reason: 'unauthenticated', message: { key: 'k-emp-3', value: gesture(1001).value, headers: {} } },
        { reason: 'unauthenticated', message: { key: 'k-emp-3', value: gesture(1002).value, headers: { authorization: 'Bearer not.a.token' } } },
        { reason: 'forbidden', message: { key: 'k-emp-1', value: gesture(1003).value, headers: { authorization: otherTill } } },
        // Authorized (a head-office supervisor) but about a gesture the employee never made: nothing to record,
        // dead-lettered as HTTP answers it (404).
        { reason: 'not_found', message: { key: 'k-emp-1', value: JSON.stringify({ type: 'gesture.approved', data: { gestureId: 'k-emp-1~00000000-0000-0000-0000-000000000000' } }), headers: { authorization: headOffice } } },
      ];
      // The burst: poison spread among the valid messages (each kind three times), redeliveries in between.
      const poisonBurst = [...poison, ...poison, ...poison];
      const messages = [...valid.slice(0, 50), ...poisonBurst.slice(0, 12).map((p) => p.message), ...redelivered, ...purchases, ...valid.slice(50, 100), ...poisonBurst.slice(12).map((p) => p.message), ...valid.slice(100)];

      // The store is away while the burst starts: those messages must wait, not be dead-lettered or skipped.
      store.down = true;
      await producer.send({ topic: kafkaSettings.topics.actions, acks: -1, messages });
      await new Promise((r) => setTimeout(r, 1_500));
      store.down = false;

      const total = messages.length;
      const deadline = Date.now() + 45_000;
      while (kafkaIn.handler.counts.applied + kafkaIn.handler.counts.deadLettered < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(kafkaIn.handler.counts).toMatchObject({ applied: valid.length + redelivered.length + purchases.length, deadLettered: poisonBurst.length });
      expect(kafkaIn.handler.counts.retries).toBeGreaterThan(0);

      // Exactly once: each employee was charged for its own 50 gestures of 100, redeliveries added nothing.
      for (const employeeId of ['k-emp-1', 'k-emp-2', 'k-emp-3']) {
        const budget = await ledger.budget(employeeId, admin.principal);
        expect(budget.kind === 'ok' && budget.value.periods.reduce((s, p) => s + p.spentMinor, 0)).toBe(5_000);
      }
      expect((await ledger.loyaltyOf('k-buyer')).balancePoints).toBeGreaterThan(0);

      const letters = await readTopic(kafka, kafkaSettings.topics.actionsDeadLetter);
      expect(letters.map((l) => l.headers.dlq_reason).sort()).toEqual(poisonBurst.map((p) => p.reason).sort());
      // What the DLQ metric counts, by reason.
      expect(deadLettered.sort()).toEqual(poisonBurst.map((p) => p.reason).sort());
      const originals = await readTopic(kafka, kafkaSettings.topics.actions);
      for (const letter of letters) {
        expect(letter.headers).toMatchObject({ dlq_source_topic: kafkaSettings.topics.actions, dlq_consumer_group: kafkaSettings.actionsGroupId });
        expect(letter.headers.authorization).toBeUndefined();
        expect(JSON.parse(letter.headers.dlq_details!).length).toBeGreaterThan(0);
        const original = originals.find((o) => String(o.partition) === letter.headers.dlq_source_partition && o.offset === letter.headers.dlq_source_offset);
        expect(original?.value).toBe(letter.value);
        expect(original?.key).toBe(letter.key);
      }
      const validation = letters.find((l) => l.headers.dlq_reason === 'validation_failed')!;
      expect(validation.headers.dlq_details).toContain('amountMinor');
    }, 90_000);

    it("judges tokens when the broker stamped a message's arrival, never at a time its producer chose", async () => {
      // The topic it created: timestamps are the broker's.
      expect(await new KafkaTopicAdmin(kafka).topicSetting(kafkaSettings.topics.actions, 'message.timestamp.type')).toBe('LogAppendTime');
      // A token that expired half an hour ago, on a message its producer dates back into the token's life.
      const expired = `Bearer ${await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: store1 }, 3_600, Date.now() - 5_400_000)}`;
      const before = { ...kafkaIn.handler.counts };
      await producer.send({
        topic: kafkaSettings.topics.actions,
        acks: -1,
        messages: [{ key: 'k-buyer', timestamp: String(Date.now() - 5_000_000), value: JSON.stringify({ type: 'purchase.recorded', data: { customerId: 'k-buyer', purchaseId: `${run}-p-late`, amountMinor: 10_000, currency: 'USD', channel: 'pos', storeId: store1, occurredAt: new Date().toISOString() } }), headers: { authorization: expired } }],
      });
      const deadline = Date.now() + 20_000;
      while (kafkaIn.handler.counts.deadLettered === before.deadLettered && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(kafkaIn.handler.counts).toMatchObject({ applied: before.applied, deadLettered: before.deadLettered + 1 });
      expect(deadLettered.at(-1)).toBe('unauthenticated');
    }, 60_000);

    it('commits offsets only up to what it processed: after shutdown the group is at the end of every partition', async () => {
      await app.close();
      const a = kafka.admin();
      await a.connect();
      try {
        const ends = await a.fetchTopicOffsets(kafkaSettings.topics.actions);
        const [committed] = await a.fetchOffsets({ groupId: kafkaSettings.actionsGroupId, topics: [kafkaSettings.topics.actions] });
        for (const end of ends) {
          const at = committed!.partitions.find((p) => p.partition === end.partition)!;
          expect(at.offset === '-1' ? end.high === '0' : at.offset === end.high).toBe(true);
        }
      } finally {
        await a.disconnect();
      }
    }, 60_000);
  });
});
