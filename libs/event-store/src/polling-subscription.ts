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
 * `caught_up` once, then reads again only when an append was announced since the last read began (or
 * after the poll interval, for writers nobody announces). At the head that is one read per burst of
 * appends, not an empty read after every batch: each read is a round trip for this process and the
 * database, which at a few hundred commits a second cost more than the events they carry. An
 * announcement that arrives while a read runs is kept, so it is never lost to the poll interval.
 * The consumer pulls, so a slow consumer holds at most two batches in memory (the one it works on and
 * the next, read meanwhile).
 *
 * An announced append may not be readable yet: PostgreSQL's readers wait while any older transaction of
 * the cluster is still open (another writer's batch, a projector's), so that none is ever skipped. A read
 * an announcement prompted that finds nothing looks again after a short, doubling wait (within the poll
 * interval) rather than only at the poll interval's end.
 */
export function pollingSubscription(options: PollingOptions): Subscription {
  const batchSize = Math.min(Math.max(1, options.batchSize), limits.subscriptionBatchMax);
  let stopped = false;
  let wake: (() => void) | null = null;
  /** An append was announced since the latest read began: the head may have moved past that read. */
  let announced = false;
  /** The latest read began after an append was announced (so finding nothing means it is held back). */
  let readAnswersAnnouncement = false;
  const heldBack = heldBackWaits(options.idlePollMs);
  let inFlight: Promise<unknown> = Promise.resolve();
  const stopListening = options.onAppended(() => {
    announced = true;
    wake?.();
  });
  // Once, from whichever comes first: the loop's end, or `stop` (a generator never started has no loop to end).
  let listening = true;
  const unregister = () => {
    if (listening) stopListening();
    listening = false;
  };
  const readFrom = (from: ReadFrom): Promise<RecordedEvent[]> => {
    readAnswersAnnouncement = announced;
    announced = false;
    return options.readAll(from, batchSize);
  };

  async function* iterate(): AsyncGenerator<SubscriptionMessage> {
    let from = options.from;
    let announcedCaughtUp = false;
    try {
      // While catching up, the next batch is read while the consumer works on this one (at most two
      // batches in memory): the database's part of a read overlaps the consumer's, not adds to it.
      let next: Promise<RecordedEvent[]> | null = null;
      while (!stopped) {
        const read = next ?? readFrom(from);
        next = null;
        inFlight = read.catch(() => undefined);
        const events = await read;
        if (stopped) return;
        if (events.length === 0 && readAnswersAnnouncement) heldBack.missed();
        if (events.length > 0) {
          heldBack.found();
          from = events[events.length - 1]!.position;
          announcedCaughtUp = false;
          if (events.length === batchSize) {
            next = readFrom(from);
            // Handled here so a failure surfaces when the loop awaits it, not as an unhandled rejection.
            inFlight = next.catch(() => undefined);
          }
          yield { kind: 'events', events, checkpoint: from };
        }
        if (events.length < batchSize) {
          if (!announcedCaughtUp) {
            announcedCaughtUp = true;
            yield { kind: 'caught_up', checkpoint: from };
          }
          if (!announced) await sleepUntilWoken(heldBack.nextWaitMs());
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
      unregister();
      wake?.();
      await inFlight;
      await generator.return(undefined);
    },
  };
}

const heldBackFirstWaitMs = 5;
const heldBackWaitMaxMs = 250;

/**
 * How long a reader at the head waits before looking again. The poll interval, unless a read prompted by
 * an announcement found nothing: then 5 ms, doubling up to 250 ms, until a read finds events or for at
 * most the poll interval in all (the announcement may have been for another share of the log, which this
 * reader never sees).
 */
function heldBackWaits(idlePollMs: number): { missed(): void; found(): void; nextWaitMs(): number } {
  let missedSince: number | null = null;
  let waitMs = heldBackFirstWaitMs;
  const found = () => {
    missedSince = null;
    waitMs = heldBackFirstWaitMs;
  };
  return {
    missed() {
      missedSince ??= performance.now();
    },
    found,
    nextWaitMs() {
      if (missedSince === null) return idlePollMs;
      const left = idlePollMs - (performance.now() - missedSince);
      if (left <= 0) {
        found();
        return idlePollMs;
      }
      const wait = Math.min(waitMs, left);
      waitMs = Math.min(waitMs * 2, heldBackWaitMaxMs);
      return wait;
    },
  };
}
