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
  });
});
