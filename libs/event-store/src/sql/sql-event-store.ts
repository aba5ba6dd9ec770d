import { EventIdConflictError, WrongExpectedRevisionError } from '../errors.js';
import { limits } from '../limits.js';
import { assertLogPartition } from '../log-partition.js';
import { pollingSubscription } from '../polling-subscription.js';
import type {
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  EventToAppend,
  ReadAllOptions,
  ReadFrom,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from '../port.js';
import { START } from '../port.js';
import { isEventId, validateAppend } from '../validate-append.js';
import { GroupCommitter, type GroupCommitLimits } from './group-commit.js';
import { schemaIsCurrentSql, schemaSql, sql, type AppendRow, type EventRow } from './schema.js';
import { isolatesAppends, retryableSqlStates, sqlState, type SqlDriver } from './sql-driver.js';

export interface SqlEventStoreOptions {
  groupCommit?: Partial<GroupCommitLimits>;
  /** Poll interval for events appended by other processes once a subscription is caught up. */
  subscriptionIdlePollMs?: number;
}

/** Notified by `gl_append` (schema.ts) in every transaction that appended. */
const appendedChannel = 'gl_appended';
const uniqueViolation = '23505';
/** Tries of one append on its own, the first included, before a deadlock or serialisation failure is given up. */
const appendAttemptsMax = 3;

interface PendingAppend {
  stream: string;
  /** The append as a JSON object text, ready to be spliced into the batch array. */
  json: string;
  expected: AppendOptions['expectedRevision'];
  firstEventId: string;
}

/** The event store over any PostgreSQL-speaking driver: `pg` (PostgreSQL) or PGlite (embedded). */
export class SqlEventStore implements EventStore {
  private readonly committer: GroupCommitter<PendingAppend, AppendResult>;
  private readonly appendListeners = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly idlePollMs: number;
  /** A driver that cannot listen has every writer in this process (see `SqlDriver.listen`): PGlite. */
  readonly sharedWithOtherProcesses: boolean;
  /** Stops the LISTEN for appends by other processes; started with the first subscription. */
  private stopListening: (() => Promise<void>) | null = null;

  private constructor(
    private readonly driver: SqlDriver,
    options: SqlEventStoreOptions,
  ) {
    this.idlePollMs = options.subscriptionIdlePollMs ?? 20;
    this.sharedWithOtherProcesses = driver.listen !== undefined;
    this.committer = new GroupCommitter<PendingAppend, AppendResult>(
      {
        batchAppendsMax: options.groupCommit?.batchAppendsMax ?? 256,
        // Two batches in flight measured best on 2 cores: one commits while the next fills.
        batchesInFlightMax: options.groupCommit?.batchesInFlightMax ?? Math.min(2, driver.concurrentTransactionsMax),
        queuedAppendsMax: options.groupCommit?.queuedAppendsMax ?? 50_000,
        // The count bounds a queue of ordinary appends, this a queue of large ones. One append at its largest
        // (eventsPerAppendMax × eventBytesMax, 125 MiB) is over it: such an append still passes an empty queue.
        queuedBytesMax: options.groupCommit?.queuedBytesMax ?? 64 * 1024 * 1024,
      },
      (batch) => this.flush(batch),
    );
  }

  static async open(driver: SqlDriver, options: SqlEventStoreOptions = {}): Promise<SqlEventStore> {
    const [schema] = await driver.query<{ current: boolean }>(schemaIsCurrentSql, []);
    if (schema?.current !== true) await driver.exec(schemaSql);
    await refuseStampsAhead(driver);
    return new SqlEventStore(driver, options);
  }

  async appendToStream(stream: string, events: EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    const json = appendJson(stream, events, options?.expectedRevision);
    return this.committer.submit({ stream, json, expected: options.expectedRevision, firstEventId: events[0]!.id }, json.length);
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const count = Math.min(options.maxCount ?? limits.readCountMax, limits.readCountMax);
    const rows = await this.driver.queryArrays<EventRow>(sql.readStream, [stream, String(options.fromRevision ?? 0n), count]);
    return rows.map(toRecorded);
  }

  /** The stream's newest event: one read of the primary key, backwards (a placeholder left by a failed first append has none). */
  async readLastEvent(stream: string): Promise<RecordedEvent | null> {
    const [row] = await this.driver.queryArrays<EventRow>(sql.readLast, [stream]);
    return row ? toRecorded(row) : null;
  }

  async readEvent(stream: string, eventId: string): Promise<RecordedEvent | null> {
    if (!isEventId(eventId)) return null;
    const [row] = await this.driver.queryArrays<EventRow>(sql.readById, [eventId, stream]);
    return row ? toRecorded(row) : null;
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const limit = Math.min(Math.max(1, options.limit), limits.readCountMax);
    const from = options.from === START ? { commit: 0n, prepare: 0n } : options.from;
    const partition = options.partition;
    if (partition) assertLogPartition(partition);
    const rows =
      partition && partition.count > 1
        ? await this.driver.queryArrays<EventRow>(sql.readAllPartition, [String(from.commit), String(from.prepare), limit, partition.count, partition.index])
        : await this.driver.queryArrays<EventRow>(sql.readAll, [String(from.commit), String(from.prepare), limit]);
    return rows.map(toRecorded);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    if (options.partition) assertLogPartition(options.partition);
    // Appends by other processes wake subscribers at once instead of at their next poll.
    this.stopListening ??= this.driver.listen?.(appendedChannel, () => this.notifyAppended()) ?? null;
    const subscription = pollingSubscription({
      from: options.from,
      batchSize: options.maxBatchSize ?? 1000,
      idlePollMs: this.idlePollMs,
      readAll: (from, limit) => this.readAll({ from, limit, partition: options.partition }),
      onAppended: (wake) => {
        this.appendListeners.add(wake);
        return () => this.appendListeners.delete(wake);
      },
    });
    this.subscriptions.add(subscription);
    return {
      [Symbol.asyncIterator]: () => subscription[Symbol.asyncIterator](),
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
  }

  async headPosition(): Promise<ReadFrom> {
    const [row] = await this.driver.query<{ commit_id: string; prepare: string }>(sql.head, []);
    return row ? { commit: BigInt(row.commit_id), prepare: BigInt(row.prepare) } : START;
  }

  /** Stops open subscriptions and waits for queued appends before closing the connections. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    await this.stopListening?.();
    await this.committer.drained();
    await this.driver.close();
  }

  /** One transaction for the whole batch; if it fails on a conflict or on one append's data, each append is tried alone. */
  private async flush(batch: PendingAppend[]): Promise<Array<AppendResult | Error>> {
    // Streams are locked in name order in every batch so that two batches can never deadlock.
    const order = batch.map((_, i) => i).sort((a, b) => (batch[a]!.stream < batch[b]!.stream ? -1 : batch[a]!.stream > batch[b]!.stream ? 1 : a - b));
    try {
      const rows = await this.driver.query<AppendRow>(sql.append, [`[${order.map((i) => batch[i]!.json).join(',')}]`]);
      const results = new Array<AppendResult | Error>(batch.length);
      for (const row of rows) results[order[row.idx]!] = toResult(row, batch[order[row.idx]!]!);
      this.announceOwnAppend();
      return results;
    } catch (error) {
      if (!isolatesAppends(error)) throw error;
      // A batch of one was already tried alone: what it failed on is answered as `appendAlone` answers it.
      if (batch.length === 1) return [await this.afterFailure(batch[0]!, error, appendAttemptsMax - 1)];
      return Promise.all(batch.map((append) => this.appendAlone(append).catch((e: unknown) => e as Error)));
    }
  }

  private async appendAlone(append: PendingAppend, attemptsLeft = appendAttemptsMax): Promise<AppendResult | Error> {
    try {
      const [row] = await this.driver.query<AppendRow>(sql.append, [`[${append.json}]`]);
      this.announceOwnAppend();
      return toResult(row!, append);
    } catch (error) {
      return this.afterFailure(append, error, attemptsLeft - 1);
    }
  }

  /**
   * gl_append looks ids up only when the revision check lets it down (see schema.ts), so an id stored in another
   * stream, or by a concurrent writer, surfaces as the unique index's refusal: named here as the repeat or the
   * conflict it is. A deadlock or serialisation failure is tried again while attempts are left.
   */
  private async afterFailure(append: PendingAppend, error: unknown, attemptsLeft: number): Promise<AppendResult | Error> {
    if (sqlState(error) === uniqueViolation) {
      const [repeat] = await this.driver.query<AppendRow>(sql.findRepeat, [append.stream, append.json]);
      if (repeat) return toResult(repeat, append);
    }
    if (attemptsLeft > 0 && retryableSqlStates.has(sqlState(error) ?? '')) return this.appendAlone(append, attemptsLeft);
    throw error;
  }

  /**
   * Wakes this process's subscribers after its own append, unless it listens to the database's
   * announcements, which include its own appends: announced twice, each append would cost every
   * subscriber a second read.
   */
  private announceOwnAppend(): void {
    if (this.stopListening === null) this.notifyAppended();
  }

  private notifyAppended(): void {
    for (const wake of this.appendListeners) wake();
  }
}

/**
 * The log is ordered, checkpointed and read up to `pg_snapshot_xmin` by transaction id (see schema.ts), which
 * only ever grows within one cluster. Rows restored logically into another cluster keep ids its counter has not
 * reached: every reader would see none of them (they look not yet committed), and checkpoints past them would
 * skip every new event. Refused at open, loudly, rather than served silently empty.
 */
async function refuseStampsAhead(driver: SqlDriver): Promise<void> {
  const [row] = await driver.query<{ newest: string | null; next: string }>(sql.stampsAhead, []);
  if (row?.newest == null || BigInt(row.newest) < BigInt(row.next)) return;
  throw new Error(
    `gl_events holds transaction id ${row.newest}, at or past this cluster's next (${row.next}): the events were restored from another ` +
      'cluster (pg_dump/pg_restore), and the log cannot be ordered by transaction id here. Restore physically (pg_basebackup) or ' +
      `advance this cluster's transaction counter past ${row.newest} (pg_resetwal -x) before opening the store.`,
  );
}

/** Validates one append and renders it as the JSON object `gl_append` takes (see schema.ts). */
export function appendJson(stream: string, events: EventToAppend[], expected: AppendOptions['expectedRevision']): string {
  const { serialised } = validateAppend(stream, events, expected);
  const ev = events.map(
    (e, i) => `{"id":"${e.id}","t":${JSON.stringify(e.type)},"v":${e.schemaVersion},"d":${serialised[i]!.data},"m":${serialised[i]!.metadata}}`,
  );
  return `{"s":${JSON.stringify(stream)},"e":"${String(expected)}","ev":[${ev.join(',')}]}`;
}

function toResult(row: AppendRow, append: PendingAppend): AppendResult | Error {
  switch (row.status) {
    case 'ok':
    case 'duplicate':
      return { nextExpectedRevision: BigInt(row.revision), position: { commit: BigInt(row.commit_id!), prepare: BigInt(row.prepare!) } };
    case 'wrong_revision':
      return new WrongExpectedRevisionError(append.stream, append.expected, row.revision === 'no_stream' ? 'no_stream' : BigInt(row.revision));
    case 'id_conflict':
      return new EventIdConflictError(append.stream, row.revision ?? append.firstEventId, row.detail ?? 'different_content');
    default: {
      const never: never = row.status;
      throw new Error(`gl_append returned unknown status ${String(never)}`);
    }
  }
}

/**
 * A stored event as read back. The metadata is parsed when first read: a rebuild or a follower folding a page of
 * thousands of events looks at the data of each and at most at the last one's metadata, and parsing every
 * event's was a ninth of reading the log. A class, not an object literal with a getter: V8 builds those
 * several times slower, which cost what the laziness saved. The getter lives on the prototype, so `toJSON`
 * gives JSON the metadata and a spread copy (`{ ...event }`) must name it (`{ ...event, metadata: event.metadata }`).
 */
class StoredEvent implements RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: RecordedEvent['data'];
  readonly streamName: string;
  readonly revision: bigint;
  readonly position: RecordedEvent['position'];
  #metadata: string | EventMetadata;

  constructor(row: EventRow) {
    this.id = row[4];
    this.type = row[5];
    this.schemaVersion = row[6];
    this.data = row[7] as RecordedEvent['data'];
    this.streamName = row[2];
    this.revision = BigInt(row[3]);
    this.position = { commit: BigInt(row[1]), prepare: BigInt(row[0]) };
    this.#metadata = row[8];
  }

  get metadata(): EventMetadata {
    if (typeof this.#metadata === 'string') this.#metadata = JSON.parse(this.#metadata) as EventMetadata;
    return this.#metadata;
  }

  toJSON(): object {
    return { ...this, metadata: this.metadata };
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  return new StoredEvent(row);
}
