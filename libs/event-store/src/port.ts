/**
 * The event store port: every service appends to and reads from the log through this interface only.
 * Adapters (embedded PGlite, PostgreSQL, EventStoreDB) live in sibling folders and all pass
 * the same contract suite (`testing/event-store-contract.ts`).
 */
import type { LogPartition } from './log-partition.js';
import type { Position } from './position.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who caused an event and why it was appended; stored beside the data, never used for idempotency. */
export interface EventMetadata {
  /** Ties together every event caused by one incoming request or message. */
  correlationId: string;
  /** The id of the message or event that caused this one; null for an original request. */
  causationId: string | null;
  /** The authenticated subject (employee, till or system) on whose behalf the event was appended. */
  actor: string;
  /** Server time at which the command was accepted (ISO-8601, UTC). */
  recordedAt: string;
  [key: string]: JsonValue;
}

export interface EventToAppend {
  /** A deterministic UUID derived from the caller's idempotency key (see `deterministicEventId`). */
  id: string;
  type: string;
  schemaVersion: number;
  data: JsonObject;
  metadata: EventMetadata;
}

export interface RecordedEvent extends EventToAppend {
  streamName: string;
  /** 0-based position of the event inside its stream. */
  revision: bigint;
  /** Position in the global log; checkpoints are positions. */
  position: Position;
}

/** Expected-revision constants, shared by every adapter. */
export const NO_STREAM = 'no_stream' as const;
export const STREAM_EXISTS = 'stream_exists' as const;
export const ANY = 'any' as const;
export type ExpectedRevision = typeof NO_STREAM | typeof STREAM_EXISTS | typeof ANY | bigint;

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event now in the stream; pass it as `expectedRevision` for the next append. */
  nextExpectedRevision: bigint;
  /** Global position of the last appended event. */
  position: Position;
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive); 0 by default. */
  fromRevision?: bigint;
  /** At most this many events; the adapter's `maxReadCount` by default. */
  maxCount?: number;
}

/** `START` reads the log from its beginning; a position reads strictly after that checkpoint. */
export const START = 'start' as const;
export type ReadFrom = typeof START | Position;

export interface ReadAllOptions {
  from: ReadFrom;
  limit: number;
  /** Only the events of streams in this share of the log (all of them when absent). */
  partition?: LogPartition;
}

export interface SubscribeOptions {
  from: ReadFrom;
  /** Largest batch handed to the consumer at once. */
  maxBatchSize?: number;
  /** Only the events of streams in this share of the log (all of them when absent). */
  partition?: LogPartition;
}

/**
 * What a subscription yields: batches of events in global order, and a `caught_up` marker each time
 * it has delivered everything committed when it looked (it then waits for new events).
 */
export type SubscriptionMessage =
  | { kind: 'events'; events: RecordedEvent[]; checkpoint: Position }
  | { kind: 'caught_up'; checkpoint: ReadFrom };

export interface Subscription extends AsyncIterable<SubscriptionMessage> {
  /** Ends the iteration; resolves once no read is in flight. */
  stop(): Promise<void>;
}

export interface EventStore {
  /**
   * Appends `events` atomically to `stream` if its revision matches `expectedRevision`.
   * Idempotent: when every event id is already in the stream with the same type, version and data,
   * returns the original result and writes nothing. Throws `WrongExpectedRevisionError`,
   * `EventIdConflictError` (an id reused with other content, or in another stream) or
   * `InvalidAppendError` (bad input; nothing is written).
   */
  appendToStream(stream: string, events: EventToAppend[], options: AppendOptions): Promise<AppendResult>;

  /** The stream's events in revision order; an empty array for a stream that does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /**
   * The stream's newest event, or null for a stream that does not exist: one indexed read however long
   * the stream, for streams whose last event is all a reader needs (a snapshot).
   */
  readLastEvent(stream: string): Promise<RecordedEvent | null>;

  /**
   * The event of `stream` with id `eventId`, or null when the stream holds no such event (an id that is
   * not a UUID included): one indexed read on SQL, however long the stream. EventStoreDB looks the id's
   * claim up first, so an id never appended to the stream costs one read there too.
   */
  readEvent(stream: string, eventId: string): Promise<RecordedEvent | null>;

  /**
   * Up to `limit` events after `from`, in global order. Never returns an event while an earlier one
   * may still commit, so a reader that checkpoints the last position it saw can never skip one.
   */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;

  /** Catch-up then live subscription to the whole log, resumable from a stored checkpoint. */
  subscribeToAll(options: SubscribeOptions): Subscription;

  /** Position of the newest committed event, or `START` for an empty log (for lag). */
  headPosition(): Promise<ReadFrom>;

  /**
   * Whether processes other than this one may append (a PostgreSQL or EventStoreDB server: replicas, jobs).
   * False for the embedded database, which one process holds: a state this process folded and kept is then
   * never behind the stream, and need not be checked against it before being trusted without an append.
   */
  readonly sharedWithOtherProcesses: boolean;

  /** Releases connections; pending appends are completed first. */
  close(): Promise<void>;
}
