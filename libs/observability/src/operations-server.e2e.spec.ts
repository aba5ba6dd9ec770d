import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Lifecycle } from './lifecycle.js';
import { createMetrics } from './metrics.js';
import { startOperationsServer } from './operations-server.js';

describe('operations server (for services without an API)', () => {
  it('serves health from the checks it is given, and metrics', async () => {
    const metrics = createMetrics();
    metrics.relayLagEvents.set({ relay: 'crm-relay' }, 42);
    let kafkaUp = true;
    const lifecycle = new Lifecycle();
    const app = await startOperationsServer({
      host: '127.0.0.1',
      port: 0,
      checks: { kafka: async () => { if (!kafkaUp) throw new Error('broker unreachable'); } },
      healthCheckTimeoutMs: 200,
      lifecycle,
      metrics,
      metricsToken: null,
      log: pino({ level: 'silent' }),
    });
    try {
      const base = await app.getUrl();
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      kafkaUp = false;
      const down = await fetch(`${base}/health/ready`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ error: { kafka: { status: 'down' } } });
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^gesture_ledger_relay_lag_events\{relay="crm-relay"\} 42$/m);
      kafkaUp = true;
      lifecycle.startDraining();
      expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    } finally {
      await app.close();
    }
  });

  it('counts a check that hangs past the timeout as down', async () => {
    const app = await startOperationsServer({
      host: '127.0.0.1',
      port: 0,
      checks: { readModels: () => new Promise(() => undefined) },
      healthCheckTimeoutMs: 100,
      lifecycle: new Lifecycle(),
      metrics: createMetrics(),
      metricsToken: null,
      log: pino({ level: 'silent' }),
    });
    try {
      const started = Date.now();
      const res = await fetch(`${await app.getUrl()}/health/ready`);
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await app.close();
    }
  });
});
