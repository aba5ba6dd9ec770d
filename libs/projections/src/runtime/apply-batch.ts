import { comparePositions, START, type ReadFrom, type RecordedEvent, type SqlDriver } from '#event-store';
import type { Projection, Query } from '../projection.js';
import { advanceCheckpoint, readCheckpoint, sameVersions, versionsOf } from './checkpoint.js';

/**
 * What happened to one batch: applied (the checkpoint is now `checkpoint`), or `resync` when the stored
 * checkpoint is not where the batch was read from (another instance got there first, or a rebuild was
 * swapped in): the caller reads again from the stored checkpoint. `outdated` when the read models were built
 * for other projection versions (`versions`) than the caller's: nothing was applied, and no batch of the
 * caller's ever will be (a rebuild for an upgrade swapped in under a process still running the old code).
 */
export type BatchOutcome =
  | { kind: 'applied'; checkpoint: ReadFrom; applied: number }
  | { kind: 'resync'; checkpoint: ReadFrom }
  | { kind: 'outdated'; versions: Record<string, number> };

/** Whether `position` lies strictly after `from`. */
export function isAfter(position: ReadFrom, from: ReadFrom): boolean {
  if (position === START) return false;
  return from === START || comparePositions(position, from) > 0;
}

export function recordedAtOf(event: RecordedEvent): string | null {
  const at = event.metadata?.recordedAt;
  return typeof at === 'string' ? at : null;
}

/**
 * Applies one batch read after `readFrom` in ONE transaction: locks the checkpoint row, checks that the read
 * models were built for these projections' versions, drops the events at or before the stored checkpoint,
 * lets every projection fold the rest, and moves the checkpoint. A crash
 * anywhere rolls all of it back together; a concurrent instance waits on the row lock and then drops what
 * this one applied.
 */
export async function applyBatch(db: SqlDriver, schema: string, projections: readonly Projection[], events: readonly RecordedEvent[], readFrom: ReadFrom): Promise<BatchOutcome> {
  return db.transaction(async (query: Query) => {
    // Losing the last commits in a crash loses their checkpoint with them, so they are simply applied
    // again: read models can skip the wait for the WAL flush.
    await query('set local synchronous_commit = off', []);
    const stored = await readCheckpoint(query, schema, true);
    if (stored === null) throw new Error(`no checkpoint in schema ${schema}`);
    // Checked on the row this transaction has just locked, whose versions nothing changes (they are written
    // once, with their schema; a swap waits for this lock): no statement of its own, and no fold to undo.
    if (!sameVersions(stored.versions, versionsOf(projections))) return { kind: 'outdated', versions: stored.versions };
    const last = events[events.length - 1]!.position;
    // Behind where this batch starts (a rebuild swapped in a slightly older checkpoint), or past its end.
    if (isAfter(readFrom, stored.position) || !isAfter(last, stored.position)) return { kind: 'resync', checkpoint: stored.position };
    const fresh = events.filter((e) => isAfter(e.position, stored.position));
    for (const projection of projections) await projection.apply(fresh, query, schema);
    await advanceCheckpoint(query, schema, last, fresh.length, lastRecordedAt(fresh));
    return { kind: 'applied', checkpoint: last, applied: fresh.length };
  });
}

export function lastRecordedAt(events: readonly RecordedEvent[]): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const at = recordedAtOf(events[i]!);
    if (at !== null) return at;
  }
  return null;
}
