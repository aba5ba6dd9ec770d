import { describe, expect, it } from '@jest/globals';
import type { FieldError } from '#http';
import { optionalIsoDate, periodCursor } from './query-params.js';

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
