import { decidePolicy, evolvePolicy, initialPolicyState, isRefusal, policyStreamName, type Policy, type PolicyEvent, type PolicyState } from '#domain';
import { NO_STREAM, deterministicEventId, type EventMetadata, type EventStore } from '#event-store';

export class NoPolicyError extends Error {
  override readonly name = 'NoPolicyError';
  constructor() {
    super('no policy has been published yet');
  }
}

/**
 * The policy every decision is made under: read from its own stream at start-up and kept in memory,
 * replaced when a new version is published through this book.
 */
export class PolicyBook {
  private state: PolicyState = initialPolicyState();
  private revision: bigint | typeof NO_STREAM = NO_STREAM;

  constructor(private readonly store: EventStore) {}

  async load(): Promise<void> {
    let state: PolicyState = initialPolicyState();
    let revision: bigint | typeof NO_STREAM = NO_STREAM;
    for (const recorded of await this.store.readStream(policyStreamName)) {
      state = evolvePolicy(state, { type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data } as unknown as PolicyEvent);
      revision = recorded.revision;
    }
    this.state = state;
    this.revision = revision;
  }

  current(): Policy {
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
}
