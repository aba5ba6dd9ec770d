import pg from 'pg';
import { EventStoreTimeoutError } from '../errors.js';
import type { SqlDriver, TransactionOptions } from '../sql/sql-driver.js';
import { listen } from './listener.js';
import { copyIn } from './copy-in.js';
import { keepAlive } from './keep-alive.js';

export interface PostgresDriverOptions {
  connectionString: string;
  /** Connections in the pool; group-commit transactions use all but one, reads share them. */
  poolSize?: number;
  statementTimeoutMs?: number;
  /**
   * How long the client waits for the answer to a `query` or `exec` (default `statementTimeoutMs` + 5 s, so that
   * a slow statement is cancelled by the server first, keeping its connection). A connection that died silently
   * (its host gone, a NAT or firewall dropping the flow: no reset) would otherwise hold the query, and a whole
   * group-commit batch with it, until the operating system gives up after ~15 minutes; `statement_timeout`
   * cannot help, the server never saw the query. Past it the query fails with `EventStoreTimeoutError` and its
   * connection is destroyed, never returned to the pool: what it was in the middle of is unknown. The same holds
   * for each statement of a `transaction`, but one given its own `statementTimeoutMs` (a rebuild's merges run for
   * minutes) waits that long and 5 s more.
   */
  queryTimeoutMs?: number;
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

/**
 * A connection lost silently in the middle of a transaction (the client gave up on a statement after its query
 * timeout and destroyed its socket, but no reset reached the server) leaves its backend idle in transaction,
 * holding its transaction id, until the server's operating system notices, ~2 hours by default. Readers only read
 * below the oldest running transaction id (`pg_snapshot_xmin`), so meanwhile every reader of the log, in every
 * process, sees nothing new while appends still succeed. So the server ends such a session itself: once it has
 * sat idle in transaction a little longer than the client waits for an answer (callers run their transactions'
 * statements back to back; the rebuild lock, which holds its transaction open on purpose, lifts the timeout for
 * it), and, over TCP, once its keep-alive probes go unanswered for ~25 s (ignored on a Unix socket).
 */
function serverSideLiveness(queryTimeoutMs: number): string[] {
  return [`idle_in_transaction_session_timeout=${queryTimeoutMs + serverFirstMs}`, 'tcp_keepalives_idle=10', 'tcp_keepalives_interval=5', 'tcp_keepalives_count=3'];
}

/** The pool's session settings as the startup packet's `options` (`-c name=value …`). */
function sessionSettings(options: PostgresDriverOptions, queryTimeoutMs: number): string {
  const settings = [options.synchronousCommit === false ? 'synchronous_commit=off' : null, options.jit === false ? 'jit=off' : null, ...serverSideLiveness(queryTimeoutMs)];
  return settings
    .filter((setting) => setting !== null)
    .map((setting) => `-c ${setting}`)
    .join(' ');
}

/** `pg`'s `query_timeout` fails a query with this, and nothing more specific (no code). */
const queryTimeoutMessage = 'Query read timeout';

/** How much longer than the server's statement timeout the client waits: a slow statement is cancelled by the server first, keeping its connection. */
const serverFirstMs = 5_000;

/** `config` answered within `ms` or failed, overriding the pool's deadline: `pg` reads a query's own `query_timeout`, which its types do not declare. */
function within(config: pg.QueryConfig, ms: number): pg.QueryConfig & { query_timeout: number } {
  return { ...config, query_timeout: ms };
}

/** `error`, or `EventStoreTimeoutError` when it is `pg`'s for a query unanswered within `ms`. */
function timedOut(error: unknown, ms: number): unknown {
  return error instanceof Error && error.message === queryTimeoutMessage ? new EventStoreTimeoutError(ms, { cause: error }) : error;
}

/** `pg` as a `SqlDriver`: named (server-side prepared) statements, one pool. */
export function createPostgresDriver(options: PostgresDriverOptions): SqlDriver {
  const poolSize = options.poolSize ?? 8;
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? statementTimeoutMs + serverFirstMs;
  const settings = sessionSettings(options, queryTimeoutMs);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    statement_timeout: statementTimeoutMs,
    // Every statement of the pool's connections, COPYs included, is answered within this or fails, and its
    // connection is destroyed: one that died without a reset would otherwise hold its caller ~15 minutes.
    query_timeout: queryTimeoutMs,
    ...keepAlive,
    idleTimeoutMillis: 30_000,
    options: settings,
  });
  /**
   * One statement on a pool connection. The pool removes a client whose query failed and ends it by destroying
   * its socket (a query being still active on it): it is never reused.
   */
  const pooled = async <R>(config: pg.QueryConfig | pg.QueryArrayConfig): Promise<R[]> => {
    try {
      return (await pool.query(config as pg.QueryConfig)).rows as R[];
    } catch (error) {
      throw timedOut(error, queryTimeoutMs);
    }
  };
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
    query: <R>(text: string, params: unknown[]) => pooled<R>({ name: nameOf(text), text, values: params }),
    queryArrays: <R extends readonly unknown[]>(text: string, params: unknown[]) => pooled<R>({ name: nameOf(text), text, values: params, rowMode: 'array' }),
    async exec(script: string) {
      await pooled({ text: script });
    },
    async transaction<T>(work: (query: <R>(text: string, params: unknown[]) => Promise<R[]>) => Promise<T>, transactionOptions: TransactionOptions = {}) {
      const ownTimeoutMs = transactionOptions.statementTimeoutMs;
      if (ownTimeoutMs !== undefined && (!Number.isSafeInteger(ownTimeoutMs) || ownTimeoutMs < 1)) throw new RangeError(`a transaction's statement timeout must be a whole number of milliseconds, at least 1, not ${ownTimeoutMs}`);
      const answerWithinMs = ownTimeoutMs === undefined ? queryTimeoutMs : ownTimeoutMs + serverFirstMs;
      const client = await pool.connect();
      /** Whether the connection cannot be trusted any more (a statement unanswered, a failed rollback): then it is destroyed, not returned. */
      let lost = false;
      // The server may end the session between two statements (idle in transaction past its timeout, an
      // administrator's pg_terminate_backend): the checked-out client then emits 'error', which would crash the
      // process without a listener. The transaction's next statement fails instead. Kept on a lost client, which
      // is discarded anyway: a late error of its ending must not crash the process either.
      const ended = () => void (lost = true);
      client.on('error', ended);
      const statement = async <R>(text: string, params: unknown[]): Promise<R[]> => {
        try {
          const config = { text, values: params };
          return (await client.query(ownTimeoutMs === undefined ? config : within(config, answerWithinMs))).rows as R[];
        } catch (error) {
          const failure = timedOut(error, answerWithinMs);
          if (failure instanceof EventStoreTimeoutError) lost = true;
          throw failure;
        }
      };
      try {
        await statement('begin', []);
        if (ownTimeoutMs !== undefined) await statement(`set local statement_timeout = ${ownTimeoutMs}`, []);
        const result = await work(statement);
        await statement('commit', []);
        return result;
      } catch (error) {
        // Behind a statement still unanswered, a rollback would only queue: the server rolls back when the connection goes.
        if (!lost) await statement('rollback', []).catch(() => (lost = true));
        throw error;
      } finally {
        // Released with `true`, the client is destroyed by the pool (its socket, a query being still active on it).
        if (!lost) client.removeListener('error', ended);
        client.release(lost);
      }
    },
    listen: (channel, onNotify) => listen({ connectionString: options.connectionString, channel, onNotify }),
    copyIn: (statement, data) => copyIn(pool, statement, data),
    close: () => pool.end(),
  };
}
