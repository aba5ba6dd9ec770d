import {
  deterministicEventId,
  EventIdConflictError,
  InvalidAppendError,
  limits as storeLimits,
  NO_STREAM,
  WrongExpectedRevisionError,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type JsonObject,
  type RecordedEvent,
} from '#event-store';
import { silentObserver, type LedgerObserver } from './ledger-observer.js';
import { stateCache, stateCacheLimits, stateCacheMbDefault, type CachedState, type StateCache } from './state-cache.js';

/** The pure part of a stream the processor drives: a decider whose events are plain JSON data. */
export interface StreamModel<State, Command, Event extends { type: string; schemaVersion: number; data: unknown }, Outcome> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  /** Events to append (possibly none) and what to tell the caller; never throws for a domain refusal. */
  decide(command: Command, state: State): { events: readonly Event[]; outcome: (stateAfter: State) => Outcome };
  /** Rebuilds a domain event from a stored one (upcasting older schema versions here). */
  fromRecorded(event: RecordedEvent): Event;
  /** A rough size of a state in cache weight units (`bytesPerWeightUnit` each), for the cache's bound. */
  weigh?(state: State): number;
}

/** Who sent a command and under which request: becomes the metadata of every event it causes. */
export interface CommandEnvelope<Command> {
  command: Command;
  /** The caller's idempotency key, made unique per stream by the caller; event ids derive from it. */
  idempotencyKey: string;
  metadata: EventMetadata;
}

export interface StreamCommandProcessorLimits {
  /** Commands of one stream decided together and written in one append. */
  commandsPerAppendMax: number;
  /** Commands waiting for one stream; beyond it callers are refused at once (back-pressure). */
  queuedCommandsPerStreamMax: number;
  /** Reloads after a conflicting writer in another process, before giving up. */
  conflictRetriesMax: number;
}

export const defaultProcessorLimits: StreamCommandProcessorLimits = {
  commandsPerAppendMax: 200,
  queuedCommandsPerStreamMax: 5_000,
  conflictRetriesMax: 5,
};

export class StreamBusyError extends Error {
  override readonly name = 'StreamBusyError';
  constructor(readonly stream: string) {
    super(`too many commands queued for ${stream}`);
  }
}

interface Queued<Command, Outcome> {
  envelope: CommandEnvelope<Command>;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs commands against event-sourced streams. Commands for one stream are serialised in this
 * process, so the decider always sees the latest state; those that queue up behind a running append
 * are decided together on the evolving state and written in ONE append, which is what keeps a hot
 * stream fast. Across processes the store's expected-revision check guards the stream: on a conflict
 * the state is reloaded and the commands decided again, a bounded number of times.
 */
export class StreamCommandProcessor<State, Command, Event extends { type: string; schemaVersion: number; data: unknown }, Outcome> {
  private readonly cache: StateCache;
  private readonly queues = new Map<string, Array<Queued<Command, Outcome>>>();
  private readonly limits: StreamCommandProcessorLimits;

  constructor(
    private readonly store: EventStore,
    private readonly model: StreamModel<State, Command, Event, Outcome>,
    limits: Partial<StreamCommandProcessorLimits> = {},
    private readonly observer: LedgerObserver = silentObserver,
    /** Where folded states are kept between commands; other processors may share it. */
    cache: StateCache = stateCache(stateCacheLimits(stateCacheMbDefault)),
  ) {
    this.limits = { ...defaultProcessorLimits, ...limits };
    this.cache = cache;
  }

  handle(stream: string, envelope: CommandEnvelope<Command>): Promise<Outcome> {
    let queue = this.queues.get(stream);
    if (queue && queue.length >= this.limits.queuedCommandsPerStreamMax) return Promise.reject(new StreamBusyError(stream));
    return new Promise<Outcome>((resolve, reject) => {
      if (queue) {
        queue.push({ envelope, resolve, reject });
        return;
      }
      queue = [{ envelope, resolve, reject }];
      this.queues.set(stream, queue);
      void this.drain(stream, queue);
    });
  }

  /**
   * The current state of a stream, for queries and checks that must not lag: from memory when cached, brought
   * up to date first (one read of what came after it) when other processes may have appended meanwhile.
   */
  async current(stream: string): Promise<State> {
    const cached = this.cached(stream);
    if (cached === undefined) return (await this.load(stream)).state;
    return (this.store.sharedWithOtherProcesses ? await this.load(stream, cached) : cached).state;
  }

  /** States in its cache, counting those of processors it shares the cache with. */
  get cachedStreams(): number {
    return this.cache.size;
  }

  private async drain(stream: string, queue: Array<Queued<Command, Outcome>>): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, this.limits.commandsPerAppendMax);
        await this.runBatch(stream, batch);
      }
    } finally {
      this.queues.delete(stream);
    }
  }

  private async runBatch(stream: string, batch: Array<Queued<Command, Outcome>>): Promise<void> {
    try {
      const outcomes = await this.decideAndAppend(stream, batch.map((q) => q.envelope));
      batch.forEach((q, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) q.resolve(outcome.value);
        else q.reject(outcome.error);
      });
    } catch (error) {
      batch.forEach((q) => q.reject(error));
    }
  }

  private async decideAndAppend(stream: string, envelopes: Array<CommandEnvelope<Command>>): Promise<Array<{ ok: true; value: Outcome } | { ok: false; error: unknown }>> {
    let decidedAfterIdConflict = false;
    // The revision this call last read the stream at: a state cached before is only known to be current once
    // an append at its revision succeeds, or a read finds nothing after it.
    let readAt: CachedState<State>['revision'] | null = null;
    for (let attempt = 0; ; attempt++) {
      let cached = this.cached(stream);
      if (cached === undefined) {
        cached = await this.load(stream);
        readAt = cached.revision;
      }
      let state = cached.state;
      const toAppend: EventToAppend[] = [];
      const decided: Array<{ outcome: (s: State) => Outcome; stateAfter: State } | { error: unknown }> = [];
      for (const envelope of envelopes) {
        try {
          const { events, outcome } = this.model.decide(envelope.command, state);
          // Folded apart first: were the fold to throw on its second event, the first must not be appended alone.
          let after = state;
          for (const event of events) after = this.model.evolve(after, event);
          state = after;
          for (const [i, event] of events.entries()) toAppend.push(toEventToAppend(event, envelope, i));
          decided.push({ outcome, stateAfter: state });
        } catch (error) {
          // An assertion in the decider: this command is broken, the others in the batch are not.
          decided.push({ error });
        }
      }
      if (toAppend.length === 0 && this.store.sharedWithOtherProcesses && readAt !== cached.revision) {
        // Nothing to append, so no expected-revision check will catch a state that another process (a replica)
        // moved on: an approval of a gesture it escalated would be refused as unknown, a budget shown out of date.
        const current = await this.load(stream, cached);
        readAt = current.revision;
        if (current.revision !== cached.revision) continue;
      }
      if (toAppend.length > 0) {
        try {
          const result = await this.store.appendToStream(stream, toAppend, { expectedRevision: cached.revision });
          // A repeat of an append already stored (another replica decided the same command first) answers with that
          // append's revision, which another's events may precede: the state decided here is then not the stream's.
          const appendedThrough = (cached.revision === NO_STREAM ? -1n : cached.revision) + BigInt(toAppend.length);
          if (result.nextExpectedRevision === appendedThrough) this.remember(stream, state, result.nextExpectedRevision);
          else this.cache.delete(stream);
          this.observer.appended(envelopes.length, toAppend.length);
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError) this.observer.conflicted();
          if (error instanceof WrongExpectedRevisionError && attempt < this.limits.conflictRetriesMax) {
            // Another process wrote meanwhile: fold in just its events, not the whole stream again.
            this.observer.retried();
            readAt = (await this.load(stream, cached)).revision;
            continue;
          }
          this.cache.delete(stream);
          if ((error instanceof EventIdConflictError || error instanceof InvalidAppendError) && envelopes.length > 1) return this.oneByOne(stream, envelopes);
          if (error instanceof EventIdConflictError && !decidedAfterIdConflict) {
            // Another process (a replica, the expiry job) may have written this very command a moment earlier:
            // its events carry the same ids, stamped with its own time. Decided again on the stream as it now
            // is, the command finds its own outcome; a second conflict is a key reused for something else.
            decidedAfterIdConflict = true;
            continue;
          }
          throw error;
        }
      }
      return decided.map((d) => ('error' in d ? { ok: false as const, error: d.error } : { ok: true as const, value: d.outcome(d.stateAfter) }));
    }
  }

  /** Isolates the command whose events collide with stored ones, or that the store refuses as invalid, so it alone fails. */
  private async oneByOne(stream: string, envelopes: Array<CommandEnvelope<Command>>) {
    const results: Array<{ ok: true; value: Outcome } | { ok: false; error: unknown }> = [];
    for (const envelope of envelopes) {
      try {
        results.push(...(await this.decideAndAppend(stream, [envelope])));
      } catch (error) {
        results.push({ ok: false, error });
      }
    }
    return results;
  }

  /** Reads the stream into a state, from scratch or on top of a cached one (events after its revision). */
  private async load(stream: string, from: Pick<CachedState<State>, 'state' | 'revision'> = { state: this.model.initialState(), revision: NO_STREAM }): Promise<CachedState<State>> {
    let state = from.state;
    let revision = from.revision;
    for (let next = revision === NO_STREAM ? 0n : revision + 1n; ; ) {
      const events = await this.store.readStream(stream, { fromRevision: next, maxCount: storeLimits.readCountMax });
      for (const recorded of events) {
        state = this.model.evolve(state, this.model.fromRecorded(recorded));
        revision = recorded.revision;
      }
      // A short page is the end of the stream: no second round trip to find out.
      if (events.length < storeLimits.readCountMax) break;
      next = events[events.length - 1]!.revision + 1n;
    }
    return this.remember(stream, state, revision);
  }

  /** This processor's streams only ever hold its own model's states, whoever else shares the cache. */
  private cached(stream: string): CachedState<State> | undefined {
    return this.cache.get(stream) as CachedState<State> | undefined;
  }

  private remember(stream: string, state: State, revision: bigint | typeof NO_STREAM): CachedState<State> {
    const cached = { state, revision, weight: this.model.weigh?.(state) ?? 1 };
    this.cache.set(stream, cached);
    return cached;
  }
}

/** The id of the `index`-th event a command under `idempotencyKey` decided: the same on every retry, so a retry is a repeat. */
export function decidedEventId(idempotencyKey: string, index: number): string {
  return deterministicEventId(`${idempotencyKey}/${index}`);
}

function toEventToAppend<Event extends { type: string; schemaVersion: number; data: unknown }>(event: Event, envelope: CommandEnvelope<unknown>, index: number): EventToAppend {
  return {
    id: decidedEventId(envelope.idempotencyKey, index),
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data as JsonObject,
    metadata: envelope.metadata,
  };
}
