import { comparePositions, createPgliteDriver, createPostgresDriver, parsePosition, SqlEventStore, type Position, type SqlDriver } from '#event-store';
import type { ProjectionLag } from '../runtime/lag.js';
import { rebuildSchemasIn } from '../runtime/rebuild-lock.js';
import { rebuildSchemaPrefix } from '../sql-names.js';
import { visibleThrough } from '../../../event-store/src/testing/visible-through.js';
import { freshDatabase } from './fresh-database.js';

/** An event store and a read-model driver for one suite, and how to release them. */
export interface TestBackend {
  db: SqlDriver;
  store: SqlEventStore;
  close: () => Promise<void>;
}

/** Suite databases of their own: where, for a process a suite starts on it. */
export interface PostgresTestBackend extends TestBackend {
  url: string;
}

/** The embedded default: the read models beside the event store in one in-memory PGlite. */
export async function openPgliteBackend(): Promise<TestBackend> {
  const driver = await createPgliteDriver({ dataDir: 'memory://' });
  const store = await SqlEventStore.open(driver);
  return { db: driver, store, close: () => store.close() };
}

/** A database of the suite's own on the server of `url`, dropped on close; `readModels` tunes the read models' pool. */
export async function openPostgresBackend(url: string, prefix: string, readModels: { statementTimeoutMs?: number } = {}): Promise<PostgresTestBackend> {
  const fresh = await freshDatabase(url, prefix);
  const store = await SqlEventStore.open(createPostgresDriver({ connectionString: fresh.url, poolSize: 4 }));
  const db = createPostgresDriver({ connectionString: fresh.url, poolSize: 4, ...readModels });
  return {
    url: fresh.url,
    db,
    store,
    close: async () => {
      await store.close();
      await db.close();
      await fresh.drop();
    },
  };
}

/** The schemas rebuilds are building (or left behind), by name. */
export function rebuildSchemas(db: SqlDriver): Promise<string[]> {
  return rebuildSchemasIn((text, params) => db.query(text, params));
}

/** A schema as a rebuild that crashed half-way leaves it: tables, some rows, nobody building it. */
export async function abandonedSchema(db: SqlDriver, suffix: string): Promise<string> {
  const schema = `${rebuildSchemaPrefix}crashed_${suffix}`;
  await db.exec(`create schema ${schema}; create unlogged table ${schema}.budgets (employee_id text primary key); insert into ${schema}.budgets values ('half-way');`);
  return schema;
}

/** Polls `condition` until it holds, failing after `timeoutMs`. */
export async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The last event committed to the log in `db`, whether or not readers may see it yet: PostgreSQL's readers
 * wait while any older transaction of the cluster is open (another suite's long write), and a projector's
 * lag counts only from what they see.
 */
export async function committedHead(db: SqlDriver): Promise<Position | null> {
  const [row] = await db.query<{ commit_id: string; prepare: string }>(
    `select transaction_id::text as commit_id, global_position::text as prepare from gl_events order by transaction_id desc, global_position desc limit 1`,
    [],
  );
  return row ? { commit: BigInt(row.commit_id), prepare: BigInt(row.prepare) } : null;
}

/** Waits until readers of the log in `db` see every event committed to it so far. */
export async function untilVisible(store: SqlEventStore, db: SqlDriver, timeoutMs = 60_000): Promise<void> {
  const committed = await committedHead(db);
  if (committed !== null) await visibleThrough(store, committed, timeoutMs);
}

/** Waits until `projector` has applied every event committed to the log in `db` so far, not only the ones readers see yet. */
export async function untilProjected(projector: { lag(): Promise<ProjectionLag> }, db: SqlDriver, timeoutMs = 60_000): Promise<void> {
  const head = await committedHead(db);
  await until(async () => projectedThrough(await projector.lag(), head), timeoutMs);
}

/** Whether read models at `lag` include every event up to `head` (from `committedHead`). */
export function projectedThrough(lag: ProjectionLag, head: Position | null): boolean {
  if (head === null) return lag.eventsBehind === 0;
  return lag.checkpoint !== null && comparePositions(parsePosition(lag.checkpoint), head) >= 0;
}
