import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { mintToken, TokenVerifier, type CallerRole } from '#auth';
import { loadOperationsSettings } from '#config';
import { samplePolicy } from '#domain';
import { createEmbeddedEventStore, type EventStore } from '#event-store';
import { GestureLedger } from '#ledger';
import { createLogger, createMetrics, ledgerMetrics, Lifecycle } from '#observability';
import { createLedgerApp } from '../src/create-app.js';

const jwt = { hs256Secret: 'ops-secret-ops-secret-ops-secret-012345', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const store1 = 'nyc-fifth-ave';
const metricsToken = 'scrape-token-0123456789';

/** Collects the JSON lines the logger writes. */
class LogLines extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

interface Running {
  app: NestFastifyApplication;
  store: EventStore;
  base: string;
  logs: LogLines;
  metrics: ReturnType<typeof createMetrics>;
  lifecycle: Lifecycle;
  storeDown: { value: boolean };
}

async function start(env: Record<string, string>): Promise<Running> {
  const store = await createEmbeddedEventStore({ dataDir: 'memory://' });
  const metrics = createMetrics();
  const ledger = new GestureLedger(store, { observer: ledgerMetrics(metrics) });
  await ledger.start(samplePolicy());
  const logs = new LogLines();
  const lifecycle = new Lifecycle();
  const storeDown = { value: false };
  const app = await createLedgerApp({
    ledger,
    verifier: new TokenVerifier(jwt),
    bodyLimitBytes: 16 * 1024,
    swaggerUi: false,
    operations: loadOperationsSettings(env),
    log: createLogger({ service: 'ledger-api', level: 'info', destination: logs }),
    metrics,
    lifecycle,
    readinessChecks: {
      readModels: async () => {
        if (storeDown.value) throw new Error('connection refused');
      },
    },
  });
  await app.listen(0, '127.0.0.1');
  return { app, store, base: await app.getUrl(), logs, metrics, lifecycle, storeDown };
}

const token = (sub: string, roles: CallerRole[], store: string | null = store1) => mintToken(jwt, { sub, roles, store });

describe('operations of the ledger API (HTTP, embedded store)', () => {
  let ops: Running;
  let admin: string;

  beforeAll(async () => {
    ops = await start({ METRICS_TOKEN: metricsToken, RATE_LIMIT_WINDOW_SECONDS: '60', RATE_LIMIT_REQUESTS: '20', RATE_LIMIT_SYSTEM_REQUESTS: '1000' });
    admin = await token('ops-admin', ['admin'], null);
    const enrol = await fetch(`${ops.base}/budgets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ employeeId: 'ops-emp-1', role: 'associate', storeId: store1, idempotencyKey: 'enrol-ops-emp-1' }),
    });
    expect(enrol.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await ops?.app.close();
    await ops?.store.close();
  });

  const gesture = (over: Record<string, unknown> = {}) => ({
    employeeId: 'ops-emp-1',
    customerId: 'cust-ops-1',
    gestureType: 'goodwill_credit',
    amountMinor: 700,
    currency: 'USD',
    channel: 'pos',
    storeId: store1,
    reasonCode: 'service_failure',
    note: 'customer told me about her divorce',
    occurredAt: new Date().toISOString(),
    idempotencyKey: `ops-${Math.random()}`,
    ...over,
  });

  describe('health', () => {
    it('is live while the process runs, and ready when the store, the policy and the extra checks answer', async () => {
      const live = await fetch(`${ops.base}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${ops.base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', info: { eventStore: { status: 'up' }, policy: { status: 'up' }, readModels: { status: 'up' } } });
    });

    it('is not ready while a dependency fails, and names it', async () => {
      ops.storeDown.value = true;
      try {
        const ready = await fetch(`${ops.base}/health/ready`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ status: 'error', error: { readModels: { status: 'down' } } });
        expect((await fetch(`${ops.base}/health/live`)).status).toBe(200);
      } finally {
        ops.storeDown.value = false;
      }
    });
  });

  describe('metrics', () => {
    it('needs the configured token', async () => {
      expect((await fetch(`${ops.base}/metrics`)).status).toBe(401);
      expect((await fetch(`${ops.base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    });

    it('counts commands by type and outcome, their latency, appends and budget utilisation', async () => {
      const till = await token('till-ops-metrics', ['pos-system']);
      for (const amountMinor of [700, 800]) {
        const res = await fetch(`${ops.base}/gestures`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${till}` }, body: JSON.stringify(gesture({ amountMinor })) });
        expect(res.status).toBe(201);
        expect(await res.json()).toMatchObject({ outcome: 'granted' });
      }
      const res = await fetch(`${ops.base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toMatch(/^gesture_ledger_commands_total\{type="RequestGesture",outcome="granted"\} 2$/m);
      expect(text).toMatch(/^gesture_ledger_commands_total\{type="AllocateBudget",outcome="accepted"\} 1$/m);
      expect(text).toMatch(/^gesture_ledger_decision_seconds_count\{type="RequestGesture"\} 2$/m);
      expect(text).toMatch(/^gesture_ledger_budget_utilisation_ratio_count 2$/m);
      const appends = Number(/^gesture_ledger_appends_total (\d+)$/m.exec(text)?.[1]);
      expect(appends).toBeGreaterThanOrEqual(3);
      for (const name of ['append_conflicts_total', 'append_retries_total', 'projection_lag_events', 'relay_lag_seconds', 'dlq_messages_total']) expect(text).toContain(`# TYPE gesture_ledger_${name}`);
    });
  });

  describe('logs', () => {
    it('writes one line per request with method, route, status, duration and correlation id, and no token or note', async () => {
      const till = await token('till-ops-logs', ['pos-system']);
      const before = ops.logs.lines.length;
      const res = await fetch(`${ops.base}/gestures`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${till}`, 'x-correlation-id': 'corr-ops-42' },
        body: JSON.stringify(gesture()),
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-correlation-id')).toBe('corr-ops-42');
      await new Promise((r) => setTimeout(r, 50));
      const lines = ops.logs.lines.slice(before).filter((l) => l.msg === 'request');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'info', service: 'ledger-api', method: 'POST', route: '/gestures', status: 201, correlationId: 'corr-ops-42', subject: 'till-ops-logs' });
      expect(typeof lines[0]!.durationMs).toBe('number');
      const written = JSON.stringify(ops.logs.lines.slice(before));
      expect(written).not.toContain(till);
      expect(written).not.toContain('divorce');
    });

    it('mints a correlation id when the caller sends none or an unusable one, and logs the route template', async () => {
      const before = ops.logs.lines.length;
      const res = await fetch(`${ops.base}/budgets/ops-emp-1`, { headers: { authorization: `Bearer ${admin}`, 'x-correlation-id': 'bad id with spaces' } });
      expect(res.status).toBe(200);
      const minted = res.headers.get('x-correlation-id');
      expect(minted).toMatch(/^[0-9a-f-]{36}$/);
      await new Promise((r) => setTimeout(r, 50));
      expect(ops.logs.lines.slice(before).find((l) => l.msg === 'request')).toMatchObject({ route: '/budgets/:employeeId', correlationId: minted });
    });

    it('redacts free text and credentials whoever logs them', () => {
      const logs = new LogLines();
      createLogger({ service: 't', level: 'info', destination: logs }).info({ headers: { authorization: 'Bearer x' }, gesture: { note: 'private', customerId: 'c-1' } }, 'x');
      expect(logs.lines[0]).toMatchObject({ headers: { authorization: '[redacted]' }, gesture: { note: '[redacted]', customerId: 'c-1' } });
    });
  });

  describe('protection', () => {
    it('limits each client to its quota per window, answering 429 with Retry-After, without touching other clients', async () => {
      const noisy = await token('ops-noisy', ['associate']);
      const quiet = await token('ops-quiet', ['associate']);
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 21; i++) {
        const res = await fetch(`${ops.base}/policy`, { headers: { authorization: `Bearer ${noisy}` } });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
      }
      expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
      expect(statuses[20]).toBe(429);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
      expect((await fetch(`${ops.base}/policy`, { headers: { authorization: `Bearer ${quiet}` } })).status).toBe(200);
    });

    it('gives tills the higher system quota', async () => {
      const till = await token('till-ops-quota', ['pos-system']);
      for (let i = 0; i < 30; i++) expect((await fetch(`${ops.base}/policy`, { headers: { authorization: `Bearer ${till}` } })).status).toBe(200);
    });

    it('counts failed authentications against the address: 401 within its quota, then 429, while valid tokens from it still pass', async () => {
      const other = await start({ RATE_LIMIT_WINDOW_SECONDS: '60', RATE_LIMIT_REQUESTS: '5' });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await fetch(`${other.base}/policy`)).status);
        for (let i = 0; i < 3; i++) statuses.push((await fetch(`${other.base}/policy`, { headers: { authorization: 'Bearer not.a.token' } })).status);
        expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
        const flooded = await fetch(`${other.base}/policy`, { headers: { authorization: 'Bearer still.not.valid' } });
        expect(flooded.status).toBe(429);
        expect(Number(flooded.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        // The subject has a quota of its own: a flood of bad tokens from its address does not lock it out.
        expect((await fetch(`${other.base}/policy`, { headers: { authorization: `Bearer ${await token('ops-behind-same-nat', ['associate'])}` } })).status).toBe(200);
      } finally {
        await other.app.close();
        await other.store.close();
      }
    }, 30_000);

    it('never throttles health probes', async () => {
      for (let i = 0; i < 30; i++) expect((await fetch(`${ops.base}/health/live`)).status).toBe(200);
    });

    it('sends security headers and no CORS headers when no origin is configured', async () => {
      const res = await fetch(`${ops.base}/policy`, { headers: { authorization: `Bearer ${admin}`, origin: 'https://evil.example' } });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${ops.base}/gestures`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('answers 413 to a body over BODY_LIMIT_BYTES', async () => {
      const till = await token('till-ops-413', ['pos-system']);
      const res = await fetch(`${ops.base}/gestures`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${till}` }, body: JSON.stringify(gesture({ note: 'x'.repeat(20_000) })) });
      expect(res.status).toBe(413);
    });
  });

  describe('draining', () => {
    it('turns readiness to 503 once shutdown starts, while liveness stays up', async () => {
      const other = await start({});
      try {
        expect((await fetch(`${other.base}/health/ready`)).status).toBe(200);
        other.lifecycle.startDraining();
        const ready = await fetch(`${other.base}/health/ready`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ status: 'shutting_down' });
        expect((await fetch(`${other.base}/health/live`)).status).toBe(200);
      } finally {
        await other.app.close();
        await other.store.close();
      }
    }, 30_000);
  });
});

describe('CORS when origins are configured', () => {
  let ops: Running;
  beforeAll(async () => {
    ops = await start({ CORS_ORIGINS: 'https://desk.example.com' });
  }, 60_000);
  afterAll(async () => {
    await ops?.app.close();
    await ops?.store.close();
  });

  it('answers preflights of the configured origin only', async () => {
    const allowed = await fetch(`${ops.base}/gestures`, { method: 'OPTIONS', headers: { origin: 'https://desk.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://desk.example.com');
    const other = await fetch(`${ops.base}/gestures`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('leaves /metrics open when no METRICS_TOKEN is set', async () => {
    expect((await fetch(`${ops.base}/metrics`)).status).toBe(200);
  });
});
