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

export interface RepeatOptions {
  signal: AbortSignal;
  backoff: BackoffLimits;
  /** Told of each failure before the wait (log it, count it); throwing from it ends the repetition with that error. */
  failed: (error: unknown, delayMs: number, attempt: number) => void;
}

/**
 * Runs `run` again and again until `signal` aborts — the shape of every long-lived follower here (a relay,
 * a scheduler following the log): after a failure it waits a backoff that grows with the failures in a row,
 * and `run` calls `progressed` once it got somewhere, so the next failure starts from the first step again.
 */
export async function repeatWithBackoff(run: (progressed: () => void) => Promise<void>, options: RepeatOptions): Promise<void> {
  for (let attempt = 0; !options.signal.aborted; ) {
    try {
      await run(() => (attempt = 0));
    } catch (error) {
      if (options.signal.aborted) return;
      const delayMs = backoffDelayMs(attempt++, options.backoff);
      options.failed(error, delayMs, attempt);
      await sleep(delayMs, options.signal);
    }
  }
}
