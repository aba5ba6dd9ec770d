import { describe, expect, it } from '@jest/globals';
import { backoffDelayMs, repeatWithBackoff, sleep } from './backoff.js';

describe('backoffDelayMs', () => {
  const limits = { initialMs: 250, maxMs: 10_000 };

  it('doubles its ceiling per attempt up to the maximum, and never waits less than the initial delay', () => {
    const ceilings = [0, 1, 2, 3, 5, 6, 40].map((attempt) => backoffDelayMs(attempt, limits, () => 1));
    expect(ceilings).toEqual([250, 500, 1_000, 2_000, 8_000, 10_000, 10_000]);
    expect([0, 3, 40].map((attempt) => backoffDelayMs(attempt, limits, () => 0))).toEqual([250, 250, 250]);
  });

  it('spreads waits over the whole range (full jitter)', () => {
    expect(backoffDelayMs(4, limits, () => 0.5)).toBe(2_000);
    const waits = Array.from({ length: 200 }, () => backoffDelayMs(10, limits));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...waits)).toBeLessThanOrEqual(10_000);
    expect(new Set(waits).size).toBeGreaterThan(50);
  });
});

describe('sleep', () => {
  it('wakes at once when its signal aborts', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const slept = sleep(60_000, abort.signal);
    abort.abort();
    await slept;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('repeatWithBackoff', () => {
  it('repeats after failures with a growing wait, starts over once a run progressed, and stops when aborted', async () => {
    const stop = new AbortController();
    const attempts: number[] = [];
    let runs = 0;
    await repeatWithBackoff(
      async (progressed) => {
        runs++;
        if (runs === 3) progressed();
        if (runs === 5) stop.abort();
        throw new Error(`run ${runs}`);
      },
      { signal: stop.signal, backoff: { initialMs: 1, maxMs: 2 }, failed: (_error, _delayMs, attempt) => attempts.push(attempt) },
    );
    // The fifth run's failure comes after the abort: not told, no wait.
    expect(attempts).toEqual([1, 2, 1, 2]);
    expect(runs).toBe(5);
  });

  it('ends with the error `failed` throws', async () => {
    const stop = new AbortController();
    await expect(
      repeatWithBackoff(
        async () => {
          throw new Error('not yet caught up');
        },
        { signal: stop.signal, backoff: { initialMs: 1, maxMs: 1 }, failed: (error) => {
            throw error;
          },
        },
      ),
    ).rejects.toThrow('not yet caught up');
  });
});
