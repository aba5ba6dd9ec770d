import { limits } from '../limits.js';
import { START, type ReadFrom, type RecordedEvent, type Subscription, type SubscriptionMessage } from '../port.js';
import { comparePositions, type Position } from '../position.js';
import { isAfter } from './eventstoredb-mapping.js';

/**
 * The part of the client's subscription (an object-mode Node readable, which also emits `caughtUp` on
 * servers from 23.10) this module uses.
 */
export interface SubscriptionStream {
  read(): unknown;
  push(chunk: unknown): boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
  readonly readableEnded: boolean;
  readonly errored: Error | null;
  unsubscribe(): Promise<void>;
}

export interface ServerSubscriptionOptions {
  from: ReadFrom;
  batchSize: number;
  /** The newest application event's position when the subscription starts (see `caught_up` below). */
  head(): Promise<ReadFrom>;
  /** Opens the server subscription strictly after `from`. */
  open(from: ReadFrom): SubscriptionStream;
  /** An item of the stream as its log position and, if it is an application event, our event. */
  decode(item: unknown): { position: Position; event: RecordedEvent | null } | null;
  /** How long `stop` waits for the server to acknowledge the cancellation. */
  unsubscribeTimeoutMs: number;
  onEnd(): void;
}

/**
 * Marks, inside the stream's own buffer, the place where the server said "caught up". The client emits
 * `caughtUp` as a plain event while earlier events may still sit unread in the buffer; pushing a marker
 * from the listener (which runs inside the client's transform, after those events were pushed) keeps
 * the order exact.
 */
const caughtUpMarker = Object.freeze({ caughtUpMarker: true });

/**
 * A server-pushed subscription as the port's pull-based one. Events are handed over in batches of what
 * has already arrived (at most `batchSize`, never waiting to fill one). The consumer pulls: while it is
 * busy nothing is read, the stream's buffer fills to its high-water mark and the client stops reading
 * from the server, so memory stays bounded.
 *
 * `caught_up` is said when the server says so and, independently, once the events up to the head of
 * the log taken at the start have been delivered; servers older than 23.10 never send the former.
 * Two markers with no event between them are said once.
 */
export function serverSubscription(options: ServerSubscriptionOptions): Subscription {
  const batchSize = Math.min(Math.max(1, Math.floor(options.batchSize)), limits.subscriptionBatchMax);
  let stream: SubscriptionStream | undefined;
  let stopped = false;
  let closing: Promise<void> | undefined;

  function close(): Promise<void> {
    closing ??= (async () => {
      const open = stream;
      if (!open) return;
      // Destroying first wakes a pending read at once; the cancellation then reaches the server.
      open.destroy();
      await withTimeout(open.unsubscribe().catch(() => undefined), options.unsubscribeTimeoutMs);
    })();
    return closing;
  }

  async function* iterate(): AsyncGenerator<SubscriptionMessage> {
    let checkpoint: ReadFrom = options.from;
    let announced = false;
    try {
      const head = await options.head();
      if (stopped) return;
      let headReached = head === START || (options.from !== START && comparePositions(options.from, head) >= 0);
      const open = options.open(options.from);
      stream = open;
      // The client emits errors without destroying the stream: keep the first, and fail the next read with it.
      let failure: unknown;
      open.on('error', (error: unknown) => (failure ??= error ?? new Error('EventStoreDB subscription failed')));
      open.on('caughtUp', () => {
        if (!open.destroyed) open.push(caughtUpMarker);
      });
      if (headReached) {
        announced = true;
        yield { kind: 'caught_up', checkpoint };
      }
      while (!stopped) {
        const items = await readAvailable(open, batchSize, () => failure);
        if (items === null) {
          if (stopped) return;
          throw new Error('EventStoreDB subscription ended by the server: subscribe again from the last checkpoint');
        }
        const events: RecordedEvent[] = [];
        let caughtUp = false;
        for (const item of items) {
          if (item === caughtUpMarker) {
            caughtUp = true;
            continue;
          }
          const decoded = options.decode(item);
          if (!decoded) continue;
          if (!headReached && head !== START && comparePositions(decoded.position, head) >= 0) {
            headReached = true;
            caughtUp = true;
          }
          // The server starts after `from`; the check also drops anything at or before the last event handed over.
          const last = events.length > 0 ? events[events.length - 1]!.position : checkpoint;
          if (decoded.event && isAfter(decoded.position, last)) events.push(decoded.event);
        }
        if (events.length > 0) {
          checkpoint = events[events.length - 1]!.position;
          announced = false;
          yield { kind: 'events', events, checkpoint };
        }
        if (caughtUp && !announced) {
          announced = true;
          yield { kind: 'caught_up', checkpoint };
        }
      }
    } finally {
      await close();
      options.onEnd();
    }
  }

  const generator = iterate();
  return {
    [Symbol.asyncIterator]: () => generator,
    async stop() {
      stopped = true;
      await close();
      await generator.return(undefined);
      // A generator never started runs no `finally`: the adapter forgets this subscription here too (once is enough for it).
      options.onEnd();
    },
  };
}

/**
 * Up to `max` items already in the stream's buffer, ending early after a caught-up marker; waits only
 * when the buffer is empty. Items that arrived before a failure are handed over before it is thrown.
 * Null once the stream has ended or been destroyed.
 */
async function readAvailable(stream: SubscriptionStream, max: number, failure: () => unknown): Promise<unknown[] | null> {
  for (;;) {
    const items: unknown[] = [];
    while (items.length < max) {
      const item: unknown = stream.read();
      if (item === null) break;
      items.push(item);
      if (item === caughtUpMarker) break;
    }
    if (items.length > 0) return items;
    const error = failure() ?? stream.errored;
    if (error) throw error;
    if (stream.destroyed || stream.readableEnded) return null;
    await nextSignal(stream);
  }
}

/** An error wakes the reader too: the caller's listener keeps it, and the next look at the buffer throws it. */
const wakeEvents = ['readable', 'end', 'close', 'error'] as const;

function nextSignal(stream: SubscriptionStream): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      for (const event of wakeEvents) stream.removeListener(event, settle);
      resolve();
    };
    for (const event of wakeEvents) stream.on(event, settle);
  });
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
