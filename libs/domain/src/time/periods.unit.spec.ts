import { describe, expect, it } from '@jest/globals';
import { closedThrough, isPeriodClosed, periodAt } from './periods.js';
import { dayNumber, isIsoDate, isValidTimeZone } from './calendar.js';
import { parseInstant } from './instant.js';

const at = (iso: string): number => parseInstant(iso, 'test');

describe('periodAt', () => {
  it('counts 23:30 on the last evening of November in Los Angeles in November, though UTC is in December', () => {
    const instant = at('2026-12-01T07:30:00Z');
    expect(periodAt('month', instant, 'America/Los_Angeles')).toEqual({ kind: 'month', key: '2026-11', endsOn: '2026-11-30' });
    expect(periodAt('day', instant, 'America/Los_Angeles')).toEqual({ kind: 'day', key: '2026-11-30', endsOn: '2026-11-30' });
    expect(periodAt('month', instant, 'UTC').key).toBe('2026-12');
  });

  it('puts the same instant in different days in different stores', () => {
    const instant = at('2026-11-24T04:30:00Z');
    expect(periodAt('day', instant, 'America/New_York').key).toBe('2026-11-23');
    expect(periodAt('day', instant, 'Europe/Berlin').key).toBe('2026-11-24');
    expect(periodAt('day', instant, 'Pacific/Honolulu').key).toBe('2026-11-23');
  });

  it('numbers ISO weeks Monday to Sunday, by the year of their Thursday', () => {
    expect(periodAt('week', at('2026-11-23T18:00:00Z'), 'UTC')).toEqual({ kind: 'week', key: '2026-W48', endsOn: '2026-11-29' });
    expect(periodAt('week', at('2026-11-30T07:30:00Z'), 'America/Los_Angeles')).toEqual({ kind: 'week', key: '2026-W48', endsOn: '2026-11-29' });
    expect(periodAt('week', at('2026-12-31T12:00:00Z'), 'UTC').key).toBe('2026-W53');
    expect(periodAt('week', at('2027-01-03T12:00:00Z'), 'UTC')).toEqual({ kind: 'week', key: '2026-W53', endsOn: '2027-01-03' });
    expect(periodAt('week', at('2024-12-30T12:00:00Z'), 'UTC')).toEqual({ kind: 'week', key: '2025-W01', endsOn: '2025-01-05' });
    expect(periodAt('week', at('2021-01-03T12:00:00Z'), 'UTC').key).toBe('2020-W53');
  });

  it('ends months on their real last day, leap years included', () => {
    expect(periodAt('month', at('2028-02-10T12:00:00Z'), 'UTC').endsOn).toBe('2028-02-29');
    expect(periodAt('month', at('2026-02-10T12:00:00Z'), 'UTC').endsOn).toBe('2026-02-28');
    expect(periodAt('month', at('2026-12-10T12:00:00Z'), 'UTC').endsOn).toBe('2026-12-31');
  });

  it('follows daylight-saving changes: 00:30 after the spring change is still the new day', () => {
    expect(periodAt('day', at('2026-03-08T08:30:00Z'), 'America/Los_Angeles').key).toBe('2026-03-08');
    expect(periodAt('day', at('2026-03-08T07:59:00Z'), 'America/Los_Angeles').key).toBe('2026-03-07');
    expect(periodAt('day', at('2026-11-01T07:59:00Z'), 'America/Los_Angeles').key).toBe('2026-11-01');
  });
});

describe('late-upload window', () => {
  it('closes a period once its last day is more than 35 days back', () => {
    const now = at('2026-12-31T20:00:00Z');
    expect(closedThrough(now, 'America/Los_Angeles')).toBe('2026-11-25');
    expect(isPeriodClosed('2026-11-25', now, 'America/Los_Angeles')).toBe(true);
    expect(isPeriodClosed('2026-11-26', now, 'America/Los_Angeles')).toBe(false);
    expect(isPeriodClosed('2026-11-30', now, 'America/Los_Angeles')).toBe(false);
  });

  it('answers for the zone and instant asked, whatever was asked just before', () => {
    // The same minute in zones a day apart, then the minutes either side of Los Angeles' midnight.
    const minute = at('2026-12-31T20:00:00Z');
    expect(closedThrough(minute, 'Pacific/Kiritimati')).toBe('2026-11-26');
    expect(closedThrough(minute, 'Pacific/Pago_Pago')).toBe('2026-11-25');
    expect(closedThrough(minute + 59_999, 'Pacific/Kiritimati')).toBe('2026-11-26');
    expect(closedThrough(at('2027-01-01T07:59:59Z'), 'America/Los_Angeles')).toBe('2026-11-25');
    expect(closedThrough(at('2027-01-01T08:00:00Z'), 'America/Los_Angeles')).toBe('2026-11-26');
    expect(closedThrough(at('2027-01-01T07:59:00Z'), 'America/Los_Angeles')).toBe('2026-11-25');
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA zones and refuses made-up ones', () => {
    expect(isValidTimeZone('America/Los_Angeles')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('civil dates of the first centuries', () => {
  it('counts days of years 1 to 99 as those years, not as 1901 to 1999 (Date.UTC reads two-digit years so)', () => {
    for (const text of ['0001-01-01', '0004-02-29', '0099-12-31', '0100-03-01']) {
      expect(isIsoDate(text)).toBe(true);
      const [year, month, day] = text.split('-').map(Number) as [number, number, number];
      expect(dayNumber({ year, month, day }) * 86_400_000).toBe(Date.parse(`${text}T00:00:00Z`));
    }
    expect(isIsoDate('0001-02-29')).toBe(false);
  });
});
