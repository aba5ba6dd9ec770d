import { START, type EventStore, type ReadFrom, type SqlDriver } from '#event-store';
import { readCheckpoint } from './checkpoint.js';

export interface ProjectionLag {
  /** The last event the read models include, as `<commit>/<prepare>`, null before the first. */
  checkpoint: string | null;
  head: string | null;
  /**
   * For the SQL adapters a position's `prepare` is the global sequence number, so this is the number of
   * events not yet applied; for EventStoreDB it is a distance in its log (bytes), still 0 when caught up.
   */
  eventsBehind: number;
  /** Now minus the `recordedAt` of the last event applied when behind, else 0. */
  secondsBehind: number;
  eventsApplied: number;
  lastRecordedAt: string | null;
}

function text(p: ReadFrom): string | null {
  return p === START ? null : `${p.commit}/${p.prepare}`;
}

/** Lag of the read models in `schema` behind the head of the log; for status endpoints, metrics and readiness. */
export async function measureLag(store: EventStore, db: SqlDriver, schema: string, now: Date = new Date()): Promise<ProjectionLag> {
  const [head, checkpoint] = await Promise.all([store.headPosition(), db.transaction((query) => readCheckpoint(query, schema, false))]);
  const position = checkpoint?.position ?? START;
  const headPrepare = head === START ? 0n : head.prepare;
  const appliedPrepare = position === START ? 0n : position.prepare;
  const eventsBehind = headPrepare > appliedPrepare ? Number(headPrepare - appliedPrepare) : 0;
  const last = checkpoint?.lastRecordedAt ?? null;
  const secondsBehind = eventsBehind > 0 && last !== null ? Math.max(0, (now.getTime() - Date.parse(last)) / 1000) : 0;
  return { checkpoint: text(position), head: text(head), eventsBehind, secondsBehind, eventsApplied: checkpoint?.eventsApplied ?? 0, lastRecordedAt: last };
}
