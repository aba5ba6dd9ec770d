import { describe, expect, it } from '@jest/globals';
import { loadSettings } from './settings.js';
import { fitStateCaches } from './state-caches.js';

const base = { JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/gl-settings-spec' };
/** What V8 reports for the services' flags (192 MB old generation, 32 MB semi-spaces). */
const serviceHeapBytes = 301_989_888;

describe('loadSettings: LEDGER_STATE_CACHE_MB', () => {
  it('gives the ledger 64 MB of folded states unless told otherwise, and refuses nonsense naming the variable', () => {
    expect(loadSettings(base).ledgerStateCacheMb).toBe(64);
    expect(loadSettings({ ...base, LEDGER_STATE_CACHE_MB: '256' }).ledgerStateCacheMb).toBe(256);
    for (const value of ['4', '12.5', 'lots']) expect(() => loadSettings({ ...base, LEDGER_STATE_CACHE_MB: value })).toThrow(/^LEDGER_STATE_CACHE_MB: /);
  });
});

describe('fitStateCaches', () => {
  it('leaves each service of its own process its default caches under the services heap', () => {
    const settings = loadSettings(base);
    expect(fitStateCaches(settings, ['ledger'], serviceHeapBytes)).toEqual({ settings, scaledDown: null });
    expect(fitStateCaches(settings, ['relay'], serviceHeapBytes)).toEqual({ settings, scaledDown: null });
  });

  it('scales the ledger and the relay down together, in proportion, when one heap holds both and they would not fit in half of it', () => {
    const { settings, scaledDown } = fitStateCaches(loadSettings(base), ['ledger', 'relay'], serviceHeapBytes);
    // 64 + 128 MB asked for, 150 MB available: each gets 150/192 of its share.
    expect(settings.ledgerStateCacheMb).toBe(50);
    expect(settings.kafka.relayStateCacheMb).toBe(100);
    expect(settings.ledgerStateCacheMb + settings.kafka.relayStateCacheMb).toBeLessThanOrEqual(150);
    expect(scaledDown).toMatch(/LEDGER_STATE_CACHE_MB 64 -> 50, CRM_RELAY_STATE_CACHE_MB 128 -> 100/);
    expect(scaledDown).toMatch(/302 MB heap/);
  });

  it("scales only the caches of the services this process runs", () => {
    const { settings } = fitStateCaches(loadSettings({ ...base, LEDGER_STATE_CACHE_MB: '400' }), ['ledger'], serviceHeapBytes);
    expect(settings.ledgerStateCacheMb).toBe(150);
    expect(settings.kafka.relayStateCacheMb).toBe(128);
  });

  it('never gives a service less than 8 MB, however small the heap', () => {
    const { settings, scaledDown } = fitStateCaches(loadSettings(base), ['ledger', 'relay'], 20_000_000);
    expect(settings.ledgerStateCacheMb).toBe(8);
    expect(settings.kafka.relayStateCacheMb).toBe(8);
    expect(scaledDown).not.toBeNull();
  });
});
