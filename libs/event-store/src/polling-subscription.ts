import { limits } from './limits.js';
import type { ReadFrom, RecordedEvent, Subscription, SubscriptionMessage } from './port.js';

export interface PollingOptions {
  from: ReadFrom;
  batchSize: number;
  /** How long to wait for a wake-up before looking again once caught up. */
  idlePollMs: number;
  readAll: (from: ReadFrom, limit: number) => Promise<RecordedEvent[]>;
  /** Registers a callback fired when this process has just committed an append; returns an unregister. */
  onAppended: (wake: () => void) => () => void;
}

/**
 * Catch-up then live: reads the log in batches from a checkpoint until a read comes back short, says
 * `caught_up` once, then waits for a local append (or the poll interval, for other writers) and goes on.
 * The consumer pulls, so a slow consumer holds at most one batch in memory.
 */
export function pollingSubscription(options: PollingOptions): Subscription {
  const batchSize = Math.min(Math.max(1, options.batchSize), limits.subscriptionBatchMax);
  let stopped = false;
  let wake: (() => void) | null = null;
  let inFlight: Promise<unknown> = Promise.resolve();
  const unregister = options.onAppended(() => wake?.());

  async function* iterate(): AsyncGenerator<SubscriptionMessage> {
    let from = options.from;
    let announcedCaughtUp = false;
    try {
      while (!stopped) {
        const read = options.readAll(from, batchSize);
        inFlight = read.catch(() => undefined);
        const events = await read;
        if (stopped) return;
        if (events.length > 0) {
          from = events[events.length - 1]!.position;
          announcedCaughtUp = false;
          yield { kind: 'events', events, checkpoint: from };
        }
        if (events.length < batchSize) {
          if (!announcedCaughtUp) {
            announcedCaughtUp = true;
            yield { kind: 'caught_up', checkpoint: from };
          }
          if (events.length === 0) await sleepUntilWoken(options.idlePollMs);
        }
      }
    } finally {
      unregister();
    }
  }

  function sleepUntilWoken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  const generator = iterate();
  return {
    [Symbol.asyncIterator]: () => generator,
    async stop() {
      stopped = true;
      wake?.();
      await inFlight;
      await generator.return(undefined);
    },
  };
}

