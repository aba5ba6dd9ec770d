import { START, type ReadFrom, type SqlDriver } from '#event-store';
import type { BulkLoad, Projection, Query } from '../projection.js';
import { lastRecordedAt } from './apply-batch.js';
import { advanceCheckpoint } from './checkpoint.js';
import type { ReadAhead } from './read-ahead.js';

/** The bulk loads of `projections`, or null when one of them has none (the rebuild then applies batches like the live path). */
export function bulkLoadsOf(projections: readonly Projection[], schema: string): BulkLoad[] | null {
  if (!projections.every((p) => p.bulkLoad !== undefined)) return null;
  return projections.map((p) => p.bulkLoad!(schema));
}

/**
 * Loads the whole log into a fresh rebuild schema through the projections' bulk loads: batch n+1 is read
 * (read ahead) and folded in Node while batch n's appends run in PostgreSQL; a batch's writes start only
 * when the previous batch's are done, so the projections see their writes in log order. Then the
 * projections merge their staging side by side, and the checkpoint moves to the last event. Nothing here
 * is visible before the swap, and a failure abandons the whole schema (the caller drops it), so neither a
 * batch nor the merges need to share a transaction with the checkpoint.
 */
export async function loadInBulk(
  db: SqlDriver,
  schema: string,
  loads: readonly BulkLoad[],
  reader: ReadAhead,
  batchSize: number,
  onBatch: (applied: number) => void,
): Promise<{ checkpoint: ReadFrom; applied: number }> {
  const staging = loads.map((l) => l.stagingSql).filter((sql) => sql !== '');
  if (staging.length > 0) await db.exec(staging.join('\n'));
  const query: Query = (text, params) => db.query(text, params);
  let checkpoint: ReadFrom = START;
  let applied = 0;
  let recordedAt: string | null = null;
  let writing: Promise<unknown> = Promise.resolve();
  try {
    for (let batch = 0; ; batch++) {
      const events = await reader.next(checkpoint);
      if (events.length === 0) break;
      const writes = loads.map((l) => l.fold(events, batch));
      await writing;
      writing = allDone(writes.map((write) => write(query)));
      writing.catch(() => undefined);
      checkpoint = events[events.length - 1]!.position;
      applied += events.length;
      recordedAt = lastRecordedAt(events) ?? recordedAt;
      onBatch(applied);
      if (events.length < batchSize) break;
    }
    await writing;
  } catch (error) {
    // Let the writes still running end before the caller drops the schema under them.
    await Promise.allSettled([writing]);
    throw error;
  }
  // Each projection merges in a transaction of its own, side by side on the pool's connections.
  await allDone(
    loads.map((load) =>
      db.transaction(async (q) => {
        // The merges sort and group every staged row: room to do it in memory (per sort, for this transaction only).
        await q(`set local work_mem = '64MB'`, []);
        // One statement per table over the whole log: minutes, not the driver's per-statement seconds, at tens of millions of events.
        await q(`set local statement_timeout = '15min'`, []);
        await load.finish(q);
      }),
    ),
  );
  await db.transaction((q) => advanceCheckpoint(q, schema, checkpoint, applied, recordedAt));
  return { checkpoint, applied };
}

/** Waits for every write (none left running behind a failure), then fails with the first failure. */
export async function allDone(writes: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** Runs the scripts on up to two of the driver's connections at once (one after another on PGlite). */
export async function inLanes(db: SqlDriver, scripts: readonly string[]): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < scripts.length) await db.exec(scripts[next++]!);
  };
  await allDone(Array.from({ length: Math.max(1, Math.min(2, db.concurrentTransactionsMax)) }, lane));
}
