import { START, type ReadFrom, type SqlDriver } from '#event-store';
import type { BulkLoad, BulkLoadOptions, Projection, Query } from '../projection.js';
import { qualifiedTable } from '../sql-names.js';
import { bulkTarget } from './bulk-append.js';
import { lastRecordedAt } from './apply-batch.js';
import { advanceCheckpoint } from './checkpoint.js';
import type { ReadAhead } from './read-ahead.js';

/** The bulk loads of `projections`, or null when one of them has none (the rebuild then applies batches like the live path). */
export function bulkLoadsOf(projections: readonly Projection[], schema: string, options: BulkLoadOptions): BulkLoad[] | null {
  if (!projections.every((p) => p.bulkLoad !== undefined)) return null;
  return projections.map((p) => p.bulkLoad!(schema, options));
}

/**
 * Loads the whole log into a fresh rebuild schema through the projections' bulk loads. The log is read in
 * pages of `pageSize` (one read ahead), each folded as soon as it arrives; every `batchSize` events the
 * folded deltas are flushed as one staging batch, whose writes run in PostgreSQL while the next pages are
 * read and folded in Node. A batch's writes start only when the previous batch's are done, so the
 * projections see their writes in log order. Small pages die young in V8's nursery (a 10,000-event page
 * outgrows it and costs old-generation collections); large batches stage fewer rows. Then the
 * projections merge their staging side by side, and the checkpoint moves to the last event. Nothing here
 * is visible before the swap, and a failure abandons the whole schema (the caller drops it), so neither a
 * batch nor the merges need to share a transaction with the checkpoint.
 */
export async function loadInBulk(
  db: SqlDriver,
  schema: string,
  loads: readonly BulkLoad[],
  reader: ReadAhead,
  pageSize: number,
  onBatch: (applied: number, reached: ReadFrom) => void,
  onStep: (step: 'loaded' | 'finished') => void | Promise<void>,
  /** What each load (in the same order) has left to do after its merges. */
  finishing: readonly FinishingSteps[],
): Promise<{ checkpoint: ReadFrom; applied: number }> {
  const staging = loads.map((l) => l.stagingSql).filter((sql) => sql !== '');
  if (staging.length > 0) await db.exec(staging.join('\n'));
  const target = bulkTarget(db);
  let checkpoint: ReadFrom = START;
  let applied = 0;
  let recordedAt: string | null = null;
  let writing: Promise<unknown> = Promise.resolve();
  try {
    for (;;) {
      const events = await reader.next(checkpoint);
      if (events.length > 0) {
        for (const load of loads) load.fold(events);
        checkpoint = events[events.length - 1]!.position;
        applied += events.length;
        recordedAt = lastRecordedAt(events) ?? recordedAt;
      }
      const end = events.length < pageSize;
      const writes = loads.map((l) => l.writes(end)).filter((w) => w !== null);
      if (writes.length > 0) {
        await writing;
        writing = allDone(writes.map((write) => write(target)));
        writing.catch(() => undefined);
      }
      onBatch(applied, checkpoint);
      if (end) break;
    }
    await writing;
  } catch (error) {
    // Let the writes still running end before the caller drops the schema under them.
    await Promise.allSettled([writing]);
    throw error;
  }
  await onStep('loaded');
  await runInLanes(db, finishingTasks(db, schema, loads, finishing));
  await onStep('finished');
  await db.transaction((q) => advanceCheckpoint(q, schema, checkpoint, applied, recordedAt));
  return { checkpoint, applied };
}

/** What a projection's bulk load leaves to do after its merges: add the keys it loaded without, create its indexes. */
export interface FinishingSteps {
  /** The statement adding back each detached primary key, by unqualified table name (`detachPrimaryKeys`). */
  keys: ReadonlyMap<string, string>;
  /** One statement each, `create index … on <schema>.<table> …`. */
  indexes: readonly string[];
}

/** A step of the finish: runs once every step it comes `after` is done. */
export interface FinishingTask {
  readonly after: readonly FinishingTask[];
  run(): Promise<unknown>;
}

/**
 * The finish, PostgreSQL's work alone, as steps as small as their dependencies allow: each merge with the keys
 * and statistics of the tables it fills, the key of each table the load only appended to, each index once its
 * table is filled, each projection's staging dropped after its merges. Merges come round-robin over the
 * projections, each projection's heaviest first, so that the heaviest of all start at once side by side and
 * indexes fill the lanes beside the longest merges (one projection's merges alone no longer set the pace).
 */
export function finishingTasks(db: SqlDriver, schema: string, loads: readonly BulkLoad[], finishing: readonly FinishingSteps[]): FinishingTask[] {
  // One statement per table or index over the whole log: minutes, not the driver's per-statement seconds, at
  // tens of millions of events.
  const long = { statementTimeoutMs: 15 * 60_000 };
  /** Keys added, then analyzed so the first queries after the swap get good plans (ANALYZE needs no index). */
  const keyAndAnalyze = async (q: Query, tables: readonly string[], keyed: ReadonlySet<string>, keys: ReadonlyMap<string, string>) => {
    for (const t of tables) {
      const key = keys.get(t);
      if (key !== undefined) await q(key, []);
      if (keyed.has(t)) await q(`analyze ${qualifiedTable(schema, t)}`, []);
    }
  };
  const merges = loads.map((load, i) => {
    const keyed = new Set(load.keyedAfterLoad);
    return load.merges.map<FinishingTask>((merge) => ({
      after: [],
      run: () =>
        db.transaction(async (q) => {
          // A merge sorts and groups every staged row: room to do it in memory (per sort, for this transaction only).
          await q(`set local work_mem = '64MB'`, []);
          await merge.run(q);
          await keyAndAnalyze(q, merge.tables, keyed, finishing[i]!.keys);
        }, long),
    }));
  });
  const tasks: FinishingTask[] = [];
  for (let round = 0; merges.some((m) => round < m.length); round++) for (const m of merges) if (round < m.length) tasks.push(m[round]!);
  loads.forEach((load, i) => {
    const keyed = new Set(load.keyedAfterLoad);
    /** The task after which a table is filled and keyed: an index waits for it (else it would wait for its locks). */
    const ready = new Map<string, FinishingTask>();
    load.merges.forEach((merge, m) => merge.tables.forEach((t) => ready.set(t, merges[i]![m]!)));
    for (const t of load.keyedAfterLoad.filter((t) => !ready.has(t))) {
      const key: FinishingTask = { after: [], run: () => db.transaction((q) => keyAndAnalyze(q, [t], keyed, finishing[i]!.keys), long) };
      ready.set(t, key);
      tasks.push(key);
    }
    for (const statement of finishing[i]!.indexes) {
      const on = indexedTable(statement, schema);
      const after = ready.get(on);
      tasks.push({ after: after ? [after] : [], run: () => db.transaction((q) => q(statement, []), long) });
    }
    if (load.dropStagingSql !== '') tasks.push({ after: merges[i]!, run: () => db.exec(load.dropStagingSql) });
  });
  return tasks;
}

/** The table `create index … on <schema>.<table> (…)` indexes; throws on any other statement. */
function indexedTable(statement: string, schema: string): string {
  const match = new RegExp(`\\son\\s+${schema}\\."?([a-z_][a-z0-9_]*)"?\\s*\\(`, 'i').exec(statement);
  if (!match) throw new Error(`not an index on a table of ${schema}: ${statement}`);
  return match[1]!;
}

/**
 * Runs the tasks on up to two of the driver's connections at once (one after another on PGlite): each lane
 * takes the first task, in list order, whose predecessors are done, and waits for one to end when none is.
 * After a failure no task starts; the first failure is thrown once the running ones have ended.
 */
export async function runInLanes(db: SqlDriver, tasks: readonly FinishingTask[]): Promise<void> {
  const done = new Set<FinishingTask>();
  const waiting = new Set(tasks);
  let failed = false;
  let ended: () => void = () => undefined;
  let anEnd = new Promise<void>((resolve) => (ended = resolve));
  const lane = async () => {
    while (waiting.size > 0 && !failed) {
      const next = [...waiting].find((t) => t.after.every((p) => done.has(p)));
      if (next === undefined) {
        await anEnd;
        continue;
      }
      waiting.delete(next);
      try {
        await next.run();
        done.add(next);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        const wake = ended;
        anEnd = new Promise<void>((resolve) => (ended = resolve));
        wake();
      }
    }
  };
  await allDone(Array.from({ length: Math.max(1, Math.min(2, db.concurrentTransactionsMax)) }, lane));
}

/** Waits for every write (none left running behind a failure), then fails with the first failure. */
export async function allDone(writes: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** Runs the scripts on up to two of the driver's connections at once (one after another on PGlite). */
export async function inLanes(db: SqlDriver, scripts: readonly string[]): Promise<void> {
  await runInLanes(db, scripts.map((script) => ({ after: [], run: () => db.exec(script) })));
}

/**
 * Drops the primary keys of `tables` in `schema` (still empty) and returns the statements that add them back,
 * as they were, by table: a rebuild fills these tables by appends and merges alone, then builds each key in one pass.
 */
export async function detachPrimaryKeys(db: SqlDriver, schema: string, tables: readonly string[]): Promise<Map<string, string>> {
  if (tables.length === 0) return new Map();
  const keys = await db.query<{ relname: string; conname: string; def: string }>(
    `select c.relname, k.conname, pg_get_constraintdef(k.oid) as def
       from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where k.contype = 'p' and n.nspname = $1 and c.relname = any($2::text[])`,
    [schema, [...tables]],
  );
  const constraint = (name: string) => `"${name.replace(/"/g, '""')}"`;
  if (keys.length > 0) await db.exec(keys.map((k) => `alter table ${qualifiedTable(schema, k.relname)} drop constraint ${constraint(k.conname)};`).join('\n'));
  return new Map(keys.map((k) => [k.relname, `alter table ${qualifiedTable(schema, k.relname)} add constraint ${constraint(k.conname)} ${k.def};`]));
}
