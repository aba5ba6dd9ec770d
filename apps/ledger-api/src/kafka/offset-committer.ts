import type { Consumer } from 'kafkajs';

type Offset = { topic: string; partition: number; offset: string };

/**
 * Commits consumed offsets in the background, only ever up to messages whose outcome is durable. Within
 * a partition messages are handled one after another, so "the last one done" is a contiguous prefix.
 * Committing every `intervalMs` instead of after each message saves a broker round trip per message; a
 * crash re-delivers at most that window, which the idempotent handlers absorb.
 *
 * Only partitions the consumer is assigned are committed. The broker accepts a member's commit for any
 * partition of the group, so an offset kept for a partition revoked in a rebalance (a message finished
 * after it, a commit that failed during it) would, committed later, move the group back behind what the
 * partition's new owner has committed since.
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, Offset>();
  private consumer: Consumer | null = null;
  /** The current assignment (`topic/partition`), from the consumer's last join; null before one is seen. */
  private assigned: Set<string> | null = null;
  private stopWatching: () => void = () => undefined;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(intervalMs: number, private readonly log: (line: string) => void) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Follows the assignment of a consumer Nest's Kafka server just created (before it joins its group). */
  attach(consumer: Consumer): void {
    this.stopWatching();
    this.consumer = consumer;
    this.assigned = null;
    this.stopWatching = consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = new Set(Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`)));
      for (const key of this.pending.keys()) if (!this.assigned.has(key)) this.pending.delete(key);
    });
  }

  /** Marks `offset` of the partition as durable: the group may resume after it. */
  done(consumer: Consumer, topic: string, partition: number, offset: string): void {
    const key = `${topic}/${partition}`;
    // Finished after its partition was revoked: its new owner fetches it again.
    if (this.assigned && !this.assigned.has(key)) return;
    this.consumer = consumer;
    this.pending.set(key, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0 || !this.consumer) return;
      const offsets = [...this.pending.values()];
      this.pending.clear();
      try {
        await this.committed(this.consumer, offsets);
      } catch (error) {
        // Kept for the next tick unless a newer offset of the partition arrived meanwhile, or it was revoked.
        for (const o of offsets) {
          const key = `${o.topic}/${o.partition}`;
          if (!this.pending.has(key) && (!this.assigned || this.assigned.has(key))) this.pending.set(key, o);
        }
        this.log(`frontline actions: offset commit failed (${(error as Error).message}); will retry`);
      }
    });
    return this.flushing;
  }

  /**
   * kafkajs answers a commit made while its consumer is not running in its group (joining after a restart,
   * stopping after a crash) with success, sending nothing: only its commit event says the broker took it.
   */
  private async committed(consumer: Consumer, offsets: Offset[]): Promise<void> {
    let acknowledged = false;
    const stopListening = consumer.on(consumer.events.COMMIT_OFFSETS, () => (acknowledged = true));
    try {
      await consumer.commitOffsets(offsets);
    } finally {
      stopListening();
    }
    if (!acknowledged) throw new Error('the consumer is not running in its group');
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
