/**
 * Bounded exponential backoff with full jitter: the n-th wait is random in [0, min(max, initial·2ⁿ)]. Here, at
 * the bottom of the libraries, so the event store's LISTEN reconnects and messaging's retries wait alike.
 */
export interface BackoffLimits {
  initialMs: number;
  maxMs: number;
}

export function backoffDelayMs(attempt: number, limits: BackoffLimits, random: () => number = Math.random): number {
  const ceiling = Math.min(limits.maxMs, limits.initialMs * 2 ** Math.min(attempt, 30));
  return Math.max(limits.initialMs, Math.round(ceiling * random()));
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller then checks why it woke). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
