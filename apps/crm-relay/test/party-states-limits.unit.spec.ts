import { describe, expect, it } from '@jest/globals';
import { defaultPartyStatesLimits, partyStatesLimits } from '../src/party-states.js';

describe('partyStatesLimits', () => {
  it('bounds the folded states by their measured heap size (200 bytes a weight unit) and their number (1 KB each at least)', () => {
    expect(partyStatesLimits(128)).toEqual({ cachedStreamsMax: 128_000, cachedWeightMax: 640_000, concurrentLoadsMax: 8 });
    expect(partyStatesLimits(8)).toEqual({ cachedStreamsMax: 8_000, cachedWeightMax: 40_000, concurrentLoadsMax: 8 });
    expect(defaultPartyStatesLimits).toEqual(partyStatesLimits(128));
  });
});
