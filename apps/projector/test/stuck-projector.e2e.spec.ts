import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadSettings } from '#config';
import { samplePolicy } from '#domain';
import { GestureLedger } from '#ledger';
import { allProjections, type Projection } from '#projections';
import { seedLedgerTraffic } from '../../../libs/projections/src/testing/seed-ledger.js';
import { openPgliteBackend, until, untilProjected, type TestBackend } from '../../../libs/projections/src/testing/test-backends.js';
import { startProjector, type RunningProjector } from '../src/start-projector.js';

/**
 * A projector service whose every batch fails (here a projection that cannot fold one event, as a bug
 * would): past PROJECTOR_STUCK_AFTER_S it says so on /health/ready and /projections/status rather than serve
 * ever staler read models as if they followed the log, and it is ready again once the event applies.
 */
describe('a projector service stuck on an event it cannot apply', () => {
  let backend: TestBackend;
  let running: RunningProjector;
  let poisoned = false;
  const lines: string[] = [];

  beforeAll(async () => {
    backend = await openPgliteBackend();
    const ledger = new GestureLedger(backend.store);
    await ledger.start(samplePolicy());
    await seedLedgerTraffic(ledger, { run: 'before', steps: 40, seed: 21 });
    const [first, ...rest] = allProjections;
    const failing: Projection = {
      ...first!,
      apply: (events, query, schema) => (poisoned ? Promise.reject(new Error('cannot fold this batch')) : first!.apply(events, query, schema)),
    };
    const settings = loadSettings({ JWT_SECRET: 'stuck-test-secret-stuck-test-0123456789', PROJECTOR_PORT: '0', PROJECTOR_IDLE_POLL_MS: '10', PROJECTOR_STUCK_AFTER_S: '1', LOG_LEVEL: 'silent' });
    running = await startProjector(settings, { storage: { store: backend.store, readModels: backend.db, close: async () => undefined }, projections: [failing, ...rest], swaggerUi: false, log: (line) => lines.push(line) });
    await untilProjected(running.projector, backend.db);
    poisoned = true;
    await seedLedgerTraffic(ledger, { run: 'after', steps: 10, seed: 22 });
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
    await backend?.close();
  });

  it('answers not ready naming the failure once batches have failed for the allowed time, and ready again once one applies', async () => {
    await until(async () => running.projector.stats.failing !== null);
    // Within the allowed second: still ready, the failure already shown.
    expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
    await until(async () => (await fetch(`${running.url}/health/ready`)).status === 503, 10_000);
    const ready = await fetch(`${running.url}/health/ready`);
    expect(((await ready.json()) as { error: Record<string, { message: string }> }).error.projector!.message).toMatch(/^every batch has failed for \d+ s \(\d+ in a row\), the read models are not following the log: cannot fold this batch$/);
    expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
    expect(lines.some((line) => line === 'projector: batch failed, retrying: cannot fold this batch')).toBe(true);

    poisoned = false;
    await untilProjected(running.projector, backend.db);
    await until(async () => (await fetch(`${running.url}/health/ready`)).status === 200, 10_000);
    expect(running.projector.stats.failing).toBeNull();
  }, 60_000);
});
