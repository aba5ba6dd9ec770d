import { START, type ReadFrom, type SqlDriver } from '#event-store';
import type { BulkLoad, BulkLoadOptions, Projection } from '../projection.js';
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
  /** What each load (in the same order) has left to do after its merge. */
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
  // What is left is PostgreSQL's work alone, projection by projection, each as soon as a connection is free:
  // one projection builds its indexes while another still merges, and no step waits for the slowest
  // projection's previous one.
  await inLanesDo(
    db,
    loads.map((load, i) => async () => {
      const steps = finishing[i]!;
      // One statement per table or index over the whole log: minutes, not the driver's per-statement seconds, at
      // tens of millions of events.
      await db.transaction(async (q) => {
        // The merges sort and group every staged row: room to do it in memory (per sort, for this transaction only).
        await q(`set local work_mem = '64MB'`, []);
        await load.finish(q);
        for (const statement of [...steps.keys, ...steps.indexes]) await q(statement, []);
        // Analyzed so the first queries after the swap get good plans.
        for (const table of steps.analyze) await q(`analyze ${table}`, []);
      }, { statementTimeoutMs: 15 * 60_000 });
    }),
  );
  await onStep('finished');
  await db.transaction((q) => advanceCheckpoint(q, schema, checkpoint, applied, recordedAt));
  return { checkpoint, applied };
}

/** What a projection's bulk load leaves to do after its merge: add the keys it loaded without, create its indexes, analyze. */
export interface FinishingSteps {
  keys: readonly string[];
  /** One statement each. */
  indexes: readonly string[];
  /** Qualified table names. */
  analyze: readonly string[];
}

/** Waits for every write (none left running behind a failure), then fails with the first failure. */
export async function allDone(writes: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** Runs the scripts on up to two of the driver's connections at once (one after another on PGlite). */
export async function inLanes(db: SqlDriver, scripts: readonly string[]): Promise<void> {
  await inLanesDo(db, scripts.map((script) => () => db.exec(script)));
}

/** Runs the tasks, in order, on up to two of the driver's connections at once (one after another on PGlite). */
export async function inLanesDo(db: SqlDriver, tasks: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await allDone(Array.from({ length: Math.max(1, Math.min(2, db.concurrentTransactionsMax)) }, lane));
}

/**
 * Drops the primary keys of `tables` in `schema` (still empty) and returns the statements that add them back,
 * as they were: a rebuild fills these tables by appends and merges alone, then builds each key in one pass.
 */
export async function detachPrimaryKeys(db: SqlDriver, schema: string, tables: readonly string[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const keys = await db.query<{ relname: string; conname: string; def: string }>(
    `select c.relname, k.conname, pg_get_constraintdef(k.oid) as def
       from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where k.contype = 'p' and n.nspname = $1 and c.relname = any($2::text[])`,
    [schema, [...tables]],
  );
  const table = (relname: string) => `${schema}."${relname.replace(/"/g, '""')}"`;
  const constraint = (name: string) => `"${name.replace(/"/g, '""')}"`;
  if (keys.length > 0) await db.exec(keys.map((k) => `alter table ${table(k.relname)} drop constraint ${constraint(k.conname)};`).join('\n'));
  return keys.map((k) => `alter table ${table(k.relname)} add constraint ${constraint(k.conname)} ${k.def};`);
}
