import { describe, expect, it } from '@jest/globals';
import { DeadlineExceededError, StreamDeletedError, StreamNotFoundError, TimeoutError, WrongExpectedVersionError } from '@eventstore/db-client';
import { EventIdConflictError, InvalidAppendError, WrongExpectedRevisionError } from '../errors.js';
import { deterministicEventId } from '../event-id.js';
import { ANY, NO_STREAM, START, STREAM_EXISTS, type EventToAppend, type RecordedEvent } from '../port.js';
import {
  assertEsdbAppendable,
  claimOwner,
  claimStreamOf,
  classifyRetry,
  decodeAllStreamItem,
  fromEsdbMetadata,
  isAfter,
  isApplicationEvent,
  isMissingStream,
  isTimedOut,
  isWrongExpectedVersion,
  jsonEqual,
  retryError,
  schemaVersionKey,
  toEsdbExpectedRevision,
  toEsdbMetadata,
  toRecordedEvent,
  toWrongExpectedRevisionError,
  type EsdbRecordedEvent,
} from './eventstoredb-mapping.js';

const metadata = { correlationId: 'corr-1', causationId: null, actor: 'till-7', recordedAt: '2026-11-23T12:00:00.000Z' };

function event(n: number, data: EventToAppend['data'] = { n }): EventToAppend {
  return { id: deterministicEventId(`mapping/${n}`), type: 'GestureGranted', schemaVersion: 2, data, metadata };
}

function stored(e: EventToAppend, revision: bigint, overrides: Partial<EsdbRecordedEvent> = {}): EsdbRecordedEvent {
  return {
    streamId: 'till-7',
    id: e.id,
    revision,
    type: e.type,
    isJson: true,
    data: JSON.parse(JSON.stringify(e.data)),
    metadata: JSON.parse(JSON.stringify(toEsdbMetadata(e))),
    position: { commit: 1000n + revision * 10n, prepare: 1000n + revision * 10n },
    ...overrides,
  };
}

describe('expected revisions', () => {
  it.each([
    [NO_STREAM, 'no_stream'],
    [STREAM_EXISTS, 'stream_exists'],
    [ANY, 'any'],
    [0n, 0n],
    [41n, 41n],
  ] as const)('maps %p to EventStoreDB %p (both 0-based)', (ours, theirs) => {
    expect(toEsdbExpectedRevision(ours)).toBe(theirs);
  });
});

describe('wrong expected version', () => {
  it('maps the client error with actualVersion "no_stream" to actual no_stream, keeping what our caller expected', () => {
    const error = new WrongExpectedVersionError(undefined, { streamName: 'till-7', expected: 3n, current: 'no_stream' });
    expect(isWrongExpectedVersion(error)).toBe(true);
    const ours = toWrongExpectedRevisionError('till-7', 3n, error.actualVersion);
    expect(ours).toBeInstanceOf(WrongExpectedRevisionError);
    expect(ours).toMatchObject({ stream: 'till-7', expected: 3n, actual: 'no_stream' });
  });

  it('keeps a bigint actual revision', () => {
    const error = new WrongExpectedVersionError(undefined, { streamName: 'till-7', expected: 'no_stream', current: 4n });
    expect(toWrongExpectedRevisionError('till-7', NO_STREAM, error.actualVersion)).toMatchObject({ expected: NO_STREAM, actual: 4n });
  });

  it('reads -1 (an append refused without throwing) as no_stream', () => {
    expect(toWrongExpectedRevisionError('s', STREAM_EXISTS, -1n).actual).toBe('no_stream');
  });

  it('tells the client errors apart by type', () => {
    expect(isWrongExpectedVersion(new StreamNotFoundError(undefined, 'x'))).toBe(false);
    expect(isMissingStream(new StreamNotFoundError(undefined, 'x'))).toBe(true);
    expect(isMissingStream(StreamDeletedError.fromStreamName('x'))).toBe(true);
    expect(isMissingStream(new Error('stream-not-found'))).toBe(false);
    expect(isTimedOut(new DeadlineExceededError())).toBe(true);
    expect(isTimedOut(new TimeoutError())).toBe(true);
    expect(isTimedOut(new StreamNotFoundError(undefined, 'x'))).toBe(false);
  });
});

describe('metadata and schema version', () => {
  it('stores the schema version beside our metadata and reads both back', () => {
    const e = event(1);
    const onTheWire = JSON.parse(JSON.stringify(toEsdbMetadata(e)));
    expect(onTheWire[schemaVersionKey]).toBe(2);
    expect(fromEsdbMetadata(onTheWire, e.id)).toEqual({ schemaVersion: 2, metadata });
  });

  it('round-trips a whole recorded event, lower-casing the id the server returns', () => {
    const e = event(1, { amountMinor: 500, nested: { list: [1, 'two', null] } });
    const recorded = toRecordedEvent(stored(e, 3n, { id: e.id.toUpperCase() }));
    expect(recorded).toEqual({ ...e, streamName: 'till-7', revision: 3n, position: { commit: 1030n, prepare: 1030n } });
    expect(recorded.metadata).not.toHaveProperty(schemaVersionKey);
  });

  it('refuses events this adapter did not write', () => {
    const e = event(1);
    expect(() => fromEsdbMetadata({ correlationId: 'x' }, e.id)).toThrow(/\$schemaVersion/);
    expect(() => fromEsdbMetadata(new Uint8Array([1]), e.id)).toThrow(/no JSON metadata/);
    expect(() => toRecordedEvent(stored(e, 0n, { isJson: false, data: new Uint8Array([1]) }))).toThrow(/not a JSON object/);
  });

  it('refuses a stream read without a real log position (servers before 22.6)', () => {
    const e = event(1);
    expect(() => toRecordedEvent(stored(e, 0n, { position: undefined }))).toThrow(/22\.6/);
    expect(() => toRecordedEvent(stored(e, 0n, { position: { commit: 2n ** 64n - 1n, prepare: 5n } }))).toThrow(/22\.6/);
  });
});

describe('appendable input', () => {
  it('refuses $-prefixed streams and types and a reserved metadata key, naming the field', () => {
    const fieldOf = (f: () => void) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidAppendError);
        return (error as InvalidAppendError).field;
      }
      throw new Error('expected a refusal');
    };
    expect(fieldOf(() => assertEsdbAppendable('$ce-till', [event(0)]))).toBe('stream');
    expect(fieldOf(() => assertEsdbAppendable('till-7', [event(0), { ...event(1), type: '$metadata' }]))).toBe('events[1].type');
    expect(fieldOf(() => assertEsdbAppendable('till-7', [{ ...event(0), metadata: { ...metadata, [schemaVersionKey]: 9 } }]))).toBe('events[0].metadata.$schemaVersion');
    expect(() => assertEsdbAppendable('till-7', [event(0)])).not.toThrow();
  });
});

describe('the log: system events and exclusive checkpoints', () => {
  it('keeps application events only', () => {
    expect(isApplicationEvent({ type: 'GestureGranted', streamId: 'till-7' })).toBe(true);
    expect(isApplicationEvent({ type: '$metadata', streamId: '$$till-7' })).toBe(false);
    expect(isApplicationEvent({ type: '$>', streamId: '$ce-till' })).toBe(false);
    expect(isApplicationEvent({ type: 'Emitted', streamId: '$projections-x' })).toBe(false);
  });

  it('drops the event at the checkpoint (readAll starts at it) and keeps the ones after', () => {
    const checkpoint = { commit: 200n, prepare: 200n };
    expect(isAfter({ commit: 200n, prepare: 200n }, checkpoint)).toBe(false);
    expect(isAfter({ commit: 150n, prepare: 150n }, checkpoint)).toBe(false);
    expect(isAfter({ commit: 200n, prepare: 230n }, checkpoint)).toBe(true);
    expect(isAfter({ commit: 201n, prepare: 201n }, checkpoint)).toBe(true);
    expect(isAfter({ commit: 0n, prepare: 0n }, START)).toBe(true);
  });

  it('decodes a $all item into its position and, for application events only, our event', () => {
    const e = event(1);
    const ours = decodeAllStreamItem({ event: stored(e, 0n) });
    expect(ours?.event?.id).toBe(e.id);
    const system = decodeAllStreamItem({ event: { ...stored(e, 0n), type: '$statsCollected', streamId: '$stats-1', metadata: undefined, isJson: true } });
    expect(system).toEqual({ position: { commit: 1000n, prepare: 1000n }, event: null });
    expect(decodeAllStreamItem({ link: {} })).toBeNull();
  });
});

describe('idempotency', () => {
  const asRecorded = (e: EventToAppend, revision: bigint): RecordedEvent => toRecordedEvent(stored(e, revision));
  const foundMap = (...entries: RecordedEvent[]) => new Map(entries.map((r) => [r.id, r]));

  it('compares JSON regardless of key order, but not of values or array order', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: '1' }, { a: 1 })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
  });

  it('calls an append new when none of its ids is in the stream', () => {
    expect(classifyRetry([event(0), event(1)], new Map())).toEqual({ kind: 'new' });
  });

  it('returns the original result (last revision, its position) for a full repeat, even after the stream moved on', () => {
    const events = [event(0), event(1)];
    const check = classifyRetry(events, foundMap(asRecorded(events[0]!, 4n), asRecorded(events[1]!, 5n)));
    expect(check).toEqual({ kind: 'duplicate', result: { nextExpectedRevision: 5n, position: { commit: 1050n, prepare: 1050n } } });
  });

  it('ignores metadata (who sent it) when comparing', () => {
    const original = event(0);
    const retry = { ...original, metadata: { ...metadata, correlationId: 'corr-2' } };
    expect(classifyRetry([retry], foundMap(asRecorded(original, 0n))).kind).toBe('duplicate');
  });

  it('refuses the same id with other data, type or schema version', () => {
    const original = event(0, { amountMinor: 100 });
    for (const changed of [{ ...original, data: { amountMinor: 999 } }, { ...original, type: 'Other' }, { ...original, schemaVersion: 3 }]) {
      const check = classifyRetry([event(5), changed], foundMap(asRecorded(original, 0n)));
      expect(check).toEqual({ kind: 'conflict', eventId: original.id, reason: 'different_content' });
    }
  });

  it('refuses a retry that finds only some of its ids', () => {
    const events = [event(0), event(1)];
    const check = classifyRetry(events, foundMap(asRecorded(events[1]!, 7n)));
    expect(check).toEqual({ kind: 'conflict', eventId: events[1]!.id, reason: 'partial_retry' });
    if (check.kind !== 'conflict') throw new Error('unreachable');
    expect(retryError('till-7', check)).toEqual(new EventIdConflictError('till-7', events[1]!.id, 'partial_retry'));
  });
});

describe('event id claims', () => {
  it('names one claim stream per id and reads its owner back', () => {
    const id = deterministicEventId('claim');
    expect(claimStreamOf('gl-event-id-', id.toUpperCase())).toBe(`gl-event-id-${id}`);
    expect(claimOwner({ ownerStream: 'till-7' })).toBe('till-7');
    expect(claimOwner({ maxAge: 5 })).toBeUndefined();
    expect(claimOwner(undefined)).toBeUndefined();
  });
});
