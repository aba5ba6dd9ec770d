import { randomUUID } from 'node:crypto';
import { escalationTimerActorId } from '#domain';
import { parsePosition, positionToString, type EventToAppend, type JsonObject, type Position, type RecordedEvent } from '#event-store';

/** Where the expiry schedulers keep their snapshots; a start reads only the newest event. */
export const escalationExpirySnapshotStream = 'escalation-expiry-snapshots';
export const escalationExpirySnapshotType = 'EscalationExpirySnapshotTaken';

/**
 * Pending escalations one snapshot holds at most. A gesture id is at most 101 characters (a 64-character
 * employee id, `~`, a UUID), so an entry is at most 118 bytes of JSON, and 2,000 stay under the 256 KiB
 * every store takes in one event (`limits.eventBytesMax`).
 */
export const snapshotPendingMaxDefault = 2_000;

/** What the scheduler knows after folding the log up to `checkpoint`: nothing else. */
export interface EscalationExpirySnapshot {
  checkpoint: Position;
  /** gestureId → when its escalation expires (epoch ms). */
  pending: ReadonlyMap<string, number>;
}

export function snapshotEvent(snapshot: EscalationExpirySnapshot, takenAt: Date): EventToAppend {
  return {
    // Random, not derived from the checkpoint: two instances at one checkpoint may hold different sets (one
    // expired an escalation a moment ago), and the expected revision, not the id, settles which one is kept.
    id: randomUUID(),
    type: escalationExpirySnapshotType,
    schemaVersion: 1,
    data: { checkpoint: positionToString(snapshot.checkpoint), pending: Object.fromEntries(snapshot.pending) },
    metadata: { correlationId: 'escalation-expiry', causationId: null, actor: escalationTimerActorId, recordedAt: takenAt.toISOString() },
  };
}

/** The snapshot an event holds, or null when it holds none this version reads (its reader then folds the whole log). */
export function snapshotOf(event: RecordedEvent): EscalationExpirySnapshot | null {
  if (event.type !== escalationExpirySnapshotType || event.schemaVersion !== 1) return null;
  const { checkpoint, pending } = event.data as { checkpoint?: unknown; pending?: unknown };
  if (typeof checkpoint !== 'string' || pending === null || typeof pending !== 'object' || Array.isArray(pending)) return null;
  const entries = Object.entries(pending as JsonObject);
  if (!entries.every(([, expiresAtMs]) => typeof expiresAtMs === 'number')) return null;
  try {
    return { checkpoint: parsePosition(checkpoint), pending: new Map(entries as Array<[string, number]>) };
  } catch {
    return null;
  }
}
