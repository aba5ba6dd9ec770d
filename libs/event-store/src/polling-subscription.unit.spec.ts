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
  it('stops listening for appends when stopped, also before it was ever iterated, and only once', async () => {
    let listeners = 0;
    let unregistered = 0;
    const onAppended = () => (listeners++, () => (listeners--, unregistered++));
    const idle = pollingSubscription({ from: 'start', batchSize: 10, idlePollMs: 1_000, readAll: log(0).readAll, onAppended });
    expect(listeners).toBe(1);
    await idle.stop();
    expect(listeners).toBe(0);
    const used = pollingSubscription({ from: 'start', batchSize: 10, idlePollMs: 1_000, readAll: log(3).readAll, onAppended });
    for await (const message of used as AsyncIterable<SubscriptionMessage>) if (message.kind === 'caught_up') break;
    await used.stop();
    expect({ listeners, unregistered }).toEqual({ listeners: 0, unregistered: 2 });
  });

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

  it('at the head, reads again only after an append was announced, including one announced during a read', async () => {
    const events: RecordedEvent[] = [];
    const append = () => events.push({ id: `e${events.length}`, position: { commit: BigInt(events.length + 1), prepare: BigInt(events.length + 1) } } as unknown as RecordedEvent);
    let announce: () => void = () => undefined;
    let onRead: () => void = () => undefined;
    const reads: number[] = [];
    const readAll = async (from: ReadFrom, limit: number) => {
      reads.push(performance.now());
      const start = from === 'start' ? 0 : Number((from as Position).commit);
      const page = events.slice(start, start + limit);
      onRead();
      await new Promise((r) => setTimeout(r, 5));
      return page;
    };
    append();
    // A long poll interval: any read before it has passed was caused by an announcement.
    const subscription = pollingSubscription({ from: 'start', batchSize: 10, idlePollMs: 60_000, readAll, onAppended: (wake) => ((announce = wake), () => undefined) });
    const iterator = subscription[Symbol.asyncIterator]();
    const next = async () => (await iterator.next()).value as SubscriptionMessage;

    try {
      expect(await next()).toMatchObject({ kind: 'events', events: [{ id: 'e0' }] });
      expect(await next()).toMatchObject({ kind: 'caught_up' });
      // A short batch and nothing announced: no read after it until something is.
      const pending = next();
      await new Promise((r) => setTimeout(r, 50));
      expect(reads).toHaveLength(1);

      // Appended and announced while the next read is already running (it saw nothing): that announcement
      // must not be lost, so another read follows at once and finds the event.
      onRead = () => {
        onRead = () => undefined;
        append();
        announce();
      };
      announce();
      // Lost, the announcement would leave the event to the 60 s poll: give it 2 s.
      const outcome = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still waiting'), 2_000))]);
      expect(outcome).toMatchObject({ kind: 'events', events: [{ id: 'e1' }] });
      // The first read, the one that ran as the event was appended (and saw nothing), and the one after it.
      expect(reads).toHaveLength(3);
    } finally {
      await subscription.stop();
    }
  });

  it('looks again soon for an announced append that readers cannot see yet, and not forever', async () => {
    const events: RecordedEvent[] = [];
    let visibleFrom = Infinity;
    let announce: () => void = () => undefined;
    const reads: number[] = [];
    // Held back, as PostgreSQL holds back an append while an older transaction of the cluster is open.
    const readAll = async (from: ReadFrom, limit: number) => {
      reads.push(performance.now());
      const start = from === 'start' ? 0 : Number((from as Position).commit);
      return performance.now() < visibleFrom ? [] : events.slice(start, start + limit);
    };
    const idlePollMs = 1_500;
    const subscription = pollingSubscription({ from: 'start', batchSize: 10, idlePollMs, readAll, onAppended: (wake) => ((announce = wake), () => undefined) });
    const iterator = subscription[Symbol.asyncIterator]();
    try {
      expect((await iterator.next()).value).toMatchObject({ kind: 'caught_up' });
      const announced = performance.now();
      events.push({ id: 'e0', position: { commit: 1n, prepare: 1n } } as unknown as RecordedEvent);
      visibleFrom = announced + 300;
      announce();
      const delivered = await iterator.next();
      expect(delivered.value).toMatchObject({ kind: 'events', events: [{ id: 'e0' }] });
      // Found well before the poll interval's end, by a handful of reads, not a busy loop.
      expect(performance.now() - announced).toBeLessThan(700);
      expect(reads.length).toBeLessThan(15);

      // An announcement this reader never finds anything for (another share's append): it looks again
      // at growing intervals within one poll interval, then only at the poll interval.
      expect((await iterator.next()).value).toMatchObject({ kind: 'caught_up' });
      visibleFrom = Infinity;
      const pending = iterator.next();
      await new Promise((r) => setTimeout(r, 50));
      const at = performance.now();
      announce();
      await new Promise((r) => setTimeout(r, idlePollMs + 700));
      const within = reads.filter((t) => t >= at && t <= at + idlePollMs + 50).length;
      expect(within).toBeGreaterThan(3);
      expect(within).toBeLessThan(15);
      expect(reads.filter((t) => t > at + idlePollMs + 50)).toEqual([]);
      void pending;
    } finally {
      await subscription.stop();
    }
  });
});
