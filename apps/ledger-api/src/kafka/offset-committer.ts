import type { Consumer } from 'kafkajs';

/**
 * Commits consumed offsets in the background, only ever up to messages whose outcome is durable. Within
 * a partition messages are handled one after another, so "the last one done" is a contiguous prefix.
 * Committing every `intervalMs` instead of after each message saves a broker round trip per message; a
 * crash re-delivers at most that window, which the idempotent handlers absorb.
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, { topic: string; partition: number; offset: string }>();
  private consumer: Consumer | null = null;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(intervalMs: number, private readonly log: (line: string) => void) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Marks `offset` of the partition as durable: the group may resume after it. */
  done(consumer: Consumer, topic: string, partition: number, offset: string): void {
    this.consumer = consumer;
    this.pending.set(`${topic}/${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0 || !this.consumer) return;
      const offsets = [...this.pending.values()];
      this.pending.clear();
      try {
        await this.consumer.commitOffsets(offsets);
      } catch (error) {
        // Kept for the next tick unless a newer offset of the partition arrived meanwhile.
        for (const o of offsets) if (!this.pending.has(`${o.topic}/${o.partition}`)) this.pending.set(`${o.topic}/${o.partition}`, o);
        this.log(`frontline actions: offset commit failed (${(error as Error).message}); will retry`);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
