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

    it('ends a session left idle in transaction a little past the query timeout, and probes its TCP connection from 10 s idle', async () => {
      const liveness = async (options: { statementTimeoutMs?: number; queryTimeoutMs?: number }) => {
        const driver = createPostgresDriver({ connectionString, poolSize: 1, ...options });
        try {
          // `reset_val`: a Unix socket's session reads the keep-alives as 0 (they do not apply), but keeps what was asked.
          const rows = await driver.query<{ name: string; value: string; source: string }>(
            `select name, reset_val as value, source from pg_settings where name in ('idle_in_transaction_session_timeout', 'tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count') order by name`,
            [],
          );
          return Object.fromEntries(rows.map((r) => [r.name, r.source === 'client' ? r.value : 'server default']));
        } finally {
          await driver.close();
        }
      };
      const keepAlives = { tcp_keepalives_count: '3', tcp_keepalives_idle: '10', tcp_keepalives_interval: '5' };
      // The query timeout defaults to the statement timeout (30 s) and 5 s; the server waits 5 s more.
      expect(await liveness({})).toEqual({ idle_in_transaction_session_timeout: '40000', ...keepAlives });
      expect(await liveness({ statementTimeoutMs: 10_000 })).toEqual({ idle_in_transaction_session_timeout: '20000', ...keepAlives });
      expect(await liveness({ queryTimeoutMs: 1_000 })).toEqual({ idle_in_transaction_session_timeout: '6000', ...keepAlives });

      // Idle in transaction for 5.2 s at most.
      const driver = createPostgresDriver({ connectionString, poolSize: 1, queryTimeoutMs: 200 });
      const observer = createPostgresDriver({ connectionString, poolSize: 1 });
      try {
        const alive = async (pid: number) => (await observer.query('select 1 from pg_stat_activity where pid = $1', [pid])).length > 0;
        let gone = false;
        const outcome = await driver
          .transaction(async (query) => {
            const [row] = await query<{ pid: number }>('select pg_backend_pid() as pid, pg_current_xact_id()', []);
            for (const until = Date.now() + 10_000; !gone && Date.now() < until; ) {
              await new Promise((resolve) => setTimeout(resolve, 100));
              gone = !(await alive(row!.pid));
            }
            return query('select 1', []);
          })
          .catch((error: unknown) => error);
        expect(gone).toBe(true);
        // The transaction fails (the process does not crash on the client's error), its connection is dropped.
        expect(outcome).toBeInstanceOf(Error);
        expect(await driver.query<{ n: number }>('select 1 as n', [])).toEqual([{ n: 1 }]);
      } finally {
        await driver.close();
        await observer.close();
      }
    }, 20_000);

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
