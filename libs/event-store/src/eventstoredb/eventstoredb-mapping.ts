/**
 * Pure translations between the port and EventStoreDB's model. Nothing here calls the server, so every
 * rule the adapter relies on (revision constants, error shapes, metadata layout, exclusive checkpoints,
 * duplicate detection) is unit-tested without one.
 */
import { EventIdConflictError, InvalidAppendError, WrongExpectedRevisionError } from '../errors.js';
import { ANY, NO_STREAM, START, STREAM_EXISTS } from '../port.js';
import type { AppendResult, EventMetadata, EventToAppend, ExpectedRevision, JsonObject, JsonValue, ReadFrom, RecordedEvent } from '../port.js';
import { comparePositions, type Position } from '../position.js';

/** The metadata key under which the event's schema version travels beside our own metadata. */
export const schemaVersionKey = '$schemaVersion';

/** What EventStoreDB calls an expected revision; the client's constants have exactly these values. */
export type EsdbExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;

/** The client's `CurrentRevision`: the revision of the last event, or 'no_stream'. */
export type EsdbCurrentRevision = 'no_stream' | bigint;

/** The fields of the client's recorded event this adapter reads. */
export interface EsdbRecordedEvent {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  isJson: boolean;
  data: unknown;
  metadata: unknown;
  /** Present for every $all read; for stream reads only from EventStoreDB 22.6 on. */
  position?: Position;
}

/** Our expected revision in EventStoreDB's terms. Both are 0-based, so a revision passes through. */
export function toEsdbExpectedRevision(expected: ExpectedRevision): EsdbExpectedRevision {
  switch (expected) {
    case NO_STREAM:
      return 'no_stream';
    case STREAM_EXISTS:
      return 'stream_exists';
    case ANY:
      return 'any';
    default:
      return expected;
  }
}

/**
 * The stream's actual revision from a refused append. The client reports 'no_stream' for a missing
 * stream, and -1 when the append failed without throwing (`throwOnAppendFailure=false`).
 */
export function toActualRevision(current: EsdbCurrentRevision): bigint | typeof NO_STREAM {
  if (current === 'no_stream' || current < 0n) return NO_STREAM;
  return current;
}

/** Our error for the client's `WrongExpectedVersionError`; `expected` is what our caller asked for. */
export function toWrongExpectedRevisionError(stream: string, expected: ExpectedRevision, current: EsdbCurrentRevision): WrongExpectedRevisionError {
  return new WrongExpectedRevisionError(stream, expected, toActualRevision(current));
}

/** The client's command errors carry a `type`; matching on it does not depend on which copy of the client threw. */
export function esdbErrorType(error: unknown): string | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

export function isWrongExpectedVersion(error: unknown): error is { type: 'wrong-expected-version'; actualVersion: EsdbCurrentRevision } {
  return esdbErrorType(error) === 'wrong-expected-version';
}

/**
 * The server gave no answer in time: the write may or may not be in the log. The server's timeouts reach
 * client 6.2.1 as `DeadlineExceededError` (`Status.Timeout`, gRPC DEADLINE_EXCEEDED) or `TimeoutError` (ABORTED).
 */
export function isTimedOut(error: unknown): boolean {
  const type = esdbErrorType(error);
  return type === 'deadline-exceeded' || type === 'timeout';
}

/** A read of a stream that does not exist, or was deleted, finds nothing. */
export function isMissingStream(error: unknown): boolean {
  const type = esdbErrorType(error);
  return type === 'stream-not-found' || type === 'stream-deleted';
}

export function isMaxAppendSizeExceeded(error: unknown): error is { type: 'maximum-append-size-exceeded'; maxAppendSize: number } {
  return esdbErrorType(error) === 'maximum-append-size-exceeded';
}

/**
 * EventStoreDB reserves `$` for its own streams and event types, and the adapter filters them out of
 * `readAll` and subscriptions: an event written there would never be seen again, so it is refused.
 */
export function assertEsdbAppendable(stream: string, events: EventToAppend[]): void {
  if (stream.startsWith('$')) throw new InvalidAppendError('stream', 'must not start with "$": EventStoreDB reserves it for system streams');
  events.forEach((event, i) => {
    if (event.type.startsWith('$')) throw new InvalidAppendError(`events[${i}].type`, 'must not start with "$": EventStoreDB reserves it for system events');
    if (Object.hasOwn(event.metadata, schemaVersionKey)) throw new InvalidAppendError(`events[${i}].metadata.${schemaVersionKey}`, 'reserved for the schema version');
  });
}

/** The event's metadata as stored: ours, plus the schema version. */
export function toEsdbMetadata(event: Pick<EventToAppend, 'schemaVersion' | 'metadata'>): JsonObject {
  return { ...event.metadata, [schemaVersionKey]: event.schemaVersion };
}

/** Splits stored metadata back into the schema version and our metadata; anything else was not written here. */
export function fromEsdbMetadata(stored: unknown, eventId: string): { schemaVersion: number; metadata: EventMetadata } {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored) || stored instanceof Uint8Array) {
    throw new Error(`EventStoreDB event ${eventId} has no JSON metadata: it was not written by this adapter`);
  }
  const { [schemaVersionKey]: schemaVersion, ...metadata } = stored as Record<string, unknown>;
  if (typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion) || schemaVersion < 1) {
    throw new Error(`EventStoreDB event ${eventId} has no ${schemaVersionKey} in its metadata: it was not written by this adapter`);
  }
  return { schemaVersion, metadata: metadata as EventMetadata };
}

/** Older servers report "no position" in stream reads as the largest unsigned 64-bit number. */
const unknownPosition = 2n ** 64n - 1n;

export function toRecordedEvent(event: EsdbRecordedEvent): RecordedEvent {
  if (!event.isJson || event.data === null || typeof event.data !== 'object' || Array.isArray(event.data)) {
    throw new Error(`EventStoreDB event ${event.id} in ${event.streamId} is not a JSON object: it was not written by this adapter`);
  }
  if (!event.position || event.position.commit === unknownPosition || event.position.prepare === unknownPosition) {
    throw new Error(`EventStoreDB returned no log position for event ${event.id} in ${event.streamId}: the adapter needs EventStoreDB 22.6 or later`);
  }
  const { schemaVersion, metadata } = fromEsdbMetadata(event.metadata, event.id);
  return {
    id: event.id.toLowerCase(),
    type: event.type,
    schemaVersion,
    data: event.data as JsonObject,
    metadata,
    streamName: event.streamId,
    revision: event.revision,
    position: { commit: event.position.commit, prepare: event.position.prepare },
  };
}

/**
 * Events of the log that belong to the application: not system events (`$` types, such as `$metadata`,
 * link events `$>` and statistics) and not in system streams (`$` names). Same rule as the server-side
 * `excludeSystemEvents()` filter, plus the stream check, applied client-side where the client offers no filter.
 */
export function isApplicationEvent(event: Pick<EsdbRecordedEvent, 'type' | 'streamId'>): boolean {
  return !event.type.startsWith('$') && !event.streamId.startsWith('$');
}

/**
 * Our checkpoints are exclusive (the position of the last handled event) while EventStoreDB's `readAll`
 * starts AT the given position: the event at the checkpoint comes back first and must be dropped.
 */
export function isAfter(position: Position, from: ReadFrom): boolean {
  return from === START || comparePositions(position, from) > 0;
}

/** Equality of two JSON values, ignoring key order (the server may not keep it). */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]!));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key]!, b[key]!));
}

/** Idempotency compares what the event says, never who sent it: type, schema version and data. */
export function sameContent(proposed: EventToAppend, stored: RecordedEvent): boolean {
  return proposed.type === stored.type && proposed.schemaVersion === stored.schemaVersion && jsonEqual(proposed.data, stored.data);
}

export type RetryCheck =
  | { kind: 'new' }
  | { kind: 'duplicate'; result: AppendResult }
  | { kind: 'conflict'; eventId: string; reason: 'different_content' | 'partial_retry' };

/**
 * Decides what an append is, given those of its ids already found in the stream: new (none found),
 * a retry of an append that succeeded (all found, same content: its original result), or a conflict
 * (an id with other content, or only some of the ids).
 */
export function classifyRetry(events: EventToAppend[], found: ReadonlyMap<string, RecordedEvent>): RetryCheck {
  const stored = events.map((event) => found.get(event.id.toLowerCase()));
  const changed = events.find((event, i) => stored[i] !== undefined && !sameContent(event, stored[i]!));
  if (changed) return { kind: 'conflict', eventId: changed.id, reason: 'different_content' };
  const present = stored.filter((event): event is RecordedEvent => event !== undefined);
  if (present.length === 0) return { kind: 'new' };
  if (present.length < events.length) return { kind: 'conflict', eventId: present[0]!.id, reason: 'partial_retry' };
  const last = present.reduce((a, b) => (b.revision > a.revision ? b : a));
  return { kind: 'duplicate', result: { nextExpectedRevision: last.revision, position: last.position } };
}

export function retryError(stream: string, check: Extract<RetryCheck, { kind: 'conflict' }>): EventIdConflictError {
  return new EventIdConflictError(stream, check.eventId, check.reason);
}

/**
 * Event ids are unique per stream in EventStoreDB, not across the log. To keep the port's promise that an
 * id used in one stream is refused in another, the first append of an id claims it by writing the owning
 * stream into the metadata of a stream named after the id (a `$$` metastream, so the claim is a system
 * event that never shows in `readAll` or subscriptions).
 */
export interface EventIdClaim {
  ownerStream: string;
}

export function claimStreamOf(prefix: string, eventId: string): string {
  return `${prefix}${eventId.toLowerCase()}`;
}

/** The stream that owns a claim, from the claim stream's metadata; undefined if it holds no claim. */
export function claimOwner(metadata: unknown): string | undefined {
  const owner = (metadata as Partial<EventIdClaim> | undefined)?.ownerStream;
  return typeof owner === 'string' ? owner : undefined;
}

/** An item of a `$all` read or subscription: its position, and our event if it is an application event. */
export function decodeAllStreamItem(item: unknown): { position: Position; event: RecordedEvent | null } | null {
  const event = (item as { event?: EsdbRecordedEvent } | null)?.event;
  if (!event?.position) return null;
  return { position: event.position, event: isApplicationEvent(event) ? toRecordedEvent(event) : null };
}
