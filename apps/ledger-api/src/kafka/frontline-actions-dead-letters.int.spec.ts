import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mintToken, TokenVerifier } from '#auth';
import { loadKafkaSettings, type KafkaSettings } from '#config';
import { samplePolicy } from '#domain';
import { createEmbeddedEventStore, type EventStore } from '#event-store';
import { withBackend } from '../../../../libs/event-store/src/testing/infra.js';
import { GestureLedger, type RequestContext } from '#ledger';
import { createKafka, readTopic, type ReadRecord } from '#messaging';
import type { Producer } from 'kafkajs';
import { ledgerAppWithActionsIn, tearDownActionsIn } from '../../test/frontline-actions-testing.js';
import { frontlineActionsIn, type FrontlineActionsIn } from './frontline-actions.module.js';

const jwt = { hs256Secret: 'kafka-secret-kafka-secret-kafka-secret-03', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const shop = 'nyc-fifth-ave';
const admin: RequestContext = { principal: { subject: 'admin-1', roles: ['admin'], storeId: null }, correlationId: 'test' };
/** Fits the actions topic (the broker's default 1,048,588 bytes per batch) with a short key, but not with the dlq_* headers added. */
const nearlyBrokerMax = 1_048_400;

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The ledger API consuming actions from its own topics, with `employeeId` enrolled. */
async function actionsIn(brokers: string, name: string, before?: (kafka: ReturnType<typeof createKafka>, settings: KafkaSettings) => Promise<void>) {
  const run = `${Date.now().toString(36)}-${process.pid}-${name}`;
  const settings = loadKafkaSettings({ KAFKA_BROKERS: brokers, KAFKA_TOPIC_ACTIONS: `test.${run}.actions`, KAFKA_TOPIC_ACTIONS_DLQ: `test.${run}.actions.dlq`, KAFKA_ACTIONS_GROUP_ID: `test.${run}.ledger`, KAFKA_ACTIONS_PARTITIONS: '2' });
  const kafka = createKafka({ brokers: brokers.split(','), clientId: `test-${run}`, logLevel: 'nothing' });
  await before?.(kafka, settings);
  const store = await createEmbeddedEventStore({ dataDir: 'memory://' });
  const ledger = new GestureLedger(store);
  await ledger.start(samplePolicy());
  expect((await ledger.allocateBudget({ employeeId: 'd-emp-1', role: 'associate', storeId: shop, allowanceOverrideMinor: 1_000_000, idempotencyKey: 'enrol' }, admin)).kind).toBe('ok');
  const deadLettered: string[] = [];
  const kafkaIn = frontlineActionsIn({ ledger, verifier: new TokenVerifier(jwt), kafka: settings, valueBytesMax: 64 * 1024, commitIntervalMs: 50, log: () => undefined, onDeadLettered: (reason) => deadLettered.push(reason) });
  const app = await ledgerAppWithActionsIn(ledger, jwt, kafkaIn);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return { settings, kafka, store, ledger, kafkaIn, app, producer, deadLettered };
}

type Running = { settings: KafkaSettings; kafka: ReturnType<typeof createKafka>; store: EventStore; kafkaIn: FrontlineActionsIn; app: NestFastifyApplication; producer: Producer; ledger: GestureLedger };

function handled(s: Running): number {
  return s.kafkaIn.handler.counts.applied + s.kafkaIn.handler.counts.deadLettered;
}

function gesture(i: number, note: string, token: string) {
  const data = { employeeId: 'd-emp-1', customerId: `d-cust-${i}`, gestureType: 'goodwill_credit', amountMinor: 100, currency: 'USD', channel: 'pos', storeId: shop, reasonCode: 'service_failure', note, occurredAt: new Date().toISOString(), idempotencyKey: `d-g-${i}` };
  return { key: 'd-emp-1', value: JSON.stringify({ type: 'gesture.requested', data }), headers: { authorization: `Bearer ${token}` } };
}

/**
 * Lets kafkajs write a header without a value, as the Java client and librdkafka can: its encoder writes
 * null as Kafka's null (length -1) but first measures every value with Buffer.byteLength, which throws on
 * null. Only while `send` runs.
 */
async function producingNullHeaders<T>(send: () => Promise<T>): Promise<T> {
  const byteLength = Buffer.byteLength;
  Buffer.byteLength = ((value: Parameters<typeof byteLength>[0], encoding?: BufferEncoding) => (value === null ? 0 : byteLength(value, encoding))) as typeof byteLength;
  try {
    return await send();
  } finally {
    Buffer.byteLength = byteLength;
  }
}

async function spent(ledger: GestureLedger, employeeId: string): Promise<number> {
  const budget = await ledger.budget(employeeId, admin.principal);
  if (budget.kind !== 'ok') throw new Error(`no budget for ${employeeId}`);
  return budget.value.periods.reduce((sum, p) => sum + p.spentMinor, 0);
}

/** The source record a dead letter names in its headers. */
function sourceOf(letter: ReadRecord, originals: ReadRecord[]): ReadRecord | undefined {
  return originals.find((o) => String(o.partition) === letter.headers.dlq_source_partition && o.offset === letter.headers.dlq_source_offset);
}

withBackend('KAFKA_BROKERS', 'frontline actions dead letters', (brokers) => {
  describe('dead letters of frontline actions (real broker)', () => {
    let s: Running;
    let token: string;

    beforeAll(async () => {
      s = await actionsIn(brokers, 'dlq');
      token = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: shop });
    }, 90_000);

    afterAll(() => tearDownActionsIn(s), 60_000);

    it('dead-letters a tombstone, odd keys and JSON-looking headers as the original message, the token nowhere', async () => {
      const before = handled(s);
      await s.producer.send({
        topic: s.settings.topics.actions,
        acks: -1,
        messages: [
          { key: 'd-emp-1', value: null, headers: { Authorization: `Bearer ${token}`, trace: '{"span": 1}' } },
          { key: '{"till": "t-1"}', value: 'not json', headers: { list: '[1, 2]' } },
          { key: null, value: '{"type": "gesture.requested", "data": ', headers: { authorization: `Bearer ${token}` } },
        ],
      });
      await until(() => handled(s) >= before + 3, 'three dead letters', 30_000);

      const originals = await readTopic(s.kafka, s.settings.topics.actions);
      const letters = await readTopic(s.kafka, s.settings.topics.actionsDeadLetter);
      expect(letters).toHaveLength(3);
      for (const letter of letters) {
        const original = sourceOf(letter, originals)!;
        expect(letter.headers.dlq_reason).toBe('not_json');
        expect({ key: letter.key, value: letter.value }).toEqual({ key: original.key, value: original.value });
        const { authorization: _a, Authorization: _b, ...kept } = original.headers;
        expect(letter.headers).toMatchObject(kept);
        expect(JSON.stringify(letter)).not.toContain(token);
      }
      expect(letters.map((l) => l.key).sort()).toEqual([null, 'd-emp-1', '{"till": "t-1"}'].sort());
    }, 60_000);

    it('dead-letters text the store cannot hold (NUL, an unpaired surrogate) in bounded time, and applies the next action of the partition', async () => {
      const before = handled(s);
      const lettersBefore = (await readTopic(s.kafka, s.settings.topics.actionsDeadLetter)).length;
      const started = Date.now();
      // One key, so one partition: the valid action waits behind the poison.
      await s.producer.send({ topic: s.settings.topics.actions, acks: -1, messages: [gesture(1, 'late\u0000', token), gesture(2, 'late \ud800', token), gesture(3, 'order arrived late', token)] });
      await until(() => handled(s) >= before + 3, 'the poison dead-lettered and the valid action applied', 20_000);
      expect(Date.now() - started).toBeLessThan(20_000);

      const letters = (await readTopic(s.kafka, s.settings.topics.actionsDeadLetter)).slice(lettersBefore);
      // The DTOs may refuse such text first (validation_failed); either way it is a dead letter, not a retry.
      expect(letters.map((l) => l.headers.dlq_reason)).toEqual([expect.stringMatching(/^(invalid_data|validation_failed)$/), expect.stringMatching(/^(invalid_data|validation_failed)$/)]);
      const budget = await s.ledger.budget('d-emp-1', admin.principal);
      expect(budget.kind === 'ok' && budget.value.periods.reduce((sum, p) => sum + p.spentMinor, 0)).toBe(100);
    }, 60_000);

    it('dead-letters data naming __proto__ or constructor in bounded time, as HTTP refuses them, and applies the next action of the partition', async () => {
      const before = handled(s);
      const lettersBefore = (await readTopic(s.kafka, s.settings.topics.actionsDeadLetter)).length;
      const poison = (data: string) => ({ key: 'd-emp-1', value: `{"type": "gesture.requested", "data": ${data}}`, headers: { authorization: `Bearer ${token}` } });
      // One key, so one partition: the valid action waits behind the poison.
      await s.producer.send({ topic: s.settings.topics.actions, acks: -1, messages: [poison('{"__proto__": null}'), poison('{"constructor": null}'), gesture(6, 'after the poison', token)] });
      await until(() => handled(s) >= before + 3, 'the poison dead-lettered and the valid action applied', 20_000);

      const letters = (await readTopic(s.kafka, s.settings.topics.actionsDeadLetter)).slice(lettersBefore);
      // Named first, beside every other bad field (the data has none of the fields a gesture needs).
      expect(letters.map((l) => [l.headers.dlq_reason, JSON.parse(l.headers.dlq_details!)[0]])).toEqual([
        ['validation_failed', '__proto__: property __proto__ should not exist'],
        ['validation_failed', 'constructor: property constructor should not exist'],
      ]);
      expect(s.kafkaIn.handler.counts.retries).toBe(0);
    }, 60_000);

    it('dead-letters a message as large as the broker takes with its value: the DLQ topic takes larger messages', async () => {
      const before = handled(s);
      // Sent one by one: together they would be one batch, too large for the actions topic.
      await s.producer.send({ topic: s.settings.topics.actions, acks: -1, messages: [{ key: 'd-emp-1', value: Buffer.alloc(nearlyBrokerMax, 'x') }] });
      await s.producer.send({ topic: s.settings.topics.actions, acks: -1, messages: [gesture(4, 'after the big one', token)] });
      await until(() => handled(s) >= before + 2, 'the large message dead-lettered and the next applied', 30_000);

      const letters = await readTopic(s.kafka, s.settings.topics.actionsDeadLetter);
      const large = letters.find((l) => l.headers.dlq_reason === 'too_large')!;
      expect(large.value).toHaveLength(nearlyBrokerMax);
      expect(large.headers.dlq_omitted).toBeUndefined();
    }, 60_000);

    it('handles messages carrying a header without a value (null, as the Java client sends it): the poison dead-lettered, the valid one applied', async () => {
      const before = handled(s);
      const lettersBefore = (await readTopic(s.kafka, s.settings.topics.actionsDeadLetter)).length;
      const retriesBefore = s.kafkaIn.handler.counts.retries;
      const spentBefore = await spent(s.ledger, 'd-emp-1');
      // One key, so one partition: the valid action waits behind the poison.
      const nullHeaders = { 'x-correlation-id': null, trace: 't-1' } as unknown as Record<string, string>;
      const valid = gesture(7, 'after the null header', token);
      await producingNullHeaders(() =>
        s.producer.send({
          topic: s.settings.topics.actions,
          acks: -1,
          messages: [
            { key: 'd-emp-1', value: 'not json', headers: nullHeaders },
            { ...valid, headers: { ...nullHeaders, ...valid.headers } },
          ],
        }),
      );
      await until(() => handled(s) >= before + 2, 'the poison dead-lettered and the valid action applied', 20_000);

      const letters = (await readTopic(s.kafka, s.settings.topics.actionsDeadLetter)).slice(lettersBefore);
      expect(letters).toEqual([expect.objectContaining({ value: 'not json', headers: expect.objectContaining({ 'x-correlation-id': '', trace: 't-1', dlq_null_headers: '["x-correlation-id"]', dlq_reason: 'not_json' }) })]);
      expect(s.kafkaIn.handler.counts.retries).toBe(retriesBefore);
      expect(await spent(s.ledger, 'd-emp-1')).toBe(spentBefore + 100);
    }, 60_000);
  });

  describe('dead letters to a DLQ topic that takes no more than the actions topic (real broker)', () => {
    let s: Running;

    beforeAll(async () => {
      // Created beforehand, as an operator may have: the consumer never alters an existing topic.
      s = await actionsIn(brokers, 'small-dlq', async (kafka, settings) => {
        const a = kafka.admin();
        await a.connect();
        await a.createTopics({ waitForLeaders: true, topics: [{ topic: settings.topics.actionsDeadLetter, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1048588' }] }] });
        await a.disconnect();
      });
    }, 90_000);

    afterAll(() => tearDownActionsIn(s), 60_000);

    it('cuts a dead letter the topic refuses as too large down to why and where from, and moves on', async () => {
      const token = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: shop });
      // Sent one by one: together they would be one batch, too large for the actions topic.
      await s.producer.send({ topic: s.settings.topics.actions, acks: -1, messages: [{ key: 'd-emp-1', value: Buffer.alloc(nearlyBrokerMax, 'x') }] });
      await s.producer.send({ topic: s.settings.topics.actions, acks: -1, messages: [gesture(5, 'after the big one', token)] });
      await until(() => handled(s) >= 2, 'the large message dead-lettered and the next applied', 30_000);

      const [letter, ...others] = await readTopic(s.kafka, s.settings.topics.actionsDeadLetter);
      expect(others).toEqual([]);
      expect(letter).toMatchObject({ key: 'd-emp-1', value: null, headers: { dlq_reason: 'too_large', dlq_omitted: 'value,headers', dlq_value_bytes: String(nearlyBrokerMax) } });
      expect(s.kafkaIn.handler.counts).toMatchObject({ applied: 1, deadLettered: 1 });
    }, 60_000);
  });
});
