import { START, type EventStore, type ReadFrom, type SqlDriver } from '#event-store';
import { recordedAtOf } from './apply-batch.js';
import { readCheckpoint } from './checkpoint.js';

export interface ProjectionLag {
  /** The last event the read models include, as `<commit>/<prepare>`, null before the first. */
  checkpoint: string | null;
  head: string | null;
  /**
   * 0 exactly when no event waits. Otherwise an estimate, at least 1: head `prepare` − checkpoint `prepare`.
   * For the SQL adapters `prepare` is the identity sequence number, taken at insert, while the log is ordered
   * by (commit transaction id, `prepare`): sequence numbers burnt by failed appends count as events, and
   * transactions that committed out of their numbers' order make it too high or too low (even below 1, hence
   * the floor). For EventStoreDB it is a distance in its log (bytes).
   */
  eventsBehind: number;
  /** The age (now − `recordedAt`) of the oldest event not yet applied; 0 when none waits. */
  secondsBehind: number;
  eventsApplied: number;
  lastRecordedAt: string | null;
}

function text(p: ReadFrom): string | null {
  return p === START ? null : `${p.commit}/${p.prepare}`;
}

/** Lag of the read models in `schema` behind the head of the log; for status endpoints, metrics and readiness. */
export async function measureLag(store: EventStore, db: SqlDriver, schema: string, now: Date = new Date()): Promise<ProjectionLag> {
  const checkpoint = await db.transaction((query) => readCheckpoint(query, schema, false));
  const position = checkpoint?.position ?? START;
  const [oldestWaiting] = await store.readAll({ from: position, limit: 1 });
  // Read after it, so the head is never older than the event found waiting.
  const head = await store.headPosition();
  let eventsBehind = 0;
  let secondsBehind = 0;
  if (oldestWaiting !== undefined) {
    const headPrepare = head === START ? 0n : head.prepare;
    const appliedPrepare = position === START ? 0n : position.prepare;
    eventsBehind = headPrepare > appliedPrepare ? Number(headPrepare - appliedPrepare) : 1;
    const waitingSince = recordedAtOf(oldestWaiting);
    secondsBehind = waitingSince === null ? 0 : Math.max(0, (now.getTime() - Date.parse(waitingSince)) / 1000);
  }
  return { checkpoint: text(position), head: text(head), eventsBehind, secondsBehind, eventsApplied: checkpoint?.eventsApplied ?? 0, lastRecordedAt: checkpoint?.lastRecordedAt ?? null };
}
