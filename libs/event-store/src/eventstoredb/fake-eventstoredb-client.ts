/**
 * For tests only: an in-memory stand-in for `@eventstore/db-client` that behaves the way the adapter
 * assumes the server does, so the contract suite can exercise the adapter's own logic (claims, retries,
 * paging past system events, exclusive checkpoints, batching) where no server can run. It proves nothing
 * about the server itself; `eventstoredb.int.spec.ts` against a real one does. Where the server's
 * behaviour is uncertain, the stand-in takes the less convenient reading:
 * - `readAll` includes the record at `fromPosition`, forwards and backwards;
 * - an append reports its write's first position, not its last event's, and no position when the
 *   server accepts it as idempotent; that idempotency compares ids only, never content;
 * - events of one write share a commit position and differ by prepare position;
 * - system events (`$stats`, `$$` metadata) are interleaved with application events;
 * - the caught-up signal is a plain event emitted while earlier events may still sit in the buffer.
 */
import { randomUUID } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { StreamNotFoundError, WrongExpectedVersionError } from '@eventstore/db-client';
import { comparePositions, type Position } from '../position.js';
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

const caughtUpSignal = Object.freeze({ fakeCaughtUp: true });

export class FakeEventStoreDb {
  private readonly log: StoredRecord[] = [];
  private readonly streams = new Map<string, StoredRecord[]>();
  private readonly wakers = new Set<() => void>();
  private nextPosition = 0n;
  private writes = 0;

  constructor() {
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
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length === 0 ? ('no_stream' as const) : BigInt(existing.length - 1);
    const repeatAt = this.idempotentAt(existing, proposed, expected);
    if (repeatAt !== undefined) return { success: true, nextExpectedRevision: BigInt(repeatAt + proposed.length - 1), position: undefined };
    const accepted =
      expected === 'any' ||
      (expected === 'stream_exists' && current !== 'no_stream') ||
      (expected === 'no_stream' && current === 'no_stream') ||
      (typeof expected === 'bigint' && current === expected);
    if (!accepted) throw new WrongExpectedVersionError(undefined, { streamName: stream, expected, current });
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
    if ((options.direction ?? 'forwards') === 'forwards') {
      const start = from === 'start' ? 0 : from === 'end' ? this.log.length : this.firstIndex((p) => comparePositions(p, from) >= 0);
      return read(this.log.slice(start, start + max));
    }
    const last = from === 'end' ? this.log.length - 1 : from === 'start' ? -1 : this.firstIndex((p) => comparePositions(p, from) > 0) - 1;
    return read(this.log.slice(Math.max(0, last - max + 1), last + 1).reverse());
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: { regex?: string } } = {}, readableOptions: { highWaterMark?: number } = {}) {
    const from = options.fromPosition ?? 'start';
    const pattern = options.filter?.regex === undefined ? undefined : new RegExp(options.filter.regex);
    let index = from === 'start' ? 0 : from === 'end' ? this.log.length : this.firstIndex((p) => comparePositions(p, from) > 0);
    let caughtUp = false;
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
        if (pattern && !pattern.test(record.type)) continue;
        if (!source.push(resolved(record))) return;
      }
      if (!caughtUp) {
        caughtUp = true;
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

  /** The same ids where the write would have gone (or, with `any`, anywhere): the server answers success. */
  private idempotentAt(existing: StoredRecord[], proposed: ProposedEvent[], expected: Expected): number | undefined {
    const at =
      expected === 'no_stream' ? 0 : typeof expected === 'bigint' ? Number(expected) + 1 : existing.findIndex((r) => r.id === proposed[0]!.id);
    if (at < 0) return undefined;
    return proposed.every((e, i) => existing[at + i]?.id === e.id) ? at : undefined;
  }

  private write(streamId: string, events: Array<Omit<StoredRecord, 'streamId' | 'revision' | 'position'>>): StoredRecord[] {
    const records = this.streams.get(streamId) ?? [];
    this.streams.set(streamId, records);
    const commit = this.nextPosition;
    const written = events.map((e) => {
      const record: StoredRecord = { ...e, streamId, revision: BigInt(records.length), position: { commit, prepare: this.nextPosition } };
      this.nextPosition += 128n;
      records.push(record);
      this.log.push(record);
      return record;
    });
    for (const wake of [...this.wakers]) wake();
    return written;
  }

  private firstIndex(matches: (p: Position) => boolean): number {
    const i = this.log.findIndex((r) => matches(r.position));
    return i < 0 ? this.log.length : i;
  }
}

/** Like the client's subscription: a transform that turns the server's caught-up message into an event. */
class FakeSubscription extends Transform {
  constructor(
    highWaterMark: number,
    private readonly cancel: () => Promise<void>,
  ) {
    super({ objectMode: true, highWaterMark });
  }

  override _transform(item: unknown, _encoding: BufferEncoding, next: TransformCallback): void {
    if (item === caughtUpSignal) {
      this.emit('caughtUp');
      next();
      return;
    }
    next(null, item);
  }

  unsubscribe(): Promise<void> {
    return this.cancel();
  }
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
