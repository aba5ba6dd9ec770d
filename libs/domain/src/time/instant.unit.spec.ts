import { describe, expect, it } from '@jest/globals';
import { isIsoInstant } from './instant.js';

describe('isIsoInstant', () => {
  it('takes full date-times with an offset', () => {
    for (const text of ['2026-11-23T15:04:05Z', '2026-11-23T15:04Z', '2026-11-23T15:04:05.123456789+05:30', '2028-02-29T23:59:59-10:00']) expect(isIsoInstant(text)).toBe(true);
  });

  it('refuses what Date.parse would roll over or guess: impossible dates and times, no offset', () => {
    for (const text of ['2026-02-31T00:00:00Z', '2026-02-29T12:00:00Z', '2026-11-23T24:00:00Z', '2026-11-23T15:60:00Z', '2026-11-23T15:04:61Z', '2026-11-23T15:04:05+25:00', '2026-11-23T15:04:05', '2026-11-23', '2026-W48-1']) {
      expect(isIsoInstant(text)).toBe(false);
    }
  });
});
