import { describe, expect, it } from '@jest/globals';
import type { FieldError } from '#http';
import { optionalIsoDate, optionalPeriodKey, periodCursor } from './query-params.js';

describe('query API parameters', () => {
  const date = (value: string | undefined) => {
    const errors: FieldError[] = [];
    return { value: optionalIsoDate('before', value, errors), errors };
  };

  it('takes a calendar date, or nothing', () => {
    expect(date('2024-02-29')).toEqual({ value: '2024-02-29', errors: [] });
    expect(date(undefined)).toEqual({ value: null, errors: [] });
    expect(date('')).toEqual({ value: null, errors: [] });
  });

  it('takes a period key the calendar has, and refuses one it has not (a 400 naming the field, not a 404 for a period that cannot exist)', () => {
    const period = (value: string) => {
      const errors: FieldError[] = [];
      optionalPeriodKey(value, errors);
      return { value, ok: errors.length === 0 };
    };
    for (const value of ['2026-11-23', '2024-02-29', '2026-11', '2026-12', '2026-W01', '2026-W48', '2026-W53', '2027-W52']) expect(period(value)).toEqual({ value, ok: true });
    for (const value of ['2026-02-31', '2026-13', '2026-00', '2026-W00', '2026-W99', '2027-W53', '0000-01', '0000-W01', '2026-w48', '2026-11-1']) expect(period(value)).toEqual({ value, ok: false });
  });

  it('refuses a date that does not exist (which PostgreSQL would refuse with a 500), naming the field', () => {
    for (const value of ['2026-02-31', '2026-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '26-02-01', '2026-2-1']) {
      expect({ value, errors: date(value).errors }).toEqual({ value, errors: [{ field: 'before', reasons: [expect.stringContaining('before must be')] }] });
    }
  });

  it('takes a page cursor of an end date and, optionally, the key of the period ending then', () => {
    const cursor = (before: string | undefined, beforePeriod: string | undefined) => {
      const errors: FieldError[] = [];
      return { ...periodCursor(before, beforePeriod, errors), errors };
    };
    expect(cursor('2026-11-29', '2026-W48')).toEqual({ before: '2026-11-29', beforePeriod: '2026-W48', errors: [] });
    expect(cursor('2026-11-29', undefined)).toEqual({ before: '2026-11-29', beforePeriod: null, errors: [] });
    expect(cursor(undefined, '2026-W48').errors).toEqual([{ field: 'beforePeriod', reasons: [expect.stringContaining('goes with before')] }]);
    expect(cursor('2026-11-29', 'last-week').errors).toEqual([{ field: 'beforePeriod', reasons: [expect.stringContaining('beforePeriod must be')] }]);
    expect(cursor('2026-02-31', '2026-W09').errors.map((e) => e.field)).toEqual(['before']);
  });
});
