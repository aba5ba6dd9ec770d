import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mintToken, TokenVerifier } from '#auth';
import { loadKafkaSettings, type KafkaSettings } from '#config';
import { samplePolicy } from '#domain';
import { createEmbeddedEventStore, type EventStore } from '#event-store';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { GestureLedger, type RequestContext } from '#ledger';
import { createKafka } from '#messaging';
import { frontlineActionsIn, type FrontlineActionsIn } from '../src/kafka/frontline-actions.module.js';
import { ledgerAppWithActionsIn, tearDownActionsIn } from './frontline-actions-testing.js';

const jwt = { hs256Secret: 'kafka-secret-kafka-secret-kafka-secret-02', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const shop = 'nyc-fifth-ave';

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

withBackend('KAFKA_BROKERS', 'frontline actions consumer restart', (brokers) => {
  describe('a frontline actions consumer that kafkajs gives up on (real broker)', () => {
    const run = `${Date.now().toString(36)}-${process.pid}`;
    let kafkaSettings: KafkaSettings;
    let store: EventStore;
    let app: NestFastifyApplication;
    let kafkaIn: FrontlineActionsIn;
    const crashes: string[] = [];
    const kafka = createKafka({ brokers: brokers.split(','), clientId: `test-${run}`, logLevel: 'nothing' });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });

    beforeAll(async () => {
      kafkaSettings = loadKafkaSettings({ KAFKA_BROKERS: brokers, KAFKA_TOPIC_ACTIONS: `test.${run}.restart.actions`, KAFKA_TOPIC_ACTIONS_DLQ: `test.${run}.restart.actions.dlq`, KAFKA_ACTIONS_GROUP_ID: `test.${run}.restart`, KAFKA_ACTIONS_PARTITIONS: '2' });
      store = await createEmbeddedEventStore({ dataDir: 'memory://' });
      const ledger = new GestureLedger(store);
      await ledger.start(samplePolicy());
      const admin: RequestContext = { principal: { subject: 'admin-1', roles: ['admin'], storeId: null }, correlationId: 'test' };
      expect((await ledger.allocateBudget({ employeeId: 'r-emp-1', role: 'associate', storeId: shop, allowanceOverrideMinor: 1_000_000, idempotencyKey: 'enrol-r-emp-1' }, admin)).kind).toBe('ok');
      // A session timeout under the broker's group.min.session.timeout.ms (6 s): the broker refuses every
      // join with INVALID_SESSION_TIMEOUT, an error kafkajs does not retry and does not restart after.
      kafkaIn = frontlineActionsIn({
        ledger,
        verifier: new TokenVerifier(jwt),
        kafka: kafkaSettings,
        valueBytesMax: 64 * 1024,
        commitIntervalMs: 50,
        log: () => undefined,
        consumer: { sessionTimeout: 1_000, heartbeatInterval: 300 },
        restartBackoff: { initialMs: 200, maxMs: 1_000 },
        onConsumerCrash: (by) => crashes.push(by),
      });
      app = await ledgerAppWithActionsIn(ledger, jwt, kafkaIn);
      await producer.connect();
    }, 60_000);

    afterAll(() => tearDownActionsIn({ producer, app, store, kafka, settings: kafkaSettings }), 60_000);

    it('is restarted with backoff, says why, and consumes every waiting action once the broker accepts it', async () => {
      const till = `Bearer ${await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: shop })}`;
      const occurredAt = new Date().toISOString();
      const messages = Array.from({ length: 20 }, (_, i) => ({
        key: 'r-emp-1',
        value: JSON.stringify({ type: 'gesture.requested', data: { employeeId: 'r-emp-1', customerId: `r-cust-${i}`, gestureType: 'goodwill_credit', amountMinor: 100, currency: 'USD', channel: 'pos', storeId: shop, reasonCode: 'service_failure', occurredAt, idempotencyKey: `${run}-r-${i}` } }),
        headers: { authorization: till },
      }));
      await producer.send({ topic: kafkaSettings.topics.actions, acks: -1, messages });

      // Without the supervisor the first crash would be the end: nothing consumed, and nobody told.
      await until(() => kafkaIn.supervisor.status.crashes.restartedBySupervisor >= 3, 'three crashes restarted by the supervisor', 30_000);
      const status = kafkaIn.supervisor.status;
      expect(status.lastCrash).toMatch(/session timeout is not within the range allowed by the broker/);
      expect(status.crashes.restartedByKafkajs).toBe(0);
      expect(crashes.every((by) => by === 'supervisor')).toBe(true);
      expect(kafkaIn.handler.counts.applied).toBe(0);

      // The broker would accept the group now (stands for a configuration put right): the next restart joins.
      (kafkaIn.server as unknown as { options: { consumer: { sessionTimeout: number; heartbeatInterval: number } } }).options.consumer.sessionTimeout = 10_000;
      await until(() => kafkaIn.handler.counts.applied === messages.length, 'every waiting action applied', 45_000);
      expect(kafkaIn.supervisor.status.state).toBe('consuming');
      expect(kafkaIn.handler.counts.deadLettered).toBe(0);
    }, 90_000);
  });
});
