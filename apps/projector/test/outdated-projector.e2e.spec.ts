import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadSettings } from '#config';
import { samplePolicy } from '#domain';
import { GestureLedger } from '#ledger';
import { allProjections, rebuildReadModels } from '#projections';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { dumpSchema } from '../../../libs/projections/src/testing/dump-schema.js';
import { seedLedgerTraffic } from '../../../libs/projections/src/testing/seed-ledger.js';
import { openPostgresBackend, until, untilProjected, type TestBackend } from '../../../libs/projections/src/testing/test-backends.js';
import { startProjector, type RunningProjector } from '../src/start-projector.js';

/**
 * The projector service of the release before an upgrade, still running (a rolling deployment) when the new
 * release's rebuild, with a projection's version bumped, is swapped in under it.
 */
withBackend('DATABASE_URL', 'an outdated projector service on PostgreSQL', (url) => {
  describe('a projector service left running after an upgrade rebuilt the read models', () => {
    let backend: TestBackend;
    let ledger: GestureLedger;
    let running: RunningProjector;
    const lines: string[] = [];
    const schema = 'read_models';
    const budgetVersion = allProjections.find((p) => p.name === 'budget')!.version;

    beforeAll(async () => {
      backend = await openPostgresBackend(url, 'gl_proj_outdated');
      ledger = new GestureLedger(backend.store);
      await ledger.start(samplePolicy());
      await seedLedgerTraffic(ledger, { run: 'before', steps: 60, seed: 13 });
      const settings = loadSettings({ JWT_SECRET: 'outdated-test-secret-outdated-test-0123', PROJECTOR_PORT: '0', PROJECTOR_IDLE_POLL_MS: '10', LOG_LEVEL: 'silent' });
      running = await startProjector(settings, { storage: { store: backend.store, readModels: backend.db, close: async () => undefined }, swaggerUi: false, log: (line) => lines.push(line) });
      await untilProjected(running.projector, backend.db);
    }, 60_000);
    afterAll(async () => {
      await running?.stop();
      await backend?.close();
    });

    it('applies nothing more, logs why, and answers not ready (still live) so that it is replaced', async () => {
      expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
      const upgraded = allProjections.map((p) => (p.name === 'budget' ? { ...p, version: p.version + 1 } : p));
      await rebuildReadModels({ store: backend.store, db: backend.db, projections: upgraded, liveSchema: schema });
      const rebuilt = await dumpSchema(backend.db, schema);
      await seedLedgerTraffic(ledger, { run: 'after', steps: 20, seed: 14 });
      await until(async () => running.projector.stats.halted !== null);

      const ready = await fetch(`${running.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { error: Record<string, unknown> }).error).toEqual({
        projector: expect.objectContaining({ status: 'down', message: `the read models were rebuilt for other projection versions (budget ${budgetVersion + 1}, this process's ${budgetVersion}): this process applies no more batches` }),
      });
      expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
      expect(lines.filter((line) => line.startsWith('projector: stopped following the log, not ready until replaced: the read models were rebuilt for other projection versions'))).toHaveLength(1);
      expect(running.projector.stats).toMatchObject({ running: false, errors: 0 });
      expect(await dumpSchema(backend.db, schema)).toEqual(rebuilt);
    }, 60_000);
  });
});
