import { describe, expect, it } from '@jest/globals';
import { pollingSubscription } from './polling-subscription.js';
import type { Position } from './position.js';
import type { ReadFrom, RecordedEvent, SubscriptionMessage } from './port.js';

/** A log of `count` events read through `readAll`, recording each read and whether one was already in flight. */
function log(count: number) {
  const events = Array.from({ length: count }, (_, i) => ({ id: `e${i}`, position: { commit: BigInt(i + 1), prepare: BigInt(i + 1) } }) as unknown as RecordedEvent);
  const reads: Array<{ from: string; concurrent: number }> = [];
  let inFlight = 0;
  let failAt: number | null = null;
  const readAll = async (from: ReadFrom, limit: number) => {
    reads.push({ from: from === 'start' ? 'start' : String((from as Position).commit), concurrent: inFlight });
    inFlight++;
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    const start = from === 'start' ? 0 : Number((from as Position).commit);
    if (failAt !== null && start >= failAt) throw new Error('connection terminated');
    return events.slice(start, start + limit);
  };
  return { readAll, reads, failFrom: (n: number) => (failAt = n) };
}

describe('pollingSubscription', () => {
  it('reads the next batch while the consumer works on one, and delivers every event once, in order', async () => {
    const source = log(25);
    const subscription = pollingSubscription({ from: 'start', batchSize: 10, idlePollMs: 1_000, readAll: source.readAll, onAppended: () => () => undefined });
    const seen: string[] = [];
    const readsWhenHandled: number[] = [];
    for await (const message of subscription as AsyncIterable<SubscriptionMessage>) {
      if (message.kind === 'caught_up') break;
      readsWhenHandled.push(source.reads.length);
      await new Promise((r) => setTimeout(r, 20));
      seen.push(...message.events.map((e) => e.id));
    }
    await subscription.stop();
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `e${i}`));
    // Each full batch reached the consumer with the read after it already started; the short last one did not.
    expect(readsWhenHandled).toEqual([2, 3, 3]);
    expect(source.reads.map((r) => r.from)).toEqual(['start', '10', '20']);
    expect(source.reads.every((r) => r.concurrent === 0)).toBe(true);
  });

  it('surfaces a failed read-ahead when the consumer asks for that batch, after the batches before it', async () => {
    const source = log(30);
    source.failFrom(20);
    const subscription = pollingSubscription({ from: 'start', batchSize: 10, idlePollMs: 1_000, readAll: source.readAll, onAppended: () => () => undefined });
    const seen: string[] = [];
    const consume = async () => {
      for await (const message of subscription as AsyncIterable<SubscriptionMessage>) {
        if (message.kind === 'events') {
          await new Promise((r) => setTimeout(r, 20));
          seen.push(...message.events.map((e) => e.id));
        }
      }
    };
    await expect(consume()).rejects.toThrow('connection terminated');
    expect(seen).toHaveLength(20);
  });
});
