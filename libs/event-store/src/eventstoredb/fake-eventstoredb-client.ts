/**
 * For tests only: an in-memory stand-in for `@eventstore/db-client` 6.x talking to EventStoreDB 23.10+ /
 * KurrentDB, so the contract suite can exercise the adapter's own logic (claims, retries, paging past
 * system events, exclusive checkpoints, batching) where no server can run. It proves nothing about the
 * server itself; `eventstoredb.int.spec.ts` against a real one does. Each rule below was checked against
 * the client's code in node_modules/@eventstore/db-client/dist and the server's source; where the real
 * behaviour varies (between versions, or with timing), the stand-in takes the less convenient reading.
 *
 * - Positions. Every gRPC append writes each event as its own committed record
 *   (`PrepareFlags.Data | PrepareFlags.IsCommitted` in StorageWriterService), so an event's position is
 *   {commit: p, prepare: p} with p its byte offset in the log, the same in `$all` and stream reads
 *   (`ResolvedEvent.CalculatePosition`). Offsets are not consecutive. The server refuses a position whose
 *   commit is below its prepare (`Position` constructor), and so does the stand-in.
 * - `readAll` includes the record at `fromPosition` forwards (the server reads records at or after it)
 *   and, unlike the server, backwards too. The client sends no filter with it (readAll.js `setNoFilter`).
 * - `subscribeToAll` starts strictly after `fromPosition`, applies the client's filter object
 *   (`excludeSystemEvents()` is `{ filterOn: 'eventType', regex: '^[^$].*' }`, filter.js), and emits
 *   `caughtUp` as a plain event from the subscription's transform (Subscription.js), possibly while
 *   earlier events sit unread in the buffer. Like the server from 23.10, it says `fellBehind` when it
 *   cannot keep up live, and `caughtUp` again once it has.
 * - Appends follow the server's commit check (IndexWriter.CheckCommit): a retry with a revision is
 *   idempotent when the ids sit right after that revision; with `any` / `stream_exists` when all ids are
 *   in the stream; only some of them is a wrong expected version (CorruptedIdempotency); ids are compared,
 *   never content. An idempotent answer carries the original last revision and no position.
 * - A repeat whose original is written but not yet in the stream's index (`isReplicated` in CheckCommit:
 *   the index trails the writer) is IdempotentNotReady: StorageWriterService drops the write without an
 *   answer ("wait for the client to retry"), so the request times out and batch append reports
 *   `Status.Timeout` (Streams.BatchAppend.cs), which the client throws as `DeadlineExceededError`
 *   (unpackError.js). The stand-in indexes a write one event-loop turn after it, and times out after
 *   `commitTimeoutMs`.
 * - A refused append throws `WrongExpectedVersionError` with `actualVersion` 'no_stream' or a bigint
 *   (CommandError.js `fromWrongExpectedVersion`). With `throwOnAppendFailure: false` it resolves
 *   `{ success: false }` instead, with the `nextExpectedRevision` client 6.2.1's batch append computes:
 *   -1n for a missing stream and, through a bug (batchAppend.js:28-29, `BigInt(hasCurrentStreamRevision())`),
 *   1n for any existing one.
 * - A successful append reports its write's first position, not its last event's.
 * - Reading a missing stream fails on iteration with `StreamNotFoundError` (ReadStream.js).
 * - System events (`$stats`, `$$` metadata) are interleaved with application events.
 */
import { randomUUID } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { DeadlineExceededError, StreamNotFoundError, WrongExpectedVersionError } from '@eventstore/db-client';
import { comparePositions, positionToString, type Position } from '../position.js';
import type { EventStoreDbClient } from './eventstoredb-client.js';

interface StoredRecord {
  streamId: string;
  id: string;
  type: string;
  revision: bigint;
  data: string;
  metadata: string | undefined;
  position: Position;
}

interface ProposedEvent {
  id: string;
  type: string;
  data: unknown;
  metadata?: unknown;
}

type ReadPosition = 'start' | 'end' | Position;
type Expected = 'any' | 'no_stream' | 'stream_exists' | bigint;
type CurrentRevision = 'no_stream' | bigint;

interface FakeFilter {
  filterOn?: 'streamName' | 'eventType';
  regex?: string;
  prefixes?: string[];
}

export interface FakeEventStoreDbOptions {
  /** The client's `throwOnAppendFailure` connection setting (default true). */
  throwOnAppendFailure?: boolean;
  /** How long a dropped write waits for its answer before timing out (the server's commit timeout, 2 s by default). */
  commitTimeoutMs?: number;
}

type CommitCheck =
  | { decision: 'ok' }
  | { decision: 'idempotent'; lastRevision: bigint }
  | { decision: 'idempotent_not_ready' }
  | { decision: 'wrong_expected_version'; current: CurrentRevision };

const caughtUpSignal = Object.freeze({ fakeCaughtUp: true });
const fellBehindSignal = Object.freeze({ fakeFellBehind: true });

export class FakeEventStoreDb {
  private readonly log: StoredRecord[] = [];
  private readonly streams = new Map<string, StoredRecord[]>();
  private readonly wakers = new Set<() => void>();
  private readonly throwOnAppendFailure: boolean;
  private readonly commitTimeoutMs: number;
  /** Each stream's last revision in the index, which trails the writer by one turn of the event loop. */
  private readonly indexed = new Map<string, bigint>();
  private nextPosition = 0n;
  private writes = 0;

  constructor(options: FakeEventStoreDbOptions = {}) {
    this.throwOnAppendFailure = options.throwOnAppendFailure ?? true;
    this.commitTimeoutMs = options.commitTimeoutMs ?? 50;
    this.write('$users', [{ id: randomUUID(), type: '$UserCreated', data: '{}', metadata: undefined }]);
    this.write('$scavenges', [{ id: randomUUID(), type: '$scavengeIndexInitialized', data: '{}', metadata: undefined }]);
  }

  /** The client's surface, as the adapter types it. */
  asClient(): EventStoreDbClient {
    return this as unknown as EventStoreDbClient;
  }

  async appendToStream(stream: string, events: ProposedEvent | ProposedEvent[], options: { expectedRevision?: Expected } = {}) {
    await new Promise((resolve) => setImmediate(resolve));
    const proposed = Array.isArray(events) ? events : [events];
    const expected = options.expectedRevision ?? 'any';
    const check = this.checkCommit(stream, proposed, expected);
    if (check.decision === 'idempotent') return { success: true, nextExpectedRevision: check.lastRevision, position: undefined };
    if (check.decision === 'idempotent_not_ready') {
      await new Promise((resolve) => setTimeout(resolve, this.commitTimeoutMs));
      throw new DeadlineExceededError();
    }
    if (check.decision === 'wrong_expected_version') {
      if (this.throwOnAppendFailure) throw new WrongExpectedVersionError(undefined, { streamName: stream, expected, current: check.current });
      return { success: false, nextExpectedRevision: check.current === 'no_stream' ? -1n : 1n, position: undefined };
    }
    const written = this.write(
      stream,
      proposed.map((e) => ({ id: e.id, type: e.type, data: JSON.stringify(e.data), metadata: e.metadata === undefined ? undefined : JSON.stringify(e.metadata) })),
    );
    if (++this.writes % 7 === 0) this.write('$stats-fake', [{ id: randomUUID(), type: '$statsCollected', data: '{}', metadata: undefined }]);
    return { success: true, nextExpectedRevision: written[written.length - 1]!.revision, position: { ...written[0]!.position } };
  }

  readStream(stream: string, options: { fromRevision?: 'start' | 'end' | bigint; direction?: 'forwards' | 'backwards'; maxCount?: number | bigint } = {}) {
    const records = this.streams.get(stream);
    if (!records) return failingRead(new StreamNotFoundError(undefined, stream));
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const from = options.fromRevision ?? 'start';
    if ((options.direction ?? 'forwards') === 'forwards') {
      const start = from === 'start' ? 0 : from === 'end' ? records.length : Number(from);
      return read(records.slice(start, start + max));
    }
    const last = from === 'end' ? records.length - 1 : from === 'start' ? 0 : Math.min(Number(from), records.length - 1);
    return read(records.slice(Math.max(0, last - max + 1), last + 1).reverse());
  }

  readAll(options: { fromPosition?: ReadPosition; direction?: 'forwards' | 'backwards'; maxCount?: number | bigint } = {}) {
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const from = options.fromPosition ?? 'start';
    const invalid = invalidPosition(from);
    if (invalid) return failingRead(invalid);
    if ((options.direction ?? 'forwards') === 'forwards') {
      const start = from === 'start' ? 0 : from === 'end' ? this.log.length : this.firstIndex((p) => comparePositions(p, from) >= 0);
      return read(this.log.slice(start, start + max));
    }
    const last = from === 'end' ? this.log.length - 1 : from === 'start' ? -1 : this.firstIndex((p) => comparePositions(p, from) > 0) - 1;
    return read(this.log.slice(Math.max(0, last - max + 1), last + 1).reverse());
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: FakeFilter } = {}, readableOptions: { highWaterMark?: number } = {}) {
    const from = options.fromPosition ?? 'start';
    const allowed = filterOf(options.filter);
    let index = from === 'start' ? 0 : from === 'end' ? this.log.length : this.firstIndex((p) => comparePositions(p, from) > 0);
    let live = false;
    let waiting = false;
    const source = new Readable({
      objectMode: true,
      highWaterMark: 1,
      read: () => pump(),
    });
    const pump = () => {
      waiting = false;
      while (index < this.log.length) {
        const record = this.log[index++]!;
        if (!allowed(record)) continue;
        if (!source.push(resolved(record))) {
          // Live, the server drops what a slow reader cannot take and goes back to catching up.
          if (live) {
            live = false;
            source.push(fellBehindSignal);
          }
          return;
        }
      }
      if (!live) {
        live = true;
        if (!source.push(caughtUpSignal)) return;
      }
      waiting = true;
    };
    const wake = () => {
      if (waiting) pump();
    };
    this.wakers.add(wake);
    const subscription = new FakeSubscription(readableOptions.highWaterMark ?? 16, async () => {
      this.wakers.delete(wake);
      source.unpipe(subscription);
      source.destroy();
    });
    const invalid = invalidPosition(from);
    if (invalid) {
      // The server refuses the request; the client reports it as an error on the subscription.
      setImmediate(() => subscription.emit('error', invalid));
      return subscription;
    }
    source.pipe(subscription);
    return subscription;
  }

  async setStreamMetadata(stream: string, metadata: Record<string, unknown>, options: { expectedRevision?: Expected } = {}) {
    return this.appendToStream(`$$${stream}`, { id: randomUUID(), type: '$metadata', data: metadata }, options);
  }

  async getStreamMetadata(stream: string) {
    const records = this.streams.get(`$$${stream}`);
    const last = records?.[records.length - 1];
    return last ? { streamName: stream, metadata: JSON.parse(last.data) as Record<string, unknown> } : { streamName: stream };
  }

  async dispose(): Promise<void> {
    this.wakers.clear();
  }

  /**
   * The server's decision for an append (IndexWriter.CheckCommit): write it, answer it as a repeat of
   * events already there, or refuse it. Event ids are compared, never content.
   */
  private checkCommit(stream: string, proposed: ProposedEvent[], expected: Expected): CommitCheck {
    const existing = this.streams.get(stream) ?? [];
    const current: CurrentRevision = existing.length === 0 ? 'no_stream' : BigInt(existing.length - 1);
    const refused = { decision: 'wrong_expected_version', current } as const;
    const currentNumber = existing.length - 1;
    if (expected === 'stream_exists' && current === 'no_stream' && !this.streams.has(`$$${stream}`)) return refused;
    if (expected === 'any' || expected === 'stream_exists') {
      // The server looks the ids up wherever they are in the stream (in its cache of recent commits).
      let lastRevision: bigint | undefined;
      for (const [i, event] of proposed.entries()) {
        const found = existing.find((record) => record.id === event.id);
        if (!found) return i === 0 ? { decision: 'ok' } : refused;
        lastRevision = found.revision;
      }
      return lastRevision === undefined ? { decision: 'ok' } : this.idempotent(stream, lastRevision);
    }
    const expectedNumber = expected === 'no_stream' ? -1 : Number(expected);
    if (expectedNumber > currentNumber) return refused;
    if (expectedNumber === currentNumber) return { decision: 'ok' };
    // The stream has moved past the expected revision: a repeat if the same ids follow it.
    const repeat = proposed.length > 0 && proposed.every((event, i) => existing[expectedNumber + 1 + i]?.id === event.id);
    return repeat ? this.idempotent(stream, BigInt(expectedNumber + proposed.length)) : refused;
  }

  /** A repeat is answered only once its original is in the index (CheckCommit's `isReplicated`). */
  private idempotent(stream: string, lastRevision: bigint): CommitCheck {
    return (this.indexed.get(stream) ?? -1n) >= lastRevision ? { decision: 'idempotent', lastRevision } : { decision: 'idempotent_not_ready' };
  }

  private write(streamId: string, events: Array<Omit<StoredRecord, 'streamId' | 'revision' | 'position'>>): StoredRecord[] {
    const records = this.streams.get(streamId) ?? [];
    this.streams.set(streamId, records);
    const written = events.map((e) => {
      // Each event commits itself: its commit and prepare positions are both its offset in the log.
      const record: StoredRecord = { ...e, streamId, revision: BigInt(records.length), position: { commit: this.nextPosition, prepare: this.nextPosition } };
      // Offsets are byte positions: the next record starts after this one's (variable) size.
      this.nextPosition += BigInt(100 + streamId.length + e.type.length + e.data.length + (e.metadata?.length ?? 0));
      records.push(record);
      this.log.push(record);
      return record;
    });
    const lastRevision = BigInt(records.length - 1);
    setImmediate(() => this.indexed.set(streamId, lastRevision));
    for (const wake of [...this.wakers]) wake();
    return written;
  }

  private firstIndex(matches: (p: Position) => boolean): number {
    const i = this.log.findIndex((r) => matches(r.position));
    return i < 0 ? this.log.length : i;
  }
}

/** Like the client's subscription: a transform that turns the server's caught-up and fell-behind messages into events. */
class FakeSubscription extends Transform {
  constructor(
    highWaterMark: number,
    private readonly cancel: () => Promise<void>,
  ) {
    super({ objectMode: true, highWaterMark });
  }

  override _transform(item: unknown, _encoding: BufferEncoding, next: TransformCallback): void {
    if (item === caughtUpSignal || item === fellBehindSignal) {
      this.emit(item === caughtUpSignal ? 'caughtUp' : 'fellBehind');
      next();
      return;
    }
    next(null, item);
  }

  unsubscribe(): Promise<void> {
    return this.cancel();
  }
}

/** The client's filter object (filter.js) as a predicate on records. */
function filterOf(filter: FakeFilter | undefined): (record: StoredRecord) => boolean {
  if (!filter) return () => true;
  const field = (record: StoredRecord) => (filter.filterOn === 'streamName' ? record.streamId : record.type);
  if (filter.prefixes) {
    const prefixes = filter.prefixes;
    return (record) => prefixes.some((prefix) => field(record).startsWith(prefix));
  }
  const pattern = filter.regex === undefined ? undefined : new RegExp(filter.regex);
  return (record) => !pattern || pattern.test(field(record));
}

/** The server cannot build a position whose commit is below its prepare (`Position` constructor). */
function invalidPosition(from: ReadPosition): Error | undefined {
  if (from === 'start' || from === 'end' || from.commit >= from.prepare) return undefined;
  return new Error(`invalid position ${positionToString(from)}: the commit position cannot be less than the prepare position`);
}

function resolved(record: StoredRecord) {
  return {
    event: {
      streamId: record.streamId,
      id: record.id,
      revision: record.revision,
      type: record.type,
      isJson: true,
      data: JSON.parse(record.data) as unknown,
      metadata: record.metadata === undefined ? undefined : (JSON.parse(record.metadata) as unknown),
      created: new Date(0),
      position: { ...record.position },
    },
  };
}

function read(records: StoredRecord[]) {
  return Object.assign(Readable.from(records.map(resolved)), { cancel: async () => undefined });
}

function failingRead(error: Error) {
  const stream = new Readable({
    objectMode: true,
    read() {
      this.destroy(error);
    },
  });
  return Object.assign(stream, { cancel: async () => undefined });
}
