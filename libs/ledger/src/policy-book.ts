import { decidePolicy, evolvePolicy, initialPolicyState, isRefusal, policyStreamName, type Policy, type PolicyEvent, type PolicyState } from '#domain';
import { NO_STREAM, deterministicEventId, type EventMetadata, type EventStore } from '#event-store';

export class NoPolicyError extends Error {
  override readonly name = 'NoPolicyError';
  constructor() {
    super('no policy has been published yet');
  }
}

export interface PolicyBookOptions {
  /** How often a process that decides reads the stream for versions other processes published. */
  readonly followEveryMs?: number;
}

/**
 * The policy every decision is made under: read from its own stream at start-up and kept in memory,
 * replaced when a new version is published, by this process or (read while deciding, every
 * `followEveryMs`) by another replica.
 */
export class PolicyBook {
  private state: PolicyState = initialPolicyState();
  private revision: bigint | typeof NO_STREAM = NO_STREAM;
  private lastReadMs = Number.NEGATIVE_INFINITY;
  private following = false;
  private readonly followEveryMs: number;

  constructor(
    private readonly store: EventStore,
    options: PolicyBookOptions = {},
  ) {
    this.followEveryMs = options.followEveryMs ?? 2_000;
  }

  async load(): Promise<void> {
    this.lastReadMs = Date.now();
    const fromRevision = this.revision === NO_STREAM ? 0n : this.revision + 1n;
    const recorded = await this.store.readStream(policyStreamName, { fromRevision });
    // Reads may answer out of order (a publish's own, a follow-up): only versions newer than the book's move it on.
    for (const event of recorded) {
      if (this.revision !== NO_STREAM && event.revision <= this.revision) continue;
      this.state = evolvePolicy(this.state, { type: event.type, schemaVersion: event.schemaVersion, data: event.data } as unknown as PolicyEvent);
      this.revision = event.revision;
    }
  }

  current(): Policy {
    // Also while none is published: the first version may come from another process (a replica, an admin's
    // tool), and this book must find it without a restart.
    this.followIfDue();
    if (this.state.status !== 'published') throw new NoPolicyError();
    return this.state.policy;
  }

  get published(): boolean {
    return this.state.status === 'published';
  }

  async publish(policy: Policy, publishedBy: string, metadata: EventMetadata): Promise<{ kind: 'published'; version: number } | { kind: 'refused'; reason: string; details: readonly string[] }> {
    await this.load();
    const decision = decidePolicy({ type: 'PublishPolicy', data: { policy, publishedBy, recordedAt: metadata.recordedAt } }, this.state);
    if (isRefusal(decision)) return { kind: 'refused', reason: decision.reason, details: decision.details };
    // The version already current, sent again (a retried publish): answered as the first time, nothing written.
    if (decision.length === 0) return { kind: 'published', version: policy.version };
    await this.store.appendToStream(
      policyStreamName,
      decision.map((event) => ({ id: deterministicEventId(`policy/${policy.version}`), type: event.type, schemaVersion: event.schemaVersion, data: event.data as never, metadata })),
      { expectedRevision: this.revision },
    );
    await this.load();
    return { kind: 'published', version: policy.version };
  }

  /**
   * Decisions are synchronous, so the read runs beside them: the version it finds decides the next ones.
   * A failed read is left for the next due one; meanwhile the version at hand keeps deciding.
   */
  private followIfDue(): void {
    if (this.following || Date.now() - this.lastReadMs < this.followEveryMs) return;
    this.following = true;
    this.load()
      .catch(() => undefined)
      .finally(() => (this.following = false));
  }
}
