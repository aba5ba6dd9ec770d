import { escalationTimerActorId } from '#domain';
import {
  comparePositions,
  NO_STREAM,
  repeatWithBackoff,
  START,
  WrongExpectedRevisionError,
  type BackoffLimits,
  type EventStore,
  type Position,
  type ReadFrom,
  type Subscription,
} from '#event-store';
import { escalationExpirySnapshotStream, snapshotEvent, snapshotOf, snapshotPendingMaxDefault, type EscalationExpirySnapshot } from './escalation-expiry-snapshot.js';
import type { GestureLedger, RequestContext } from './gesture-ledger.js';

export interface EscalationExpiryOptions {
  clock?: () => Date;
  /** How often due escalations are looked for. */
  checkEveryMs?: number;
  /** Pending escalations tracked at most; more is a sign of a stuck approval process, not load. */
  pendingMax?: number;
  /** How often a snapshot is considered (`takeSnapshot`); a start then reads about this much of the log, or twice it. */
  snapshotEveryMs?: number;
  /** Pending escalations a snapshot holds at most (`snapshotPendingMaxDefault`); above it none is taken. */
  snapshotPendingMax?: number;
  /** Before following the log again after it failed (database or server away): bounded exponential, with jitter. */
  backoff?: BackoffLimits;
  log?: (line: string) => void;
}

const system: RequestContext = { principal: { subject: escalationTimerActorId, roles: ['admin'], storeId: null }, correlationId: 'escalation-expiry' };

/**
 * Releases reservations nobody decided in time: follows the log for escalations and their decisions,
 * and sends `ExpireEscalation` for each one past its `expiresAt`. Running it in several instances is
 * safe: expiry is idempotent, so a second instance's command appends nothing (one that raced the first
 * to the store is decided again on the stream as it now is, and finds the expiry). A subscription that fails (the
 * database restarted, the server dropped the stream) is opened again from the last batch seen, after a
 * backoff: otherwise reservations would silently stop being released.
 *
 * Starting does not fold the whole log, which grows without end while the escalations pending are few:
 * the schedulers snapshot what they know — the checkpoint and the pending set, nothing else — in a stream
 * of the event store itself (every adapter has one, so no other database is needed), and a start reads
 * the newest snapshot and follows the log only after its checkpoint: O(pending + log since the snapshot).
 * Not a low-water mark (resuming at the oldest pending escalation) instead: one escalation left unexpired
 * (the scheduler down, its expiry failing) would hold that mark back without bound. A snapshot is a fold of
 * the log up to its checkpoint, so any instance's is as good as another's: each appends at the revision it
 * read (losing a race is fine), never behind the newest snapshot's checkpoint, nor within half a period of
 * it, so several instances write about one per period between them. Above `snapshotPendingMax` pending
 * none is written and a start goes back to the last one that fit: slower, never wrong. Catching up runs in
 * the background: `start` waits only for the snapshot, so the API is not held behind it, and `expireDue`
 * does nothing until caught up.
 */
export class EscalationExpiryScheduler {
  private readonly pending = new Map<string, number>();
  /** Every event up to here is folded into `pending`. */
  private checkpoint: ReadFrom = START;
  /** The last event followed that is not a snapshot: null while only snapshots came since the start. */
  private lastNews: Position | null = null;
  private subscription: Subscription | undefined;
  private following: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly clock: () => Date;
  private readonly checkEveryMs: number;
  private readonly pendingMax: number;
  private readonly snapshotEveryMs: number;
  private readonly snapshotPendingMax: number;
  private isCaughtUp = false;
  private markCaughtUp!: () => void;
  private readonly caughtUp = new Promise<void>((resolve) => (this.markCaughtUp = resolve));
  private readonly stopping = new AbortController();
  private readonly backoff: BackoffLimits;
  private readonly log: (line: string) => void;

  constructor(
    private readonly store: EventStore,
    private readonly ledger: GestureLedger,
    options: EscalationExpiryOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.checkEveryMs = options.checkEveryMs ?? 5_000;
    this.pendingMax = options.pendingMax ?? 1_000_000;
    this.snapshotEveryMs = options.snapshotEveryMs ?? 10 * 60_000;
    this.snapshotPendingMax = options.snapshotPendingMax ?? snapshotPendingMaxDefault;
    this.backoff = options.backoff ?? { initialMs: 250, maxMs: 10_000 };
    this.log = options.log ?? ((line) => console.error(line));
  }

  /**
   * Loads the newest snapshot and starts following the log after it; fails if the snapshot cannot be read
   * (a start-up error is the caller's to see, not to retry here). Catching up goes on in the background.
   */
  async start(): Promise<void> {
    const newest = await this.store.readLastEvent(escalationExpirySnapshotStream);
    const snapshot = newest && snapshotOf(newest);
    if (newest && !snapshot) this.log(`escalation expiry: the newest snapshot (${newest.type} v${newest.schemaVersion}) is not one this version reads; folding the whole log`);
    if (snapshot) {
      this.checkpoint = snapshot.checkpoint;
      for (const [gestureId, expiresAtMs] of snapshot.pending) this.pending.set(gestureId, expiresAtMs);
    }
    this.following = this.follow();
    this.timers = [
      setInterval(() => void this.expireDue().catch(() => undefined), this.checkEveryMs),
      setInterval(() => void this.takeSnapshot().catch((error: unknown) => this.log(`escalation expiry: snapshot failed: ${(error as Error).message ?? error}`)), this.snapshotEveryMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  /** Resolves once the scheduler has followed the log up to its head as it was when it looked. */
  whenCaughtUp(): Promise<void> {
    return this.caughtUp;
  }

  /** Follows from the checkpoint, again after any failure, until stopped. */
  private async follow(): Promise<void> {
    await repeatWithBackoff(
      async (progressed) => {
        const subscription = this.store.subscribeToAll({ from: this.checkpoint, maxBatchSize: 1_000 });
        this.subscription = subscription;
        try {
          for await (const message of subscription) {
            progressed();
            if (message.kind === 'caught_up') {
              this.isCaughtUp = true;
              this.markCaughtUp();
              continue;
            }
            for (const event of message.events) {
              this.track(event.type, event.data as { gestureId?: string; expiresAt?: string });
              if (event.streamName !== escalationExpirySnapshotStream) this.lastNews = event.position;
            }
            this.checkpoint = message.checkpoint;
          }
          if (!this.stopping.signal.aborted) throw new Error('the subscription ended');
        } finally {
          await subscription.stop().catch(() => undefined);
        }
      },
      {
        signal: this.stopping.signal,
        backoff: this.backoff,
        failed: (error, delayMs, attempt) => {
          this.log(`escalation expiry: ${(error as Error).message ?? error}; following the log again in ${delayMs} ms (attempt ${attempt})`);
        },
      },
    );
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Sends expiry for every escalation now due; returns how many were expired. */
  async expireDue(): Promise<number> {
    if (!this.isCaughtUp) return 0;
    const now = this.clock().getTime();
    let expired = 0;
    for (const [gestureId, expiresAtMs] of [...this.pending]) {
      if (expiresAtMs > now) continue;
      const result = await this.ledger.expireEscalation(gestureId, system).catch((error: unknown) => {
        this.log(`escalation expiry: ${gestureId} failed: ${(error as Error).message ?? error}; trying again on the next pass`);
        return undefined;
      });
      // Kept pending when it failed, and the others due do not wait behind it.
      if (result === undefined) continue;
      // Decided meanwhile, or expired by another instance: either way it is no longer ours to expire.
      if (result.kind === 'ok' || (result.kind === 'refused' && result.reason !== 'not_yet_expired')) this.pending.delete(gestureId);
      if (result.kind === 'ok' && result.value.outcome === 'escalated' && result.value.status === 'expired') expired++;
    }
    return expired;
  }

  /**
   * Appends a snapshot as of the checkpoint, unless this instance has not caught up, holds more than a
   * snapshot may, the newest snapshot is as far along or younger than half a period (another instance
   * took it), or nothing but snapshots was appended since the newest (an idle log would otherwise gain one
   * a period for ever). True when it wrote one.
   */
  async takeSnapshot(): Promise<boolean> {
    if (!this.isCaughtUp || this.checkpoint === START) return false;
    if (this.pending.size > this.snapshotPendingMax) {
      this.log(`escalation expiry: ${this.pending.size} escalations pending, more than a snapshot holds (${this.snapshotPendingMax}); a start reads the log from the last snapshot taken`);
      return false;
    }
    // Copied before any wait: following goes on meanwhile, and the set must be the one at this checkpoint.
    const snapshot: EscalationExpirySnapshot = { checkpoint: this.checkpoint, pending: new Map(this.pending) };
    const news = this.lastNews;
    const takenAt = this.clock();
    const newest = await this.store.readLastEvent(escalationExpirySnapshotStream);
    const previous = newest && snapshotOf(newest);
    // Nothing but snapshots since the newest (this one's own, followed, included): an idle log stays as it is.
    if (previous && (news === null || comparePositions(previous.checkpoint, news) >= 0)) return false;
    if (newest && takenAt.getTime() - Date.parse(newest.metadata.recordedAt) < this.snapshotEveryMs / 2) return false;
    try {
      await this.store.appendToStream(escalationExpirySnapshotStream, [snapshotEvent(snapshot, takenAt)], { expectedRevision: newest ? newest.revision : NO_STREAM });
      return true;
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return false;
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    for (const timer of this.timers) clearInterval(timer);
    await this.subscription?.stop();
    await this.following?.catch(() => undefined);
  }

  private track(type: string, data: { gestureId?: string; expiresAt?: string }): void {
    if (!data.gestureId) return;
    if (type === 'GestureEscalated' && data.expiresAt) {
      if (this.pending.size >= this.pendingMax) throw new Error(`escalation expiry: more than ${this.pendingMax} escalations pending`);
      this.pending.set(data.gestureId, Date.parse(data.expiresAt));
    } else if (type === 'GestureApproved' || type === 'GestureDenied' || type === 'EscalationExpired') {
      this.pending.delete(data.gestureId);
    }
  }
}
