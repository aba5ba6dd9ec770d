/** The subset of a PostgreSQL client the SQL event store calls; `pg` and PGlite each provide one. */
export interface SqlDriver {
  /** One parameterised statement, on any connection. */
  query<R>(text: string, params: unknown[]): Promise<R[]>;
  /**
   * The same, each row an array of its columns in select order: no object with named keys per row, for the
   * statements that return thousands of rows (the log's reads).
   */
  queryArrays<R extends readonly unknown[]>(text: string, params: unknown[]): Promise<R[]>;
  /** A multi-statement script (schema set-up). */
  exec(script: string): Promise<void>;
  /** Runs `work` inside a transaction on one connection; commits when it resolves, else rolls back. */
  transaction<T>(work: (query: <R>(text: string, params: unknown[]) => Promise<R[]>) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Transactions that can usefully run at once (the pool size for `pg`, 1 for PGlite). */
  readonly concurrentTransactionsMax: number;
  /**
   * Calls `onNotify` on every notification of `channel` from any session, on a connection of its own
   * that is re-established after a failure (and `onNotify` called then too, since notifications may
   * have been missed meanwhile). Absent where every writer is in this process (PGlite). Returns a stop.
   */
  listen?(channel: string, onNotify: () => void): () => Promise<void>;
  /**
   * `COPY … FROM STDIN` of `data` (COPY's text format): the cheapest way into a table, for bulk loads (a
   * read-model rebuild). Absent where the driver cannot stream a COPY (PGlite): callers then INSERT.
   */
  copyIn?(statement: string, data: string): Promise<void>;
  close(): Promise<void>;
}

export interface TransactionOptions {
  /**
   * The statement timeout of this transaction's statements, in whole milliseconds (default the driver's), for
   * the few that legitimately run longer (a rebuild's merges, for minutes). On PostgreSQL the client waits for
   * each statement's answer that long and 5 s more, and no longer (see `PostgresDriverOptions.queryTimeoutMs`);
   * set it here, never with `set local statement_timeout`, which the client's deadline cannot see. PGlite
   * has no statement timeout.
   */
  statementTimeoutMs?: number;
}

/** SQLSTATEs after which a failed batch is retried append by append. */
export const retryableSqlStates = new Set([
  '23505', // unique_violation: another process wrote the same event id or stream concurrently
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/**
 * Whether a failed batch is worth splitting into its appends: a conflict between writers (retried), or bad
 * data (SQLSTATE class 22) that validation let through, which then fails only the append that carries it
 * instead of every append batched with it. A lost connection or a full disk fails the batch as a whole.
 */
export function isolatesAppends(error: unknown): boolean {
  const state = sqlState(error) ?? '';
  return retryableSqlStates.has(state) || state.startsWith('22');
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}
