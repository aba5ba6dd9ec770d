import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import type { SqlDriver, SqlEventStore } from '#event-store';
import { GestureLedger } from '#ledger';
import { allProjections, liveSchema, rebuildReadModels } from '#projections';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { dumpSchema } from '../../../libs/projections/src/testing/dump-schema.js';
import { abandonedSchema, openPostgresBackend, rebuildSchemas, untilVisible, type PostgresTestBackend } from '../../../libs/projections/src/testing/test-backends.js';
import { seedLedgerTraffic } from '../../../libs/projections/src/testing/seed-ledger.js';
import { buildDist, spawnService } from '../../../test/support/built-app.js';

const entry = 'dist/apps/projector/src/rebuild-main.js';

/**
 * `npm run projections:rebuild` as an operator (or a CronJob) runs it, against a database where another
 * rebuild may be running or one may have crashed: it never drops a schema another rebuild is building.
 */
withBackend('DATABASE_URL', 'projections:rebuild on PostgreSQL', (url) => {
  describe('projections:rebuild', () => {
    let backend: PostgresTestBackend;
    let store: SqlEventStore;
    let db: SqlDriver;

    const command = async () => {
      const env = { PATH: process.env.PATH ?? '', EVENT_STORE: 'postgres', DATABASE_URL: backend.url, JWT_SECRET: 'rebuild-test-secret-rebuild-test-secret-01', LOG_LEVEL: 'silent' };
      const spawned = spawnService(entry, env);
      const { code } = await spawned.exited;
      return { code, output: spawned.output() };
    };
    /** The read models as a rebuild of the same log makes them, to compare with. */
    const clean = async () => {
      const schema = `rm_clean_${Date.now().toString(36)}`;
      await rebuildReadModels({ store, db, projections: allProjections, liveSchema: schema });
      const dump = await dumpSchema(db, schema);
      await db.exec(`drop schema ${schema} cascade`);
      return dump;
    };

    beforeAll(async () => {
      buildDist(entry);
      backend = await openPostgresBackend(url, 'gl_rebuild_cmd');
      ({ store, db } = backend);
      const ledger = new GestureLedger(store);
      await ledger.start(samplePolicy());
      await seedLedgerTraffic(ledger, { run: 'cmd', steps: 200, seed: 31 });
      await untilVisible(store, db);
    }, 300_000);

    afterAll(async () => backend?.close());

    it('started while another rebuild runs, it refuses with a clear message and leaves that rebuild to finish', async () => {
      let during: { building: string[]; code: number | null; output: string; after: string[] } | null = null;
      await rebuildReadModels({
        store,
        db,
        projections: allProjections,
        onStep: async (step) => {
          if (step !== 'finished') return;
          const building = await rebuildSchemas(db);
          const { code, output } = await command();
          during = { building, code, output, after: await rebuildSchemas(db) };
        },
      });
      expect(during!.code).toBe(1);
      expect(during!.output).toMatch(/^projections:rebuild: another rebuild of the read models is running on this database \(since [^,]+, PostgreSQL backend \d+\): not starting a second one/m);
      expect(during!.output).not.toMatch(/\n\s+at /);
      expect(during!.building).toHaveLength(1);
      expect(during!.after).toEqual(during!.building);
      expect(await rebuildSchemas(db)).toEqual([]);
      expect(await dumpSchema(db, liveSchema)).toEqual(await clean());
    }, 120_000);

    it('drops the schema a crashed rebuild left behind, then rebuilds', async () => {
      await abandonedSchema(db, 'cmd');
      const { code, output } = await command();
      expect({ code, output }).toMatchObject({ code: 0, output: expect.stringMatching(/dropped 1 schema\(s\) left by an interrupted rebuild\n[^]*rebuilt [\d,]+ events in/) });
      expect(await rebuildSchemas(db)).toEqual([]);
      expect(await dumpSchema(db, liveSchema)).toEqual(await clean());
    }, 120_000);
  });
});
