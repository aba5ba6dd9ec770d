import { describe, expect, it } from '@jest/globals';
import { withBackend } from '../testing/infra.js';
import { createPostgresDriver } from './postgres-driver.js';

withBackend('DATABASE_URL', 'PostgreSQL driver session settings', (connectionString) => {
  describe('createPostgresDriver', () => {
    const settingsOf = async (options: { synchronousCommit?: boolean; jit?: boolean }) => {
      const driver = createPostgresDriver({ connectionString, poolSize: 1, ...options });
      try {
        const rows = await driver.query<{ name: string; setting: string; source: string }>(`select name, setting, source from pg_settings where name in ('jit', 'synchronous_commit')`, []);
        // Set by this pool (the startup packet's options) or left as the server has it, whatever that is.
        return Object.fromEntries(rows.map((r) => [r.name, r.source === 'client' ? r.setting : 'server default']));
      } finally {
        await driver.close();
      }
    };

    it("keeps the server's defaults unless told otherwise", async () => {
      expect(await settingsOf({})).toEqual({ jit: 'server default', synchronous_commit: 'server default' });
      expect(await settingsOf({ jit: true, synchronousCommit: true })).toEqual({ jit: 'server default', synchronous_commit: 'server default' });
    });

    it('turns JIT off, synchronous commit off, or both, for every session of the pool', async () => {
      expect(await settingsOf({ jit: false })).toEqual({ jit: 'off', synchronous_commit: 'server default' });
      expect(await settingsOf({ synchronousCommit: false })).toEqual({ jit: 'server default', synchronous_commit: 'off' });
      expect(await settingsOf({ jit: false, synchronousCommit: false })).toEqual({ jit: 'off', synchronous_commit: 'off' });
    });

    it("leaves no deadline timer behind a COPY that finished: it would keep the COPY's text alive until it fired", async () => {
      const driver = createPostgresDriver({ connectionString, poolSize: 1, queryTimeoutMs: 600_000 });
      const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
      try {
        await driver.exec('create temporary table if not exists copied (n int)');
        const before = timers();
        for (let i = 0; i < 5; i++) await driver.copyIn!('copy pg_temp.copied (n) from stdin', '1\n2\n');
        expect(timers()).toBe(before);
        expect(await driver.query<{ n: number }>('select count(*)::int as n from pg_temp.copied', [])).toEqual([{ n: 10 }]);
      } finally {
        await driver.close();
      }
    });
  });
});
