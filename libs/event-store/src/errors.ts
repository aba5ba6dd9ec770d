import type { ExpectedRevision } from './port.js';

/** The stream was not at the revision the caller expected; `actual` is 'no_stream' for a missing stream. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** An event id was appended before with other content or to another stream: never overwritten. */
export class EventIdConflictError extends Error {
  override readonly name = 'EventIdConflictError';
  constructor(
    readonly stream: string,
    readonly eventId: string,
    readonly reason: 'different_content' | 'other_stream' | 'partial_retry',
  ) {
    super(`stream ${stream}: event id ${eventId} already used (${reason})`);
  }
}

/** The caller passed something the store cannot accept; nothing was written. */
export class InvalidAppendError extends Error {
  override readonly name = 'InvalidAppendError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** The bounded queue of pending appends is full (by count or by bytes): the caller should back off and retry. */
export class EventStoreOverloadedError extends Error {
  override readonly name = 'EventStoreOverloadedError';
  constructor(
    readonly queuedAppends: number,
    readonly queuedBytes: number,
  ) {
    super(`event store overloaded: ${queuedAppends} appends (${queuedBytes} bytes) already queued`);
  }
}

/**
 * The database gave no answer within the client's deadline: the connection died silently (its host gone, a
 * NAT or firewall dropping the flow) or the server is stalled. The connection is dropped, never reused. Like
 * any connection lost mid-append, an append it carried may or may not have been written: retried with the
 * same event ids, it is written once, or found written.
 */
export class EventStoreTimeoutError extends Error {
  override readonly name = 'EventStoreTimeoutError';
  constructor(
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`no answer from the database within ${timeoutMs} ms: connection dropped; an append in flight may have been written, retry it with the same event ids`, options);
  }
}

/**
 * The embedded database's data directory is open already, by another process or by this one: a second PGlite
 * on it would write over the first one's files and lose acknowledged commits.
 */
export class DataDirectoryInUseError extends Error {
  override readonly name = 'DataDirectoryInUseError';
  constructor(
    readonly dataDir: string,
    message: string,
  ) {
    super(message);
  }
}
