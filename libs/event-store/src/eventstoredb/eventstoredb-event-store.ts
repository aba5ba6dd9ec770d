import { excludeSystemEvents, jsonEvent } from '@eventstore/db-client';
import { EventIdConflictError, InvalidAppendError } from '../errors.js';
import { limits } from '../limits.js';
import { assertLogPartition, isInLogPartition } from '../log-partition.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadFrom,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from '../port.js';
import { START } from '../port.js';
import { comparePositions, positionToString, type Position } from '../position.js';
import { isEventId, validateAppend } from '../validate-append.js';
import type { EventStoreDbClient } from './eventstoredb-client.js';
import {
  assertEsdbAppendable,
  claimOwner,
  claimStreamOf,
  classifyRetry,
  decodeAllStreamItem,
  isAfter,
  isApplicationEvent,
  isMaxAppendSizeExceeded,
  isMissingStream,
  isTimedOut,
  isWrongExpectedVersion,
  retryError,
  toEsdbExpectedRevision,
  toEsdbMetadata,
  toRecordedEvent,
  toWrongExpectedRevisionError,
  type EsdbCurrentRevision,
  type EsdbRecordedEvent,
  type EventIdClaim,
} from './eventstoredb-mapping.js';
import { serverSubscription } from './eventstoredb-subscription.js';

export interface EventStoreDbEventStoreOptions {
  /** Prefix of the streams whose metadata records which stream owns an event id (see `EventIdClaim`). */
  eventIdClaimStreamPrefix?: string;
  /** Claims one append writes at once. */
  claimsInFlightMax?: number;
  /** How many of a stream's newest events a possible retry is searched in (see `findInStream`). */
  idempotencyWindowEvents?: number;
  /** Deadline of each append and claim; the client gives reads and subscriptions none. */
  writeDeadlineMs?: number;
  /** Events a subscription buffers before the client stops reading from the server. */
  subscriptionBufferEvents?: number;
  /** How long stopping a subscription waits for the server to acknowledge it. */
  unsubscribeTimeoutMs?: number;
}

type Direction = 'forwards' | 'backwards';

/** Pages a scan of `$all` reads while looking past system events, each twice the previous, up to `readCountMax`. */
const allScanPagesMax = 64;

/**
 * The event store on EventStoreDB / KurrentDB, 22.6 or later (stream reads carry log positions from
 * then on; the server's caught-up signal, from 23.10, has a fallback). Revisions are 0-based on both
 * sides and positions map one to one.
 *
 * EventStoreDB's own idempotency only covers a retry at the same expected revision and ignores content,
 * so the adapter keeps the port's promise itself: each new event id is first claimed for its stream
 * (refusing ids owned by another stream), and an append whose ids were claimed before is looked up in the
 * stream's newest events and answered with the original result, or refused if its content differs.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly claimPrefix: string;
  private readonly claimsInFlightMax: number;
  private readonly idempotencyWindowEvents: number;
  private readonly writeDeadlineMs: number;
  private readonly subscriptionBufferEvents: number;
  private readonly unsubscribeTimeoutMs: number;
  private readonly pendingAppends = new Set<Promise<unknown>>();
  private readonly subscriptions = new Set<Subscription>();
  /** A server: replicas and jobs of other processes append too. */
  readonly sharedWithOtherProcesses = true;
  private closed = false;

  private constructor(
    private readonly client: EventStoreDbClient,
    options: EventStoreDbEventStoreOptions,
  ) {
    this.claimPrefix = options.eventIdClaimStreamPrefix ?? 'gl-event-id-';
    this.claimsInFlightMax = Math.max(1, options.claimsInFlightMax ?? 16);
    this.idempotencyWindowEvents = Math.max(1, options.idempotencyWindowEvents ?? limits.readCountMax);
    this.writeDeadlineMs = options.writeDeadlineMs ?? 10_000;
    this.subscriptionBufferEvents = Math.max(1, options.subscriptionBufferEvents ?? 512);
    this.unsubscribeTimeoutMs = options.unsubscribeTimeoutMs ?? 5_000;
  }

  /** Reads the head of `$all` once, so a wrong address or a user without `$all` access fails here. */
  static async open(client: EventStoreDbClient, options: EventStoreDbEventStoreOptions = {}): Promise<EventStoreDbEventStore> {
    const store = new EventStoreDbEventStore(client, options);
    await store.headPosition();
    return store;
  }

  async appendToStream(stream: string, events: EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    const expected = options?.expectedRevision;
    validateAppend(stream, events, expected);
    assertEsdbAppendable(stream, events);
    if (this.closed) throw new Error('event store is closed');
    const append = this.append(stream, events, expected);
    this.pendingAppends.add(append);
    try {
      return await append;
    } finally {
      this.pendingAppends.delete(append);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = Math.min(Math.floor(options.maxCount ?? limits.readCountMax), limits.readCountMax);
    if (maxCount < 1) return [];
    const fromRevision = options.fromRevision !== undefined && options.fromRevision > 0n ? options.fromRevision : 0n;
    const events: RecordedEvent[] = [];
    await this.scanStream(stream, fromRevision, 'forwards', maxCount, (event) => {
      events.push(toRecordedEvent(event));
      return true;
    });
    return events;
  }

  async readLastEvent(stream: string): Promise<RecordedEvent | null> {
    let last: RecordedEvent | null = null;
    await this.scanStream(stream, 'end', 'backwards', 1, (event) => {
      last = toRecordedEvent(event);
      return false;
    });
    return last;
  }

  /**
   * The id's claim names the stream that appended it (or tried to: a claim can outlive a failed append), so an
   * id of no event of `stream` is answered by one read; only then is the stream read back to the event.
   */
  async readEvent(stream: string, eventId: string): Promise<RecordedEvent | null> {
    if (!isEventId(eventId)) return null;
    const { metadata } = await this.client.getStreamMetadata(claimStreamOf(this.claimPrefix, eventId));
    if (claimOwner(metadata) !== stream) return null;
    let found: RecordedEvent | null = null;
    await this.scanStream(stream, 'end', 'backwards', Number.MAX_SAFE_INTEGER, (event) => {
      if (event.id.toLowerCase() !== eventId) return true;
      found = toRecordedEvent(event);
      return false;
    });
    return found;
  }

  /**
   * The client's `readAll` takes no filter, so system events are dropped here, and its `fromPosition`
   * is inclusive, so the event at the checkpoint is dropped too. Pages grow while they hold only system
   * events; a page shorter than asked for is the end of the log.
   */
  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    if (options.partition) assertLogPartition(options.partition);
    // EventStoreDB cannot hash a stream name on the server: another share's events are skipped here, like system events.
    const inPartition = (record: EsdbRecordedEvent) => !options.partition || isInLogPartition(record.streamId, options.partition);
    const want = Math.min(Math.max(1, Math.floor(options.limit)), limits.readCountMax);
    const events: RecordedEvent[] = [];
    let cursor: ReadFrom = options.from;
    let pageSize = Math.min(want + 1, limits.readCountMax);
    for (let page = 0; page < allScanPagesMax; page++) {
      const records = await this.readAllPage(cursor, 'forwards', pageSize);
      for (const record of records) {
        if (!isAfter(record.position, cursor) || !isApplicationEvent(record) || !inPartition(record)) continue;
        events.push(toRecordedEvent(record));
        if (events.length === want) return events;
      }
      if (records.length < pageSize) return events;
      cursor = records[records.length - 1]!.position;
      pageSize = Math.min(pageSize * 2, limits.readCountMax);
    }
    if (events.length > 0) return events;
    throw new Error(`readAll: no application event among ${allScanPagesMax} pages of system events after ${options.from === START ? 'the start' : positionToString(options.from)}`);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    if (this.closed) throw new Error('event store is closed');
    const partition = options.partition;
    if (partition) assertLogPartition(partition);
    const subscription: Subscription = serverSubscription({
      from: options.from,
      batchSize: options.maxBatchSize ?? 1000,
      head: () => this.headPosition(),
      open: (from) =>
        this.client.subscribeToAll(
          // Server-side filter: events with `$` types never leave the server. Its `fromPosition` is exclusive.
          { fromPosition: from === START ? 'start' : from, resolveLinkTos: false, filter: excludeSystemEvents() },
          { highWaterMark: this.subscriptionBufferEvents },
        ),
      // Another share's events move the position on like system events, and are not handed over.
      decode: partition
        ? (item) => {
            const decoded = decodeAllStreamItem(item);
            return decoded?.event && !isInLogPartition(decoded.event.streamName, partition) ? { position: decoded.position, event: null } : decoded;
          }
        : decodeAllStreamItem,
      unsubscribeTimeoutMs: this.unsubscribeTimeoutMs,
      onEnd: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** `$all` read backwards until the first application event; none at all means an empty log. */
  async headPosition(): Promise<ReadFrom> {
    let cursor: Position | 'end' = 'end';
    let pageSize = 16;
    for (let page = 0; page < allScanPagesMax; page++) {
      const records = await this.readAllPage(cursor, 'backwards', pageSize);
      const before = cursor;
      const newest = records.find((record) => (before === 'end' || comparePositions(record.position, before) < 0) && isApplicationEvent(record));
      if (newest) return { commit: newest.position.commit, prepare: newest.position.prepare };
      if (records.length < pageSize) return START;
      cursor = records[records.length - 1]!.position;
      pageSize = Math.min(pageSize * 2, limits.readCountMax);
    }
    throw new Error(`headPosition: no application event among ${allScanPagesMax} pages of system events at the head of $all`);
  }

  /** Waits for appends already accepted, stops subscriptions, then closes the client's channel. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pendingAppends]);
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  private async append(stream: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if ((await this.claimIds(stream, events)) === 'claimed_before') {
      const check = classifyRetry(events, await this.findInStream(stream, events));
      if (check.kind === 'duplicate') return check.result;
      if (check.kind === 'conflict') throw retryError(stream, check);
    }
    let written: { success: boolean; nextExpectedRevision: bigint };
    try {
      written = await this.client.appendToStream(stream, events.map(toEventData), {
        expectedRevision: toEsdbExpectedRevision(expected),
        deadline: this.writeDeadlineMs,
      });
    } catch (error) {
      if (isWrongExpectedVersion(error)) return this.afterRefusal(stream, events, expected, error.actualVersion);
      if (isMaxAppendSizeExceeded(error)) throw new InvalidAppendError('events', `larger than the server's maximum append size of ${error.maxAppendSize} bytes`);
      if (isTimedOut(error)) return this.afterTimeout(stream, events, error);
      throw error;
    }
    // `throwOnAppendFailure=false` in the connection string turns the refusal into a result. Its
    // `nextExpectedRevision` is not the stream's revision: client 6.2.1's batch append reports
    // `BigInt(hasCurrentStreamRevision())`, 1n for any existing stream (batchAppend.js:28-29), so the
    // actual revision is read from the stream instead.
    if (!written.success) return this.afterRefusal(stream, events, expected, await this.currentRevision(stream));
    return this.resultOf(stream, events, written.nextExpectedRevision);
  }

  /** The revision of the stream's last event, or 'no_stream' for a missing or deleted stream. */
  private async currentRevision(stream: string): Promise<EsdbCurrentRevision> {
    let revision: EsdbCurrentRevision = 'no_stream';
    await this.scanStream(stream, 'end', 'backwards', 1, (event) => {
      revision = event.revision;
      return false;
    });
    return revision;
  }

  /** A refused append may be a retry whose first attempt won the race: it then gets that attempt's result. */
  private async afterRefusal(stream: string, events: EventToAppend[], expected: ExpectedRevision, actual: EsdbCurrentRevision): Promise<AppendResult> {
    const check = classifyRetry(events, await this.findInStream(stream, events));
    if (check.kind === 'duplicate') return check.result;
    if (check.kind === 'conflict') throw retryError(stream, check);
    throw toWrongExpectedRevisionError(stream, expected, actual);
  }

  /**
   * A timed-out append may have been written anyway, or be a repeat the server dropped unanswered because
   * its original was not indexed yet (IdempotentNotReady, see fake-eventstoredb-client.ts): a concurrent
   * retry then times out. If the events are in the stream, that is the append's result.
   */
  private async afterTimeout(stream: string, events: EventToAppend[], timeout: unknown): Promise<AppendResult> {
    const check = classifyRetry(events, await this.findInStream(stream, events));
    if (check.kind === 'duplicate') return check.result;
    if (check.kind === 'conflict') throw retryError(stream, check);
    throw timeout;
  }

  /**
   * The result's position is read back from the stored last event rather than taken from the append
   * response: that response carries no position for a write the server deemed idempotent, and for a
   * multi-event write it is not guaranteed to be the last event's own position, which readers compare
   * their checkpoints with.
   */
  private async resultOf(stream: string, events: EventToAppend[], revision: bigint): Promise<AppendResult> {
    const lastId = events[events.length - 1]!.id;
    // The append's own events, ending at `revision`: what was written, or what the server took this for a
    // repeat of (it compares ids only). Their content decides which, past any window looked back over before.
    const first = revision - BigInt(events.length - 1);
    const stored = new Map<string, RecordedEvent>();
    let last: RecordedEvent | undefined;
    await this.scanStream(stream, first < 0n ? 0n : first, 'forwards', events.length, (event) => {
      last = toRecordedEvent(event);
      stored.set(last.id, last);
      return true;
    });
    if (last?.id === lastId.toLowerCase()) {
      const check = classifyRetry(events, stored);
      if (check.kind === 'conflict') throw retryError(stream, check);
      return { nextExpectedRevision: revision, position: last.position };
    }
    // The server accepted the write as a repeat of events written earlier: find them and compare content.
    const check = classifyRetry(events, await this.findInStream(stream, events));
    if (check.kind === 'duplicate') return check.result;
    if (check.kind === 'conflict') throw retryError(stream, check);
    throw new Error(`EventStoreDB acknowledged an append to ${stream} at revision ${revision}, but event ${lastId} is not there`);
  }

  /**
   * Claims every id for `stream`, at most `claimsInFlightMax` at a time. Says whether any id had been
   * claimed before (by this stream: a retry, or an attempt that failed after its claims); throws
   * `EventIdConflictError` for an id owned by another stream. Claims are not atomic with the append:
   * one left by a failed attempt keeps its id for its stream, where a later append can still use it.
   */
  private async claimIds(stream: string, events: EventToAppend[]): Promise<'all_new' | 'claimed_before'> {
    const outcomes = await settleBounded(events, this.claimsInFlightMax, (event) => this.claim(stream, event.id));
    return outcomes.includes('claimed_before') ? 'claimed_before' : 'all_new';
  }

  private async claim(stream: string, eventId: string): Promise<'new' | 'claimed_before'> {
    const claimStream = claimStreamOf(this.claimPrefix, eventId);
    const claim: EventIdClaim = { ownerStream: stream };
    try {
      const result = await this.client.setStreamMetadata(claimStream, { ...claim }, { expectedRevision: 'no_stream', deadline: this.writeDeadlineMs });
      if (result.success) return 'new';
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw error;
    }
    const { metadata } = await this.client.getStreamMetadata(claimStream);
    const owner = claimOwner(metadata);
    if (owner === undefined) throw new Error(`claim stream ${claimStream} has metadata but no owner stream`);
    if (owner !== stream) throw new EventIdConflictError(stream, eventId, 'other_stream');
    return 'claimed_before';
  }

  /**
   * The append's ids among the stream's newest `idempotencyWindowEvents` events, newest first, stopping
   * as soon as all are found. The bound keeps one retry from reading a long stream whole: a retry of an
   * append older than the window is not recognised, and is then refused by its expected revision (with
   * `any` it would be appended again, so callers retrying that late should pass a revision).
   */
  private async findInStream(stream: string, events: EventToAppend[]): Promise<Map<string, RecordedEvent>> {
    const wanted = new Set(events.map((event) => event.id.toLowerCase()));
    const found = new Map<string, RecordedEvent>();
    await this.scanStream(stream, 'end', 'backwards', this.idempotencyWindowEvents, (event) => {
      const id = event.id.toLowerCase();
      if (wanted.has(id)) found.set(id, toRecordedEvent(event));
      return found.size < wanted.size;
    });
    return found;
  }

  /** Visits a stream's events until `visit` returns false; a missing or deleted stream has none. */
  private async scanStream(
    stream: string,
    fromRevision: bigint | 'end',
    direction: Direction,
    maxCount: number,
    visit: (event: EsdbRecordedEvent) => boolean,
  ): Promise<void> {
    const read = this.client.readStream(stream, { fromRevision, direction, maxCount, resolveLinkTos: false });
    let stoppedEarly = false;
    try {
      for await (const resolved of read) {
        if (resolved.event && !visit(resolved.event)) {
          stoppedEarly = true;
          break;
        }
      }
    } catch (error) {
      if (!isMissingStream(error)) throw error;
    } finally {
      if (stoppedEarly) await read.cancel();
    }
  }

  /** One page of `$all`, system events included (the client cannot filter reads). */
  private async readAllPage(from: ReadFrom | 'end', direction: Direction, maxCount: number): Promise<Array<EsdbRecordedEvent & { position: Position }>> {
    const records: Array<EsdbRecordedEvent & { position: Position }> = [];
    for await (const resolved of this.client.readAll({ fromPosition: from, direction, maxCount, resolveLinkTos: false })) {
      if (resolved.event) records.push(resolved.event);
    }
    return records;
  }
}

function toEventData(event: EventToAppend) {
  return jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: toEsdbMetadata(event) });
}

/**
 * Runs `work` over `items`, at most `concurrency` at once, and waits for all of them: the first failure
 * (in item order) is thrown only once nothing is left running.
 */
async function settleBounded<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const settled = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      settled[i] = await work(items[i]!).then(
        (value): PromiseSettledResult<R> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseSettledResult<R> => ({ status: 'rejected', reason }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<R>).value);
}
