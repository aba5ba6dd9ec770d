import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { mintToken } from '#auth';
import { createEmbeddedEventStore, createPostgresEventStore, START, type EventStore, type ReadFrom } from '#event-store';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { buildDist, spawnService } from '../../../test/support/built-app.js';

/**
 * The deployed process under load: SIGTERM arrives while gestures are in flight. Every request that got
 * a 2xx answer must be in the event store afterwards, and the process must exit 0 within the bound.
 */
const entry = 'dist/apps/ledger-api/src/main.js';
const jwt = { hs256Secret: 'shutdown-secret-shutdown-secret-0123456', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const storeId = 'nyc-fifth-ave';
const employees = 12;
const connections = 24;
const exitBoundMs = 15_000;

beforeAll(() => buildDist(entry), 300_000);

interface Accepted {
  gestureId: string;
  employeeId: string;
}

async function shutdownUnderLoad(storeEnv: Record<string, string>, openStore: () => Promise<EventStore>): Promise<void> {
  const run = Date.now().toString(36);
  const env = { PATH: process.env.PATH ?? '', ...storeEnv, PORT: '0', HOST: '127.0.0.1', JWT_SECRET: jwt.hs256Secret, EXPIRE_ESCALATIONS: 'false', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '10000' };
  const service = spawnService(entry, env);
  const [, base] = await service.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
  const admin = await mintToken(jwt, { sub: 'shutdown-admin', roles: ['admin'] });
  const till = await mintToken(jwt, { sub: `till-${storeId}`, roles: ['pos-system'], store: storeId });
  const staff = Array.from({ length: employees }, (_, i) => `sd-${run}-e${i}`);
  for (const employeeId of staff) {
    const res = await fetch(`${base}/budgets`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ employeeId, role: 'associate', storeId, allowanceOverrideMinor: 100_000_000, idempotencyKey: `enrol-${employeeId}` }) });
    expect(res.status).toBe(200);
  }

  const accepted: Accepted[] = [];
  const refusedWhileClosing: number[] = [];
  let networkErrors = 0;
  let sent = 0;
  let sigtermAt = 0;
  const worker = async (w: number) => {
    for (let n = 0; ; n++) {
      const employeeId = staff[(w + n) % staff.length]!;
      sent++;
      try {
        const res = await fetch(`${base}/gestures`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${till}` },
          body: JSON.stringify({ employeeId, customerId: `c-${w}-${n}`, gestureType: 'goodwill_credit', amountMinor: 100 + n, currency: 'USD', channel: 'pos', storeId, reasonCode: 'service_failure', occurredAt: new Date().toISOString(), idempotencyKey: `${run}-${w}-${n}` }),
        });
        const body = (await res.json()) as { gestureId?: string; outcome?: string };
        if (res.status >= 200 && res.status < 300) accepted.push({ gestureId: body.gestureId!, employeeId });
        else if (sigtermAt > 0) refusedWhileClosing.push(res.status);
        else throw new Error(`unexpected ${res.status} before SIGTERM: ${JSON.stringify(body)}`);
      } catch (error) {
        if (sigtermAt === 0) throw error;
        networkErrors++;
        return;
      }
    }
  };
  const load = Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
  await new Promise((r) => setTimeout(r, 1_500));
  const acceptedBeforeSigterm = accepted.length;
  sigtermAt = Date.now();
  service.child.kill('SIGTERM');
  await load;
  const exit = await service.exited;

  expect(acceptedBeforeSigterm).toBeGreaterThan(50);
  const tail = exit.code === 0 ? '' : service.output().split('\n').filter((l) => !l.includes('"msg":"request"')).slice(-30).join('\n');
  expect({ code: exit.code, signal: exit.signal, tail }).toEqual({ code: 0, signal: null, tail: '' });
  expect(exit.at - sigtermAt).toBeLessThan(exitBoundMs);
  expect(service.output()).toMatch(/"msg":"shutdown complete"/);
  expect(service.output()).toMatch(/"ok":true/);
  // Nothing was refused with an error of ours: closing answers are 503 (or the connection is gone).
  expect(refusedWhileClosing.every((s) => s === 503)).toBe(true);

  const store = await openStore();
  try {
    const recorded = new Set<string>();
    const lostNow = () => accepted.filter((a) => !recorded.has(a.gestureId));
    // Read as a follower does, until every accepted gesture came or 30 s passed: PostgreSQL shows an event
    // to the log's readers only once every older transaction of the cluster ended (another suite's long write).
    const deadline = Date.now() + 30_000;
    for (let from: ReadFrom = START; ; ) {
      const page = await store.readAll({ from, limit: 1_000 });
      for (const event of page) {
        const gestureId = (event.data as { gestureId?: string }).gestureId;
        if (gestureId && (event.type === 'GestureGranted' || event.type === 'GestureEscalated' || event.type === 'GestureRefused')) recorded.add(gestureId);
      }
      if (page.length > 0) from = page[page.length - 1]!.position;
      if (page.length === 1_000) continue;
      if (lostNow().length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const lost = lostNow();
    expect({ accepted: accepted.length, lost: lost.slice(0, 5) }).toEqual({ accepted: accepted.length, lost: [] });
    console.log(`shutdown under load (${storeEnv.EVENT_STORE}): ${sent} sent, ${accepted.length} accepted (${accepted.length - acceptedBeforeSigterm} after SIGTERM), ${refusedWhileClosing.length} answered 503 and ${networkErrors} refused connections while closing, exit 0 after ${exit.at - sigtermAt} ms`);
  } finally {
    await store.close();
  }
}

describe('the built ledger-api while the Kafka broker it consumes from is away', () => {
  it('serves HTTP from the start, says it keeps trying, and still exits 0 soon after SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gl-no-broker-'));
    let running: { exitCode: number | null; kill(signal: NodeJS.Signals): boolean } | null = null;
    try {
      // Nothing listens on port 1: every connection to the broker is refused.
      const env = { PATH: process.env.PATH ?? '', EVENT_STORE: 'embedded', DATA_DIR: dataDir, KAFKA_BROKERS: '127.0.0.1:1', PORT: '0', HOST: '127.0.0.1', JWT_SECRET: jwt.hs256Secret, EXPIRE_ESCALATIONS: 'false', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '10000' };
      const service = spawnService(entry, env);
      running = service.child;
      const [, base] = await service.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      const admin = await mintToken(jwt, { sub: 'no-broker-admin', roles: ['admin'] });
      const enrol = await fetch(`${base}/budgets`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ employeeId: 'nb-e1', role: 'associate', storeId, idempotencyKey: 'nb-e1' }) });
      expect(enrol.status).toBe(200);
      await service.waitFor(/cannot start consuming/, 90_000);
      const sigtermAt = Date.now();
      service.child.kill('SIGTERM');
      const exit = await service.exited;
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect(exit.at - sigtermAt).toBeLessThan(exitBoundMs);
    } finally {
      // A failed expectation must not leave the service running (and Jest waiting for it).
      if (running !== null && running.exitCode === null) running.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('graceful shutdown of the built ledger-api under load', () => {
  describe('embedded store', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gl-shutdown-'));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
    it('exits 0 soon after SIGTERM and keeps every gesture it answered 2xx', async () => {
      await shutdownUnderLoad({ EVENT_STORE: 'embedded', DATA_DIR: dataDir }, () => createEmbeddedEventStore({ dataDir: join(dataDir, 'event-store') }));
    }, 120_000);
  });

  withBackend('DATABASE_URL', 'graceful shutdown on PostgreSQL', (databaseUrl) => {
    const database = `gl_shutdown_${Date.now().toString(36)}_${process.pid}`;
    const url = new URL(databaseUrl);
    url.pathname = `/${database}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    const dataDir = mkdtempSync(join(tmpdir(), 'gl-shutdown-pg-'));
    beforeAll(() => admin(`create database ${database}`));
    afterAll(async () => {
      await admin(`drop database if exists ${database} with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    });
    it('exits 0 soon after SIGTERM and keeps every gesture it answered 2xx', async () => {
      await shutdownUnderLoad({ EVENT_STORE: 'postgres', DATABASE_URL: url.toString(), DATA_DIR: dataDir }, () => createPostgresEventStore({ connectionString: url.toString() }));
    }, 120_000);
  });
});

describe('configuration of the built services', () => {
  it.each([
    [{ PORT: 'abc' }, 'configuration error: PORT: must be an integer from 0 to 65535, got "abc"'],
    [{ EVENT_STORE: 'postgres' }, 'configuration error: DATABASE_URL: required when EVENT_STORE=postgres'],
    [{ EVENT_STORE: 'mongo' }, 'configuration error: EVENT_STORE: must be one of embedded, postgres, eventstoredb, got "mongo"'],
    [{ CORS_ORIGINS: 'https://ok.example,*' }, 'configuration error: CORS_ORIGINS: "*" is not an origin like https://app.example.com'],
    [{ NODE_ENV: 'production' }, 'configuration error: JWT_SECRET: required when NODE_ENV=production (at least 32 bytes)'],
  ])('refuses %j with one line naming the variable, no stack trace, exit 1', async (env, message) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gl-config-'));
    try {
      const service = spawnService(entry, { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, ...env });
      const exit = await service.exited;
      expect(exit.code).toBe(1);
      expect(service.output().trim()).toBe(message);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('starts the all-in-one main (npm start) on the embedded store with no configuration at all', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gl-npm-start-'));
    const main = join(process.cwd(), 'dist/apps/gesture-ledger/src/main.js');
    try {
      // Only PORT=0, so the test cannot collide with a server someone runs on 3000.
      const service = spawnService(main, { PATH: process.env.PATH ?? '', PORT: '0' }, cwd);
      const [url] = await service.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 60_000);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      service.child.kill('SIGTERM');
      expect((await service.exited).code).toBe(0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 90_000);

  it('starts the all-in-one main in production on a store with no policy yet, not ready until an admin publishes one', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gl-no-policy-'));
    const main = join(process.cwd(), 'dist/apps/gesture-ledger/src/main.js');
    let running: { exitCode: number | null; kill(signal: NodeJS.Signals): boolean } | null = null;
    try {
      // As the image runs it: production, so no sample policy is seeded.
      const service = spawnService(main, { PATH: process.env.PATH ?? '', PORT: '0', NODE_ENV: 'production', JWT_SECRET: jwt.hs256Secret }, cwd);
      running = service.child;
      const [url] = await service.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 60_000);
      await service.waitFor(/no policy yet/, 10_000);
      expect((await fetch(`${url}/health/ready`)).status).toBe(503);
      const admin = await mintToken(jwt, { sub: 'admin-1', roles: ['admin'] });
      const { samplePolicy } = await import('#domain');
      const published = await fetch(`${url}/policy`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify(samplePolicy()) });
      expect(published.status).toBeLessThan(300);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      service.child.kill('SIGTERM');
      expect((await service.exited).code).toBe(0);
    } finally {
      if (running !== null && running.exitCode === null) running.kill('SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 90_000);
});
