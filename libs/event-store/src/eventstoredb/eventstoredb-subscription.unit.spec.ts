import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { START, type ReadFrom, type RecordedEvent, type SubscriptionMessage } from '../port.js';
import type { Position } from '../position.js';
import { serverSubscription } from './eventstoredb-subscription.js';

/** Stands in for the client's subscription: an object-mode stream of `$all` items that can emit `caughtUp`. */
class FakeServerStream extends PassThrough {
  unsubscribed = false;
  constructor(highWaterMark = 16) {
    super({ objectMode: true, highWaterMark });
  }
  async unsubscribe(): Promise<void> {
    this.unsubscribed = true;
  }
}

const at = (n: number): Position => ({ commit: BigInt(n * 10), prepare: BigInt(n * 10) });

function recorded(n: number): RecordedEvent {
  return {
    id: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
    type: 'Tested',
    schemaVersion: 1,
    data: { n },
    metadata: { correlationId: 'c', causationId: null, actor: 'a', recordedAt: '2026-11-23T12:00:00.000Z' },
    streamName: 's',
    revision: BigInt(n),
    position: at(n),
  };
}

/** A `$all` item as the decoder sees it; `system` ones have a position but no event of ours. */
const item = (n: number, system = false) => ({ position: at(n), event: system ? null : recorded(n) });

function subscribe(stream: FakeServerStream, options: { from?: ReadFrom; head?: ReadFrom; batchSize?: number } = {}) {
  let ended = false;
  const subscription = serverSubscription({
    from: options.from ?? START,
    batchSize: options.batchSize ?? 100,
    head: async () => options.head ?? at(1_000_000),
    open: () => stream,
    decode: (raw) => raw as ReturnType<typeof item>,
    unsubscribeTimeoutMs: 1_000,
    onEnd: () => {
      ended = true;
    },
  });
  return { subscription, iterator: subscription[Symbol.asyncIterator](), ended: () => ended };
}

/** What a message says, in short: `e:1,2` for events 1 and 2, `caught_up@2` for a marker after event 2. */
function summary(message: SubscriptionMessage): string {
  if (message.kind === 'events') return `e:${message.events.map((e) => (e.data as { n: number }).n).join(',')}`;
  return `caught_up@${message.checkpoint === START ? 'start' : Number(message.checkpoint.commit / 10n)}`;
}

async function take(iterator: AsyncIterator<SubscriptionMessage>, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(summary(next.value));
  }
  return out;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('server subscription', () => {
  it('hands over what has arrived in batches of at most batchSize, without waiting to fill one', async () => {
    const stream = new FakeServerStream();
    const { subscription, iterator } = subscribe(stream, { batchSize: 2 });
    const first = iterator.next();
    await tick();
    for (const n of [1, 2, 3, 4, 5]) stream.write(item(n));
    expect(summary((await first).value as SubscriptionMessage)).toBe('e:1,2');
    expect(await take(iterator, 2)).toEqual(['e:3,4', 'e:5']);
    const later = iterator.next();
    await tick();
    stream.write(item(6));
    expect(summary((await later).value as SubscriptionMessage)).toBe('e:6');
    await subscription.stop();
  });

  it('puts the server\'s caught-up signal exactly where it came, even with events still unread in the buffer', async () => {
    const stream = new FakeServerStream();
    const { subscription, iterator } = subscribe(stream);
    const first = iterator.next();
    await tick();
    stream.write(item(1));
    stream.write(item(2));
    stream.write(item(3));
    stream.emit('caughtUp');
    stream.write(item(4));
    expect(summary((await first).value as SubscriptionMessage)).toBe('e:1,2,3');
    expect(await take(iterator, 2)).toEqual(['caught_up@3', 'e:4']);
    await subscription.stop();
  });

  it('says caught up once the head of the log taken at the start is delivered, for servers that never signal', async () => {
    const stream = new FakeServerStream();
    const { subscription, iterator } = subscribe(stream, { head: at(2) });
    const first = iterator.next();
    await tick();
    stream.write(item(1));
    stream.write(item(2));
    expect(summary((await first).value as SubscriptionMessage)).toBe('e:1,2');
    expect(await take(iterator, 1)).toEqual(['caught_up@2']);
    // A later server signal with no event in between says nothing new.
    stream.emit('caughtUp');
    stream.write(item(3));
    expect(await take(iterator, 1)).toEqual(['e:3']);
    await subscription.stop();
  });

  it('counts a system event at the head as reaching it', async () => {
    const stream = new FakeServerStream();
    const { subscription, iterator } = subscribe(stream, { head: at(2) });
    const first = iterator.next();
    await tick();
    stream.write(item(1));
    stream.write(item(2, true));
    expect(summary((await first).value as SubscriptionMessage)).toBe('e:1');
    expect(await take(iterator, 1)).toEqual(['caught_up@1']);
    await subscription.stop();
  });

  it('says caught up first when there is nothing to catch up on', async () => {
    const empty = subscribe(new FakeServerStream(), { head: START });
    expect(await take(empty.iterator, 1)).toEqual(['caught_up@start']);
    await empty.subscription.stop();
    const atHead = subscribe(new FakeServerStream(), { from: at(5), head: at(5) });
    expect(await take(atHead.iterator, 1)).toEqual(['caught_up@5']);
    await atHead.subscription.stop();
  });

  it('drops what is at or before the checkpoint, and system events', async () => {
    const stream = new FakeServerStream();
    const { subscription, iterator } = subscribe(stream, { from: at(2) });
    const first = iterator.next();
    await tick();
    for (const raw of [item(1), item(2), item(3), item(4, true), item(5)]) stream.write(raw);
    expect(summary((await first).value as SubscriptionMessage)).toBe('e:3,5');
    await subscription.stop();
  });

  it('leaves unread events in the stream while the consumer is busy, so the client can stop reading from the server', async () => {
    const stream = new FakeServerStream(4);
    const { subscription, iterator } = subscribe(stream, { batchSize: 3 });
    const first = iterator.next();
    await tick();
    const accepted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => stream.write(item(n)));
    expect(summary((await first).value as SubscriptionMessage)).toBe('e:1,2,3');
    await tick();
    expect(accepted.includes(false)).toBe(true);
    // The seven not handed over are still in the stream's buffers (Node may count the one in transit twice).
    expect(stream.readableLength + stream.writableLength).toBeGreaterThanOrEqual(7);
    await subscription.stop();
  });

  it('stops a consumer that is waiting, unsubscribes, and ends the iteration', async () => {
    const stream = new FakeServerStream();
    const { subscription, iterator, ended } = subscribe(stream);
    const waiting = iterator.next();
    await tick();
    await subscription.stop();
    expect((await waiting).done).toBe(true);
    expect(stream.unsubscribed).toBe(true);
    expect(stream.destroyed).toBe(true);
    expect(ended()).toBe(true);
  });

  it('unsubscribes when the consumer breaks out of its loop', async () => {
    const stream = new FakeServerStream();
    const { subscription } = subscribe(stream);
    setImmediate(() => stream.write(item(1)));
    for await (const message of subscription) {
      expect(summary(message)).toBe('e:1');
      break;
    }
    expect(stream.unsubscribed).toBe(true);
  });

  it('hands over what arrived before a failure, then throws it', async () => {
    const stream = new FakeServerStream();
    const { iterator, ended } = subscribe(stream);
    const first = iterator.next();
    await tick();
    stream.write(item(1));
    expect(summary((await first).value as SubscriptionMessage)).toBe('e:1');
    stream.write(item(2));
    stream.emit('error', new Error('server went away'));
    expect(await take(iterator, 1)).toEqual(['e:2']);
    await expect(iterator.next()).rejects.toThrow('server went away');
    expect(ended()).toBe(true);
  });

  it('fails when the server ends the subscription on its own', async () => {
    const stream = new FakeServerStream();
    const { iterator } = subscribe(stream);
    const first = iterator.next();
    await tick();
    stream.end();
    await expect(first).rejects.toThrow(/subscribe again from the last checkpoint/);
  });
});
