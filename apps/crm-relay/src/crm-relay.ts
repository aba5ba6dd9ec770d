import { assertLogPartition, comparePositions, START, type EventStore, type LogPartition, type Position, type ReadFrom, type RecordedEvent, type Subscription } from '#event-store';
import { isDomainStream, repeatWithBackoff, shardCheckpointName, sleep, toCloudEventMessage, type BackoffLimits, LeaseLostError, type CheckpointStore, type MessagePublisher, type OutgoingMessage, type TopicAdmin, type TopicMessages, type TopicSpec } from '#messaging';
import { PartyStates, defaultPartyStatesLimits, type PartyStatesLimits } from './party-states.js';
import { resumePoint, shardOf } from './resume-point.js';
import { stateMessage } from './state-messages.js';

export interface CrmRelayOptions {
  /** The checkpoint's name (a shard's is derived from it). */
  name: string;
  /**
   * The share of the log this instance publishes, when several relays work side by side (one process
   * each): every stream, and so every message key, belongs to exactly one shard, so per-key order holds.
   * Each shard keeps its own checkpoint and lease. Absent: the whole log.
   */
  shard?: LogPartition;
  /** CloudEvents `source`. */
  source: string;
  topics: { events: string; customerLoyalty: string; employeeDiscretion: string };
  /** Created when missing, before the first publish. */
  topicSpecs: readonly TopicSpec[];
  /** Events read from the log and published in one acknowledged batch at most. */
  batchEventsMax?: number;
  /**
   * At the head of the log, how long after starting a publish the relay waits before reading the next
   * batch (10 ms), as a producer's `linger.ms`: each transaction then carries what arrived meanwhile
   * rather than an append or two, and the broker writes fewer commit markers (one per partition per
   * transaction). Not while catching up, where batches are full anyway.
   */
  lingerMs?: number;
  /** Outer retry after a failure (broker or database away): bounded exponential, with jitter. */
  backoff?: BackoffLimits;
  partyStates?: PartyStatesLimits;
  /** How often the checkpoint's lease is renewed while following, and looked at while on standby (5 s). */
  leaseRenewMs?: number;
  log?: (line: string) => void;
}

export interface CrmRelayStats {
  eventsPublished: number;
  /** Records the broker acknowledged: each event's, and the latest state of each party a batch touched. */
  recordsPublished: number;
  batchesPublished: number;
  failures: number;
  checkpoint: ReadFrom;
  caughtUp: boolean;
  /** This instance holds the checkpoint's lease (false: a standby waiting for it). */
  active: boolean;
  /** The last attempt failed and the relay is backing off (readiness reports it). */
  lastError: string | null;
}

/**
 * Follows the global log from its stored checkpoint and publishes every event to the event topic (keyed
 * by employee or customer), plus the latest state of each party the batch touched to the compacted state
 * topics — all in one batch, and the checkpoint moves only after the broker acknowledged all of it.
 * Delivery is at-least-once: a crash between the ack and the checkpoint republishes that batch, with the
 * same event ids. With a publisher that can fence (Kafka's), each batch is one transaction, and an
 * instance fences the previous holders of its checkpoint's lease before it reads the checkpoint: one that
 * stalled with a batch in hand (a long pause, a network partition) cannot publish it after newer states
 * once it wakes up. Any failure (broker away, database away) restarts the subscription from the stored
 * checkpoint after a bounded backoff: the relay never exits on its own and never skips. Several relays
 * can share the work, each publishing one shard of the log (`shard`): a stream's events, and so a key's,
 * all go through one of them, in order.
 */
export class CrmRelay {
  private readonly batchEventsMax: number;
  private readonly lingerMs: number;
  /** Where this instance keeps its place: the relay's name, or for a shard `<name>.shard-<index>-of-<count>`. */
  readonly checkpointName: string;
  /**
   * Whom the publisher fences: every instance of this checkpoint, and only those. The event topic is part
   * of it because checkpoints live in a deployment's database but the broker may serve several
   * deployments, each with topics of its own: relays of the same name there must not fence each other.
   */
  readonly writerId: string;
  private readonly backoff: BackoffLimits;
  private readonly log: (line: string) => void;
  private states: PartyStates;
  private subscription: Subscription | null = null;
  private running: Promise<void> | null = null;
  private readonly stopping = new AbortController();
  private topicsReady = false;
  private readonly waiters = new Set<{ position: Position; resolve: () => void }>();
  readonly stats: CrmRelayStats = { eventsPublished: 0, recordsPublished: 0, batchesPublished: 0, failures: 0, checkpoint: 'start', caughtUp: false, active: false, lastError: null };

  constructor(
    private readonly store: EventStore,
    private readonly publisher: MessagePublisher,
    private readonly admin: TopicAdmin,
    private readonly checkpoints: CheckpointStore,
    private readonly options: CrmRelayOptions,
  ) {
    this.batchEventsMax = options.batchEventsMax ?? 5_000;
    this.lingerMs = options.lingerMs ?? 10;
    if (options.shard) assertLogPartition(options.shard);
    this.checkpointName = options.shard && options.shard.count > 1 ? shardCheckpointName(options.name, options.shard.index, options.shard.count) : options.name;
    this.writerId = writerIdOf(this.checkpointName, options.topics.events);
    this.backoff = options.backoff ?? { initialMs: 250, maxMs: 10_000 };
    this.log = options.log ?? ((line) => console.error(line));
    this.states = new PartyStates(store, options.partyStates ?? defaultPartyStatesLimits);
  }

  start(): void {
    this.running ??= this.follow();
  }

  /** Stops after the batch in flight (its ack and checkpoint complete first). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.subscription?.stop();
    await this.running;
    if (this.stats.active) await this.checkpoints.release(this.checkpointName).catch(() => undefined);
    this.stats.active = false;
  }

  /** Resolves once the checkpoint is at or past `position` (tests, benchmarks). */
  until(position: ReadFrom, timeoutMs: number): Promise<void> {
    if (position === 'start' || this.reached(position)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { position, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`relay did not reach ${position.commit}/${position.prepare} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private async follow(): Promise<void> {
    await repeatWithBackoff((progressed) => this.followOnce(progressed), {
      signal: this.stopping.signal,
      backoff: this.backoff,
      failed: (error, delayMs, attempt) => {
        this.stats.failures++;
        this.stats.lastError = (error as Error).message ?? String(error);
        // Looked for again before the retry: topics deleted under the relay, or a broker that came back
        // empty, would otherwise fail every publish forever (the broker does not create topics on produce).
        this.topicsReady = false;
        // States folded from a batch that was not acknowledged are dropped with it.
        this.states = new PartyStates(this.store, this.options.partyStates ?? defaultPartyStatesLimits);
        this.log(`crm-relay: ${(error as Error).message ?? error}; retrying from the checkpoint in ${delayMs} ms (attempt ${attempt})`);
      },
    });
  }

  private async followOnce(succeeded: () => void): Promise<void> {
    if (!this.topicsReady) {
      const created = await this.admin.ensureTopics(this.options.topicSpecs);
      // After a start, a missing topic was never there; after a failure, it was lost, and with it what was
      // published to it before: resetting the relay's checkpoint to the start publishes that again.
      if (created.length > 0) this.log(`crm-relay: created topics ${created.join(', ')}${this.stats.failures > 0 ? ' (missing after a failure: what they held before is gone unless the checkpoint is reset to the start)' : ''}`);
      this.topicsReady = true;
    }
    if (!(await this.awaitLease())) return;
    await this.fencePreviousHolders();
    const from = await this.startingPoint();
    this.stats.checkpoint = from;
    const subscription = this.store.subscribeToAll({ from, maxBatchSize: this.batchEventsMax, ...(this.options.shard ? { partition: this.options.shard } : {}) });
    this.subscription = subscription;
    // Renewed between batches too, so a relay idling at the head keeps its lease; losing it (another
    // instance took over after a stall) ends this subscription, and `follow` goes back to standby.
    const renewal = setInterval(() => {
      this.checkpoints.renew(this.checkpointName).then(
        (held) => {
          if (!held) {
            this.stats.active = false;
            this.log('crm-relay: lost the checkpoint lease to another instance');
            void subscription.stop();
          }
        },
        () => undefined,
      );
    }, this.options.leaseRenewMs ?? 5_000);
    let announced = false;
    // One batch is published while the next is read and folded: the producer allows one request in
    // flight, so this keeps it busy. Batches are still acknowledged and checkpointed strictly in order.
    let publishing: Promise<void> | null = null;
    try {
      for await (const message of subscription) {
        if (this.stopping.signal.aborted) break;
        if (message.kind === 'caught_up') {
          // Said once per (re)start: afterwards the relay catches up after nearly every batch.
          if (!announced) this.log(`crm-relay: caught up at ${describe(message.checkpoint)}`);
          announced = true;
          this.stats.caughtUp = true;
          this.stats.lastError = null;
          continue;
        }
        this.stats.caughtUp = false;
        const batch = await this.prepare(message.events);
        if (publishing) {
          await publishing;
          succeeded();
        }
        publishing = this.publish(batch, message.events.length, message.checkpoint);
        // A failed publish ends the subscription at once, so the failure surfaces below and `follow`
        // retries from the checkpoint. Otherwise a relay at the head of a quiet log would wait for the
        // next append to notice, and until then leave its last batch unpublished.
        publishing.catch(() => void subscription.stop());
        if (message.events.length < this.batchEventsMax && this.lingerMs > 0) await sleep(this.lingerMs, this.stopping.signal);
      }
      await publishing;
      if (!this.stats.active && !this.stopping.signal.aborted) throw new LeaseLostError(this.checkpointName);
    } finally {
      clearInterval(renewal);
      this.subscription = null;
      await subscription.stop();
      await publishing?.catch(() => undefined);
    }
  }

  /**
   * The stored checkpoint, or further on when the relays of another layout (unsharded, or another number
   * of shards) have together published everything before a later point (`resumePoint`): going from one
   * relay to several, or changing the number of shards, republishes only what the previous layout's
   * shards had not all reached (at-least-once).
   */
  private async startingPoint(): Promise<ReadFrom> {
    const own = await this.checkpoints.load(this.checkpointName);
    return resumePoint(this.options.name, own, await this.checkpoints.family(this.options.name));
  }

  /**
   * Waits, as a standby, until this instance holds the checkpoint's lease: one relay publishes per
   * checkpoint, so two can never interleave a key's events. False when stopped while waiting.
   */
  private async awaitLease(): Promise<boolean> {
    let announced = false;
    let otherLayoutAnnounced = false;
    while (!this.stopping.signal.aborted) {
      if (await this.checkpoints.claim(this.checkpointName)) {
        const others = await this.otherLayoutsRunning();
        if (others.length === 0) {
          if (announced || otherLayoutAnnounced) this.log('crm-relay: took the checkpoint lease; following the log');
          this.stats.active = true;
          return true;
        }
        // Two layouts side by side would each publish a key's states from their own place in the log, so
        // the compacted topics could keep an older state after a newer one: this layout waits for the other
        // to stop. Its leases are not looked at again while it runs; only a newcomer stands aside.
        await this.checkpoints.release(this.checkpointName);
        this.stats.active = false;
        this.stats.lastError = null;
        if (!otherLayoutAnnounced) this.log(`crm-relay: another shard layout of ${this.options.name} is running (${others.join(', ')}); standing by until it stops`);
        otherLayoutAnnounced = true;
        // Jittered: two layouts started together would otherwise keep stepping aside for each other.
        await sleep((this.options.leaseRenewMs ?? 5_000) * (0.5 + Math.random()), this.stopping.signal);
        continue;
      }
      // Also when this instance lost the lease without its renewal noticing (it stalled meanwhile).
      this.stats.active = false;
      if (!announced) this.log('crm-relay: another instance holds the checkpoint lease; standing by');
      announced = true;
      // Standing by is not failing: a relay that lost the lease (LeaseLostError) would otherwise stay
      // not-ready until it held the lease again.
      this.stats.lastError = null;
      await sleep(this.options.leaseRenewMs ?? 5_000, this.stopping.signal);
    }
    return false;
  }

  /** Checkpoints of the relay's other shard layouts that a running instance holds. */
  private async otherLayoutsRunning(): Promise<string[]> {
    return (await this.checkpoints.leasedInFamily(this.options.name)).filter((name) => this.isOtherLayout(name));
  }

  /** Every checkpoint of the relay's other shard layouts, leased or not. */
  private async otherLayoutCheckpoints(): Promise<string[]> {
    return (await this.checkpoints.family(this.options.name)).map((c) => c.name).filter((name) => this.isOtherLayout(name));
  }

  private isOtherLayout(checkpointName: string): boolean {
    const shard = shardOf(this.options.name, checkpointName);
    return shard !== null && shard.count !== (this.options.shard?.count ?? 1);
  }

  /**
   * Makes the publishes of the lease's previous holders fail, and what they had sent but not committed
   * invisible to consumers that read committed records. Before the checkpoint is read: whatever they
   * got committed is then in the topics before what this instance publishes from the checkpoint on,
   * which repeats it or goes past it. The lease is claimed once more after the fence: had this instance
   * stalled between its claim and the fence, the lease may have passed to another, which this fence has
   * just fenced in turn; this one stands by rather than publish, and the other fences again on its retry.
   */
  private async fencePreviousHolders(): Promise<void> {
    if (!this.publisher.fence) return;
    await this.publisher.fence(this.writerId);
    // And the writers of the relay's other shard layouts, none of which holds a lease now (`awaitLease`): one
    // whose lease ran out while it stalled would otherwise publish its batch in hand beside this layout, and
    // a compacted topic could keep the older state of a key it shares with this one.
    const others = await this.otherLayoutCheckpoints();
    if (others.length > 0) await this.publisher.fenceOthers?.(others.map((name) => writerIdOf(name, this.options.topics.events)));
    if (await this.checkpoints.claim(this.checkpointName)) return;
    this.stats.active = false;
    throw new LeaseLostError(this.checkpointName);
  }

  /** The batch's records: every event, and the latest state of each party it touched. */
  private async prepare(events: RecordedEvent[]): Promise<TopicMessages[]> {
    const parties = await this.states.advance(events);
    const loyalty: OutgoingMessage[] = [];
    const discretion: OutgoingMessage[] = [];
    for (const party of parties) {
      const state = stateMessage(party, this.options.source);
      if (state) (state.topic === 'customerLoyalty' ? loyalty : discretion).push(state.message);
    }
    return [
      { topic: this.options.topics.events, messages: events.filter((e) => isDomainStream(e.streamName)).map((e) => toCloudEventMessage(e, this.options.source)) },
      { topic: this.options.topics.customerLoyalty, messages: loyalty },
      { topic: this.options.topics.employeeDiscretion, messages: discretion },
    ];
  }

  /** Sends a prepared batch (one transaction once fenced); the checkpoint moves only after the broker acknowledged all of it. */
  private async publish(batch: TopicMessages[], events: number, checkpoint: Position): Promise<void> {
    await this.publisher.publish(batch);
    await this.checkpoints.save(this.checkpointName, checkpoint);
    this.stats.checkpoint = checkpoint;
    this.stats.eventsPublished += events;
    for (const topic of batch) this.stats.recordsPublished += topic.messages.length;
    this.stats.batchesPublished++;
    this.stats.lastError = null;
    for (const waiter of this.waiters) {
      if (this.reached(waiter.position)) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private reached(position: Position): boolean {
    const at = this.stats.checkpoint;
    return at !== 'start' && comparePositions(at, position) >= 0;
  }
}

/** The transactional id a relay's checkpoint publishes under: one writer per checkpoint and event topic. */
function writerIdOf(checkpointName: string, eventsTopic: string): string {
  return `${checkpointName}@${eventsTopic}`;
}

function describe(from: ReadFrom): string {
  return from === 'start' ? 'the start of the log' : `${from.commit}/${from.prepare}`;
}
