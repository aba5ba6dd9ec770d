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

/** The bounded queue of pending appends is full: the caller should back off and retry. */
export class EventStoreOverloadedError extends Error {
  override readonly name = 'EventStoreOverloadedError';
  constructor(readonly queuedAppends: number) {
    super(`event store overloaded: ${queuedAppends} appends already queued`);
  }
}
