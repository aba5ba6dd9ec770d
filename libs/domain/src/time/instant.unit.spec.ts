import { describe, expect, it } from '@jest/globals';
import { between, seededRandom } from '../../test/prng.js';
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

  it('refuses instants outside UTC years 0001 to 9999, which PostgreSQL or toISOString cannot hold: year 0, or an offset that moves the instant past either end', () => {
    for (const text of ['0000-06-01T00:00:00.000Z', '0000-06-01T00:00:00Z', '0001-01-01T00:30:00+01:00', '9999-12-31T23:30:00-01:00', '9999-12-31T23:59:59.999-00:01']) {
      expect({ text, accepted: isIsoInstant(text) }).toEqual({ text, accepted: false });
      expect(() => parseInstant(text, 'at')).toThrow('at must be an ISO-8601 instant');
    }
    for (const text of ['0001-01-01T00:00:00.000Z', '0001-01-01T00:30:00-01:00', '9999-12-31T23:59:59.999Z', '9999-12-31T23:30:00+01:00']) {
      expect({ text, accepted: isIsoInstant(text) }).toEqual({ text, accepted: true });
      expect(new Date(parseInstant(text, 'at')).toISOString()).toMatch(/^\d{4}-/);
    }
  });

  it('reads a toISOString stamp exactly as Date.parse does, and refuses one that does not round-trip, across years 1 to 9999', () => {
    const random = seededRandom(20261124);
    const first = Date.parse('0001-01-01T00:00:00.000Z');
    const last = Date.parse('9999-12-31T23:59:59.999Z');
    // Date.parse and a toISOString round trip: what the short path stands in for.
    const reference = (text: string): number | null => {
      const ms = Date.parse(text);
      return Number.isFinite(ms) && new Date(ms).toISOString() === text && !text.startsWith('0000') ? ms : null;
    };
    const digitAt = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
    for (let i = 0; i < 20_000; i++) {
      const ms = between(random, first, last);
      const text = new Date(ms).toISOString();
      expect(parseInstant(text, 'at')).toBe(ms);
      // One digit changed keeps the shape: whether it is still a real date and time is the question.
      const at = digitAt[between(random, 0, digitAt.length - 1)]!;
      const mutated = text.slice(0, at) + String(between(random, 0, 9)) + text.slice(at + 1);
      const expected = reference(mutated);
      expect({ mutated, accepted: isIsoInstant(mutated) }).toEqual({ mutated, accepted: expected !== null });
      if (expected !== null) expect(parseInstant(mutated, 'at')).toBe(expected);
    }
    for (const text of ['0000-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '2000-02-29T00:00:00.000Z', '2100-02-29T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-00-10T00:00:00.000Z', '2026-11-00T00:00:00.000Z']) {
      expect({ text, accepted: isIsoInstant(text) }).toEqual({ text, accepted: reference(text) !== null });
    }
  });
});
