import { repeatWithBackoff, START, type BackoffLimits, type EventStore, type ReadFrom, type Subscription } from '#event-store';
import type { GestureLedger, RequestContext } from './gesture-ledger.js';

export interface EscalationExpiryOptions {
  clock?: () => Date;
  /** How often due escalations are looked for. */
  checkEveryMs?: number;
  /** Pending escalations tracked at most; more is a sign of a stuck approval process, not load. */
  pendingMax?: number;
  /** Before following the log again after it failed (database or server away): bounded exponential, with jitter. */
  backoff?: BackoffLimits;
  log?: (line: string) => void;
}

const system: RequestContext = { principal: { subject: 'escalation-expiry', roles: ['admin'], storeId: null }, correlationId: 'escalation-expiry' };

/**
 * Releases reservations nobody decided in time: follows the log for escalations and their decisions,
 * and sends `ExpireEscalation` for each one past its `expiresAt`. Running it in several instances is
 * safe: expiry is idempotent, so a second instance's command appends nothing (one that raced the first
 * to the store is decided again on the stream as it now is, and finds the expiry). A subscription that fails once the scheduler is running (the
 * database restarted, the server dropped the stream) is opened again from the last batch seen, after a
 * backoff: otherwise reservations would silently stop being released.
 */
export class EscalationExpiryScheduler {
  private readonly pending = new Map<string, number>();
  private subscription: Subscription | undefined;
  private following: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: () => Date;
  private readonly checkEveryMs: number;
  private readonly pendingMax: number;
  private caughtUp = false;
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
    this.backoff = options.backoff ?? { initialMs: 250, maxMs: 10_000 };
    this.log = options.log ?? ((line) => console.error(line));
  }

  /**
   * Starts following the log; resolves once it has caught up with what was already there, and fails if
   * the log cannot be read before that (a start-up error is the caller's to see, not to retry here).
   */
  async start(): Promise<void> {
    let markCaughtUp!: () => void;
    const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
    this.following = this.follow(markCaughtUp);
    await Promise.race([caughtUp, this.following]);
    this.timer = setInterval(() => void this.expireDue().catch(() => undefined), this.checkEveryMs);
    this.timer.unref();
  }

  /** Follows from the start, then after any failure from the last batch seen, until stopped. */
  private async follow(markCaughtUp: () => void): Promise<void> {
    let from: ReadFrom = START;
    await repeatWithBackoff(
      async (progressed) => {
        const subscription = this.store.subscribeToAll({ from, maxBatchSize: 1_000 });
        this.subscription = subscription;
        try {
          for await (const message of subscription) {
            progressed();
            if (message.kind === 'caught_up') {
              this.caughtUp = true;
              markCaughtUp();
              continue;
            }
            for (const event of message.events) this.track(event.type, event.data as { gestureId?: string; expiresAt?: string });
            from = message.checkpoint;
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
          if (!this.caughtUp) throw error;
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
    if (!this.caughtUp) return 0;
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

  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearInterval(this.timer);
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
