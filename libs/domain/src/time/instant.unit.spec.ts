import { describe, expect, it } from '@jest/globals';
import { isIsoInstant, parseInstant } from './instant.js';

describe('isIsoInstant', () => {
  it('takes full date-times with an offset', () => {
    for (const text of ['2026-11-23T15:04:05Z', '2026-11-23T15:04Z', '2026-11-23T15:04:05.123456789+05:30', '2028-02-29T23:59:59-10:00']) expect(isIsoInstant(text)).toBe(true);
  });

  it('refuses what Date.parse would roll over or guess: impossible dates and times, no offset', () => {
    for (const text of ['2026-02-31T00:00:00Z', '2026-02-29T12:00:00Z', '2026-11-23T24:00:00Z', '2026-11-23T15:60:00Z', '2026-11-23T15:04:61Z', '2026-11-23T15:04:05+25:00', '2026-11-23T15:04:05', '2026-11-23', '2026-W48-1']) {
      expect(isIsoInstant(text)).toBe(false);
    }
  });

  it('takes the server\'s own stamps (toISOString) by the short path, and refuses those same 24 characters when they roll over', () => {
    for (const text of ['2026-11-23T15:04:05.123Z', '2028-02-29T23:59:59.999Z', '1970-01-01T00:00:00.000Z']) {
      expect(isIsoInstant(text)).toBe(true);
      expect(parseInstant(text, 'at')).toBe(Date.parse(text));
    }
    for (const text of ['2026-02-31T00:00:00.000Z', '2026-02-29T12:00:00.000Z', '2026-11-23T24:00:00.000Z', '2026-11-23T15:60:00.000Z', '2026-11-23 15:04:05.123Z']) {
      expect(isIsoInstant(text)).toBe(false);
      expect(() => parseInstant(text, 'at')).toThrow(`at must be an ISO-8601 instant with an offset, got ${text}`);
    }
  });
});
