import { EventStoreOverloadedError } from '../errors.js';

export interface GroupCommitLimits {
  /** Appends written together in one transaction at most. */
  batchAppendsMax: number;
  /** Batch transactions running at once (each holds one connection). */
  batchesInFlightMax: number;
  /** Appends waiting for a batch at most; beyond it callers get `EventStoreOverloadedError`. */
  queuedAppendsMax: number;
  /**
   * Bytes (JSON characters) of the appends waiting for a batch at most; beyond it callers get
   * `EventStoreOverloadedError`. The count alone does not bound memory: appends of large events are up to
   * `eventsPerAppendMax × eventBytesMax` each. Checked before an append joins, like the count, so the queue
   * holds at most this plus one append, and an append larger than it still passes through an empty queue.
   */
  queuedBytesMax: number;
}

interface Pending<I, O> {
  item: I;
  bytes: number;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: concurrent callers' appends queue here and are flushed together, up to
 * `batchesInFlightMax` transactions at a time. Under load the queue fills while transactions are in
 * flight and the next flush takes them all, so the commit cost is shared. Flushing waits for
 * `setImmediate`: when a batch settles, its callers' continuations (which usually append again) run as
 * microtasks first, so they join the next batch instead of one of them leaving alone. A lone request
 * pays only that one turn of the event loop.
 */
export class GroupCommitter<I, O> {
  private readonly queue: Array<Pending<I, O>> = [];
  private queuedBytes = 0;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private pumpScheduled = false;

  constructor(
    private readonly limits: GroupCommitLimits,
    /** Settles every item of the batch: one `O` or one `Error` per item, in order. */
    private readonly flushBatch: (items: I[]) => Promise<Array<O | Error>>,
  ) {}

  /** `bytes`: the item's size as it counts against `queuedBytesMax`. */
  submit(item: I, bytes: number): Promise<O> {
    if (this.queue.length >= this.limits.queuedAppendsMax || this.queuedBytes >= this.limits.queuedBytesMax) {
      return Promise.reject(new EventStoreOverloadedError(this.queue.length, this.queuedBytes));
    }
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, bytes, resolve, reject });
      this.queuedBytes += bytes;
      this.schedulePump();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.limits.batchesInFlightMax) {
      const batch = this.queue.splice(0, this.limits.batchAppendsMax);
      for (const p of batch) this.queuedBytes -= p.bytes;
      this.inFlight++;
      void this.run(batch);
    }
    if (this.queue.length === 0 && this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  private async run(batch: Array<Pending<I, O>>): Promise<void> {
    try {
      const results = await this.flushBatch(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} appends`);
      batch.forEach((p, i) => {
        const r = results[i];
        if (r instanceof Error) p.reject(r);
        else p.resolve(r as O);
      });
    } catch (error) {
      batch.forEach((p) => p.reject(error));
    } finally {
      this.inFlight--;
      this.schedulePump();
    }
  }
}
