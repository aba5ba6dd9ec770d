import pg from 'pg';
import type { SqlDriver } from '../sql/sql-driver.js';
import { listen } from './listener.js';
import { copyIn } from './copy-in.js';

export interface PostgresDriverOptions {
  connectionString: string;
  /** Connections in the pool; group-commit transactions use all but one, reads share them. */
  poolSize?: number;
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /**
   * `false` sets `synchronous_commit = off` for this pool's sessions: a commit returns before its WAL is
   * flushed, so a server crash may forget the last fraction of a second of commits (never tear one).
   * Only for writes that are safe to lose and redo, such as an at-least-once relay's checkpoint.
   */
  synchronousCommit?: boolean;
  /**
   * `false` sets `jit = off` for this pool's sessions. PostgreSQL compiles a query with LLVM once its estimated
   * cost passes a threshold, which correlated subqueries over a read model's few tens of thousands of rows
   * pass easily: measured on a finance spend query, 590 ms of compiling for 110 ms of execution.
   */
  jit?: boolean;
}

/** The pool's session settings as the startup packet's `options` (`-c name=value …`), or '' for none. */
function sessionSettings(options: PostgresDriverOptions): string {
  const settings = [options.synchronousCommit === false ? 'synchronous_commit=off' : null, options.jit === false ? 'jit=off' : null];
  return settings
    .filter((setting) => setting !== null)
    .map((setting) => `-c ${setting}`)
    .join(' ');
}

/** `pg` as a `SqlDriver`: named (server-side prepared) statements, one pool. */
export function createPostgresDriver(options: PostgresDriverOptions): SqlDriver {
  const poolSize = options.poolSize ?? 8;
  const settings = sessionSettings(options);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    idleTimeoutMillis: 30_000,
    ...(settings ? { options: settings } : {}),
  });
  // An idle client that loses its connection emits here; without a listener the process would crash.
  pool.on('error', () => undefined);
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name) names.set(text, (name = `gl_${names.size}`));
    return name;
  };
  return {
    concurrentTransactionsMax: Math.max(1, poolSize - 1),
    async query<R>(text: string, params: unknown[]) {
      const result = await pool.query({ name: nameOf(text), text, values: params });
      return result.rows as R[];
    },
    async exec(script: string) {
      await pool.query(script);
    },
    async transaction<T>(work: (query: <R>(text: string, params: unknown[]) => Promise<R[]>) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await work(async <R>(text: string, params: unknown[]) => (await client.query(text, params)).rows as R[]);
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    listen: (channel, onNotify) => listen({ connectionString: options.connectionString, channel, onNotify }),
    copyIn: (statement, data) => copyIn(pool, statement, data),
    close: () => pool.end(),
  };
}
