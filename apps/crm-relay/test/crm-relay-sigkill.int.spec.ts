import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { samplePolicy } from '#domain';
import { comparePositions, createPostgresEventStore, parsePosition, START, type EventStore } from '#event-store';
import { GestureLedger } from '#ledger';
import { createKafka, readTopic } from '#messaging';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { buildRelay, exited, spawnRelay, type RelayProcess } from './relay-process.js';
import { allEvents, enrol, gestures } from './traffic.js';

const batchEventsMax = 5_000;

withBackend('DATABASE_URL', 'CRM relay SIGKILL fault test (PostgreSQL)', (databaseUrl) =>
  withBackend('KAFKA_BROKERS', 'CRM relay SIGKILL fault test (Kafka)', (brokers) => {
    describe('CRM relay killed with SIGKILL mid-run and restarted (real broker, PostgreSQL, relay as a process)', () => {
      const run = `k${Date.now().toString(36)}${process.pid}`;
      const database = `gl_relay_${run}`;
      const dbUrl = (() => {
        const url = new URL(databaseUrl);
        url.pathname = `/${database}`;
        return url.toString();
      })();
      const topics = { events: `test.${run}.events`, loyalty: `test.${run}.loyalty`, discretion: `test.${run}.discretion` };
      const kafka = createKafka({ brokers: brokers.split(','), clientId: `test-${run}`, logLevel: 'nothing' });
      const dataDir = mkdtempSync(join(tmpdir(), 'gl-relay-kill-'));
      let store: EventStore;
      let relay: RelayProcess | null = null;
      const admin = async (sql: string) => {
        const url = new URL(databaseUrl);
        url.pathname = '/postgres';
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        try {
          await client.query(sql);
        } finally {
          await client.end();
        }
      };
      const env = {
        EVENT_STORE: 'postgres',
        DATABASE_URL: dbUrl,
        DATA_DIR: dataDir,
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_EVENTS: topics.events,
        KAFKA_TOPIC_CUSTOMER_LOYALTY: topics.loyalty,
        KAFKA_TOPIC_EMPLOYEE_DISCRETION: topics.discretion,
        CRM_RELAY_NAME: 'crm-relay-kill-test',
        OPERATIONS_PORT: '0',
      };

      beforeAll(async () => {
        await admin(`CREATE DATABASE ${database}`);
        store = await createPostgresEventStore({ connectionString: dbUrl });
        buildRelay();
      }, 300_000);

      afterAll(async () => {
        relay?.child.kill('SIGKILL');
        await store?.close();
        await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
        rmSync(dataDir, { recursive: true, force: true });
        const a = kafka.admin();
        await a.connect();
        await a.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
        await a.disconnect();
      }, 60_000);

      it('publishes every event id, in per-key order, with repeats only from the batch in flight at the kill', async () => {
        const ledger = new GestureLedger(store);
        await ledger.start(samplePolicy());
        const employees = await enrol(ledger, run, 40);
        relay = await spawnRelay(env);
        // Writers run through the kill and the restart.
        const writing = gestures(ledger, run, employees, 6_000, 16);
        const killAfter = Date.now() + 30_000;
        while ((await endOffset(kafka, topics.events)) < 1_500 && Date.now() < killAfter) await new Promise((r) => setTimeout(r, 20));
        relay.child.kill('SIGKILL');
        await exited(relay.child);
        const killedAt = await endOffset(kafka, topics.events);
        relay = await spawnRelay(env);
        await writing;

        const events = await allEvents(store);
        const head = events[events.length - 1]!.position;
        const deadline = Date.now() + 40_000;
        while (Date.now() < deadline) {
          const at = await checkpointOf(dbUrl, 'crm-relay-kill-test');
          if (at && comparePositions(at, head) >= 0) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        relay.child.kill('SIGTERM');
        await exited(relay.child);
        relay = null;

        const records = await readTopic(kafka, topics.events, 60_000);
        expect(killedAt).toBeGreaterThan(0);
        expect(killedAt).toBeLessThan(events.length);
        // Every event id is there.
        const ids = new Set(records.map((r) => r.headers.ce_id));
        expect(events.filter((e) => !ids.has(e.id)).map((e) => e.id)).toEqual([]);
        // Per key: one partition; first occurrences in strictly increasing stream revision.
        const byKey = new Map<string, typeof records>();
        for (const r of records) byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), r]);
        for (const [key, list] of byKey) {
          expect({ key, partitions: new Set(list.map((r) => r.partition)).size }).toEqual({ key, partitions: 1 });
          const seen = new Set<string>();
          const firsts = list.filter((r) => !seen.has(r.headers.ce_id!) && seen.add(r.headers.ce_id!)).map((r) => Number(r.headers.ce_streamrevision));
          expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
        }
        // Repeats: at most one batch, and a contiguous run of the log (the batch acknowledged or in flight, not checkpointed).
        const counts = new Map<string, number>();
        for (const r of records) counts.set(r.headers.ce_id!, (counts.get(r.headers.ce_id!) ?? 0) + 1);
        const repeated = events.map((e, i) => ({ i, n: counts.get(e.id) ?? 0 })).filter((x) => x.n > 1);
        expect(repeated.length).toBeLessThanOrEqual(batchEventsMax);
        expect(repeated.every((x) => x.n === 2)).toBe(true);
        if (repeated.length > 0) expect(repeated[repeated.length - 1]!.i - repeated[0]!.i + 1).toBe(repeated.length);
      }, 120_000);
    });
  }),
);

async function endOffset(kafka: ReturnType<typeof createKafka>, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0);
  } catch {
    return 0;
  } finally {
    await admin.disconnect();
  }
}

async function checkpointOf(url: string, name: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ position: string }>('SELECT position FROM gl_checkpoints WHERE name = $1', [name]);
    return rows[0] && rows[0].position !== START ? parsePosition(rows[0].position) : null;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

