import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mintToken, TokenVerifier } from '#auth';
import { loadKafkaSettings, type KafkaSettings } from '#config';
import type { EventStore } from '#event-store';
import type { GestureLedger } from '#ledger';
import { createKafka, FileCheckpointStore, KafkaPublisher, KafkaTopicAdmin, readTopic, topicSpecs } from '#messaging';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { createLedgerApp } from '../../ledger-api/src/create-app.js';
import { CrmRelay } from '../src/crm-relay.js';
import { DisposableBroker } from './disposable-broker.js';
import { allEvents, enrol, sampleLedger, storeId } from './traffic.js';

const jwt = { hs256Secret: 'outage-secret-outage-secret-outage-0123', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const outageMs = 30_000;

// Needs the Kafka jars the shared broker uses (KAFKA_BROKERS set means kafka.sh ran on this machine).
withBackend('KAFKA_BROKERS', 'CRM relay broker-outage fault test', () => {
  describe('the broker goes away for 30 s during a run (disposable broker, relay in process, API over HTTP)', () => {
    const broker = new DisposableBroker();
    const run = `o${Date.now().toString(36)}${process.pid}`;
    let settings: KafkaSettings;
    let store: EventStore;
    let ledger: GestureLedger;
    let app: NestFastifyApplication;
    let relay: CrmRelay;
    let publisher: KafkaPublisher;
    const checkpointDir = mkdtempSync(join(tmpdir(), 'gl-relay-outage-'));
    let base = '';
    // Shown when the relay fails to catch up, with its stats: CI keeps only the test's output.
    const relayLog: string[] = [];

    beforeAll(async () => {
      broker.start();
      settings = loadKafkaSettings({ KAFKA_BROKERS: broker.brokers, KAFKA_TOPIC_EVENTS: `test.${run}.events` });
      ({ store, ledger } = await sampleLedger());
      app = await createLedgerApp({ ledger, verifier: new TokenVerifier(jwt), bodyLimitBytes: 64 * 1024, logger: false, swaggerUi: false });
      await app.listen(0, '127.0.0.1');
      base = await app.getUrl();
      const kafka = createKafka({ brokers: [broker.brokers], clientId: `test-${run}`, logLevel: 'nothing', retries: 2 });
      publisher = new KafkaPublisher(kafka, { ackTimeoutMs: 5_000 });
      relay = new CrmRelay(store, publisher, new KafkaTopicAdmin(kafka, 10_000), new FileCheckpointStore(checkpointDir), {
        name: 'crm-relay-outage-test',
        source: '/gesture-ledger/test',
        topics: settings.topics,
        topicSpecs: topicSpecs(settings).relay,
        backoff: { initialMs: 200, maxMs: 2_000 },
        log: (line) => relayLog.push(`${new Date().toISOString()} ${line}`),
      });
    }, 180_000);

    afterAll(async () => {
      await relay?.stop();
      await publisher?.close();
      await app?.close();
      await store?.close();
      broker.remove();
      rmSync(checkpointDir, { recursive: true, force: true });
    }, 90_000);

    it('backs off, reconnects and catches up with nothing lost, while the API keeps accepting gestures', async () => {
      const employees = await enrol(ledger, run, 10);
      const tokens = await Promise.all(employees.map((sub) => mintToken(jwt, { sub, roles: ['associate'], store: storeId })));
      let n = 0;
      const statuses: number[] = [];
      const post = async () => {
        const i = n++;
        const res = await fetch(`${base}/gestures`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
          body: JSON.stringify({ employeeId: employees[i % employees.length], customerId: `${run}-c${i}`, gestureType: 'goodwill_credit', amountMinor: 100, currency: 'USD', channel: 'pos', storeId, reasonCode: 'service_failure', note: 'late', occurredAt: new Date().toISOString(), idempotencyKey: `${run}-${i}` }),
        });
        await res.text();
        statuses.push(res.status);
      };
      const postFor = async (ms: number) => {
        const until = Date.now() + ms;
        while (Date.now() < until) {
          await Promise.all([post(), post(), post(), post()]);
          await new Promise((r) => setTimeout(r, 20));
        }
      };

      relay.start();
      await postFor(2_000);
      const before = statuses.length;
      const outageStarted = Date.now();
      broker.stop();
      await postFor(outageMs - (Date.now() - outageStarted));
      const duringOutage = statuses.length - before;
      const failuresDuringOutage = relay.stats.failures;
      broker.start();
      await postFor(1_000);

      const head = await store.headPosition();
      await relay.until(head, 45_000).catch((error: Error) => {
        throw new Error(`${error.message}; relay stats ${JSON.stringify(relay.stats)}; its last log lines:\n${relayLog.slice(-15).join('\n')}`);
      });
      expect(statuses.every((s) => s === 201)).toBe(true);
      expect(duringOutage).toBeGreaterThan(100);
      expect(failuresDuringOutage).toBeGreaterThan(0);

      const events = await allEvents(store);
      const kafka = createKafka({ brokers: [broker.brokers], clientId: `test-${run}-read`, logLevel: 'nothing' });
      const ids = new Set((await readTopic(kafka, settings.topics.events, 60_000)).map((r) => r.headers.ce_id));
      expect(events.filter((e) => !ids.has(e.id)).length).toBe(0);
    }, 150_000);
  });
});
