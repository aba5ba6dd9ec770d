import { partyOfStream, type BudgetEvent, type PartyKind, type BudgetState, type LoyaltyEvent, type LoyaltyState } from '#domain';
import { limits as storeLimits, type EventStore, type RecordedEvent } from '#event-store';
import { budgetModel, loyaltyModel, LruCache, stateCacheLimits, type StateCacheLimits } from '#ledger';

export interface PartyStatesLimits extends StateCacheLimits {
  /** Streams read at once on cache misses. */
  concurrentLoadsMax: number;
}

/**
 * Limits for `cacheMb` megabytes of folded states. The cache should hold every party active within a few
 * batches: the relay reads the log in order, so with fewer it reloads (reads and folds the whole stream)
 * nearly every party of every batch, and falls behind.
 */
export function partyStatesLimits(cacheMb: number): PartyStatesLimits {
  return { ...stateCacheLimits(cacheMb), concurrentLoadsMax: 8 };
}

export const defaultPartyStatesLimits: PartyStatesLimits = partyStatesLimits(128);

export type PartyState =
  | { kind: 'employee'; stream: string; state: BudgetState; last: RecordedEvent }
  | { kind: 'customer'; stream: string; state: LoyaltyState; last: RecordedEvent };

interface Folded {
  kind: PartyKind;
  state: BudgetState | LoyaltyState;
  revision: bigint;
}

const noPolicy = () => {
  throw new Error('the relay folds events; it never decides');
};
const budget = budgetModel(noPolicy);
const loyalty = loyaltyModel(noPolicy);

/**
 * The current state of every employee's budget and customer's loyalty touched by a batch, folded with
 * the domain's own `evolve` from the events the relay reads anyway: no query per event. States live in
 * a bounded LRU; a stream that is not cached (first sight, or evicted) is read once, up to just before
 * the batch's first event of it, and folded — so the cache never holds more than its bounds, and a
 * restart costs one read per active stream.
 */
export class PartyStates {
  private readonly cache: LruCache<string, Folded>;

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly limits: PartyStatesLimits = defaultPartyStatesLimits,
  ) {
    this.cache = new LruCache<string, Folded>(limits.cachedStreamsMax, limits.cachedWeightMax, (f) => (f.kind === 'employee' ? budget.weigh!(f.state as BudgetState) : loyalty.weigh!(f.state as LoyaltyState)));
  }

  get cachedStreams(): number {
    return this.cache.size;
  }

  /** Folds `events` (global order) and returns the state after the batch of each party it touched. */
  async advance(events: readonly RecordedEvent[]): Promise<PartyState[]> {
    const firstRevision = new Map<string, bigint>();
    for (const event of events) if (kindOf(event.streamName) && !firstRevision.has(event.streamName)) firstRevision.set(event.streamName, event.revision);
    await this.loadMissing(firstRevision);
    const touched = new Map<string, PartyState>();
    for (const event of events) {
      const kind = kindOf(event.streamName);
      if (!kind) continue;
      // Everything was loaded above; only an eviction during this very batch can make it missing.
      const folded = this.cache.get(event.streamName) ?? (await this.load(event.streamName, kind, event.revision));
      if (event.revision > folded.revision) {
        if (event.revision !== folded.revision + 1n) throw new Error(`relay: ${event.streamName} jumps from revision ${folded.revision} to ${event.revision}`);
        folded.state = kind === 'employee' ? budget.evolve(folded.state as BudgetState, budget.fromRecorded(event) as BudgetEvent) : loyalty.evolve(folded.state as LoyaltyState, loyalty.fromRecorded(event) as LoyaltyEvent);
        folded.revision = event.revision;
        this.cache.set(event.streamName, folded);
      }
      touched.set(event.streamName, { kind, stream: event.streamName, state: folded.state, last: event } as PartyState);
    }
    return [...touched.values()];
  }

  private async loadMissing(firstRevision: Map<string, bigint>): Promise<void> {
    const missing = [...firstRevision].filter(([stream, revision]) => {
      const cached = this.cache.get(stream);
      // A cached state behind the batch (evicted and reloaded elsewhere cannot happen; a gap can only
      // come from a bug) is reloaded rather than folded past a hole.
      return !cached || cached.revision < revision - 1n;
    });
    for (let i = 0; i < missing.length; i += this.limits.concurrentLoadsMax) {
      await Promise.all(missing.slice(i, i + this.limits.concurrentLoadsMax).map(([stream, revision]) => this.load(stream, kindOf(stream)!, revision)));
    }
  }

  /** Reads `stream` up to just before `beforeRevision` and caches the folded state. */
  private async load(stream: string, kind: PartyKind, beforeRevision: bigint): Promise<Folded> {
    const folded: Folded = { kind, state: kind === 'employee' ? budget.initialState() : loyalty.initialState(), revision: -1n };
    while (folded.revision + 1n < beforeRevision) {
      const wanted = Number(beforeRevision - folded.revision - 1n);
      const page = await this.store.readStream(stream, { fromRevision: folded.revision + 1n, maxCount: Math.min(wanted, storeLimits.readCountMax) });
      if (page.length === 0) throw new Error(`relay: ${stream} has no revision ${folded.revision + 1n}`);
      for (const event of page) {
        folded.state = kind === 'employee' ? budget.evolve(folded.state as BudgetState, budget.fromRecorded(event) as BudgetEvent) : loyalty.evolve(folded.state as LoyaltyState, loyalty.fromRecorded(event) as LoyaltyEvent);
        folded.revision = event.revision;
      }
    }
    this.cache.set(stream, folded);
    return folded;
  }
}

function kindOf(stream: string): PartyKind | null {
  return partyOfStream(stream)?.kind ?? null;
}
