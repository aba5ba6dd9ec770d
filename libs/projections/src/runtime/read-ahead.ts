import type { EventStore, ReadFrom, RecordedEvent } from '#event-store';

/**
 * Reads the log one batch ahead: while batch n is being written, batch n+1 is already being read, so
 * the log's read and the read models' write overlap. At most two batches are held in memory.
 */
export class ReadAhead {
  private pending: { from: ReadFrom; read: Promise<RecordedEvent[]> } | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly batchSize: number,
  ) {}

  /** The batch after `from`, usually already read; starts reading the one after it. */
  async next(from: ReadFrom): Promise<RecordedEvent[]> {
    const read = this.pending !== null && this.pending.from === from ? this.pending.read : this.start(from);
    this.pending = null;
    const events = await read;
    if (events.length === this.batchSize) this.pending = { from: events[events.length - 1]!.position, read: this.start(events[events.length - 1]!.position) };
    return events;
  }

  /** Forgets the batch read ahead (after a resync, or on stop); its read is awaited so nothing is left running. */
  async discard(): Promise<void> {
    const pending = this.pending;
    this.pending = null;
    await pending?.read.catch(() => undefined);
  }

  private start(from: ReadFrom): Promise<RecordedEvent[]> {
    const read = this.store.readAll({ from, limit: this.batchSize });
    read.catch(() => undefined);
    return read;
  }
}
