import { describe, expect, it } from '@jest/globals';
import { FixedWindowCounter } from './rate-limit.js';

describe('FixedWindowCounter', () => {
  it('lets a client through up to its limit per window, then answers the seconds left', () => {
    const counter = new FixedWindowCounter(10_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) expect(counter.hit('a', 3, t0 + i)).toBe(0);
    expect(counter.hit('a', 3, t0 + 2_500)).toBe(8);
    expect(counter.hit('b', 3, t0 + 2_500)).toBe(0);
  });

  it('starts a new window once the old one has ended', () => {
    const counter = new FixedWindowCounter(1_000);
    expect(counter.hit('a', 1, 0)).toBe(0);
    expect(counter.hit('a', 1, 999)).toBe(1);
    expect(counter.hit('a', 1, 1_000)).toBe(0);
  });

  it('keeps at most the configured number of clients, dropping ended windows first', () => {
    const counter = new FixedWindowCounter(1_000, 3);
    counter.hit('old', 10, 0);
    counter.hit('b', 10, 900);
    counter.hit('c', 10, 900);
    counter.hit('d', 10, 1_500);
    expect(counter.trackedClients).toBe(3);
    // 'old' ended, so it went; a fifth client with all live evicts the oldest live one.
    counter.hit('e', 10, 1_600);
    expect(counter.trackedClients).toBe(3);
    expect(counter.hit('e', 10, 1_601)).toBe(0);
  });
});
