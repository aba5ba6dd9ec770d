import { describe, expect, it } from '@jest/globals';
import { recognitionScope, mayReadFinance } from './finance-access.js';
import { QueryParams } from './query-params.js';

const read = (raw: Record<string, unknown>, maxDays = 31) => {
  const q = new QueryParams(raw);
  const period = q.period(maxDays);
  const storeId = q.id('storeId');
  const limit = q.integer('limit', 1, 500, 100);
  return { period, storeId, limit, errors: q.finish() };
};

describe('finance query parameters', () => {
  it('reads a period, normalising instants to UTC', () => {
    const { period, errors, limit } = read({ from: '2025-03-01T00:00:00-05:00', to: '2025-03-02T00:00:00Z', asOf: '2025-03-05T12:00:00Z' });
    expect(errors).toEqual([]);
    expect(period).toEqual({ from: '2025-03-01T05:00:00.000Z', to: '2025-03-02T00:00:00.000Z', asOf: '2025-03-05T12:00:00.000Z' });
    expect(limit).toBe(100);
  });

  it('names each bad or unknown parameter and why', () => {
    const { errors } = read({ from: '2025-03-01', to: '2025-02-01T00:00:00Z', limit: '0', storeId: '../etc', colour: 'red', asOf: ['a', 'b'] });
    expect(errors.map((e) => e.field).sort()).toEqual(['asOf', 'colour', 'from', 'limit', 'storeId']);
    expect(errors.find((e) => e.field === 'from')!.reasons[0]).toMatch(/ISO-8601/);
    expect(errors.find((e) => e.field === 'asOf')!.reasons[0]).toMatch(/once/);
    expect(errors.find((e) => e.field === 'colour')!.reasons[0]).toMatch(/not a parameter/);
  });

  it('refuses instants PostgreSQL cannot hold (year 0, or past 9999 once the offset is applied) with a 400, not a failed query', () => {
    const { errors } = read({ from: '0000-06-01T00:00:00.000Z', to: '2026-03-05T00:00:00Z', asOf: '9999-12-31T23:30:00-01:00' });
    expect(errors.map((e) => e.field)).toEqual(['from', 'asOf']);
  });

  it('refuses a date or an hour that does not exist, naming the field, where Date.parse would roll it over', () => {
    const { errors } = read({ from: '2026-02-31T00:00Z', to: '2026-03-05T00:00:00Z', asOf: '2026-03-04T24:00:00+01:00' });
    expect(errors.map((e) => e.field)).toEqual(['from', 'asOf']);
    expect(errors[0]!.reasons).toEqual([expect.stringMatching(/exist/)]);
    expect(read({ from: '2024-02-29T00:00:00Z', to: '2024-03-01T23:59:59.999-05:00' }).errors).toEqual([]);
    expect(read({ from: '2026-02-28T00:00Z', to: '2026-02-29T00:00Z' }).errors.map((e) => e.field)).toEqual(['to']);
  });

  it('refuses a period that runs backwards or is too long, and missing bounds', () => {
    expect(read({ from: '2025-03-02T00:00:00Z', to: '2025-03-01T00:00:00Z' }).errors).toEqual([{ field: 'to', reasons: ['must be after from'] }]);
    expect(read({ from: '2025-01-01T00:00:00Z', to: '2025-03-01T00:00:00Z' }).errors).toEqual([{ field: 'to', reasons: ['must be at most 31 days after from'] }]);
    expect(read({}).errors.map((e) => e.field)).toEqual(['from', 'to']);
  });
});

describe('who sees finance and recognition', () => {
  const p = (roles: string[], storeId: string | null, subject = 'me') => ({ subject, roles: roles as never, storeId });
  const none = { storeId: null, employeeId: null };

  it('lets only finance and admins read finance views', () => {
    expect(mayReadFinance(p(['finance'], null))).toBeNull();
    expect(mayReadFinance(p(['admin'], null))).toBeNull();
    for (const role of ['associate', 'supervisor', 'manager', 'crm', 'pos-system']) expect(mayReadFinance(p([role], 'chicago-loop'))).toBe('finance_role_required');
  });

  it("narrows recognition to the caller's store or self", () => {
    expect(recognitionScope(p(['finance'], null), none)).toEqual({ kind: 'allowed', storeId: null, employeeId: null });
    expect(recognitionScope(p(['manager'], 'chicago-loop'), none)).toEqual({ kind: 'allowed', storeId: 'chicago-loop', employeeId: null });
    expect(recognitionScope(p(['manager'], 'chicago-loop'), { storeId: 'la-santa-monica', employeeId: null })).toEqual({ kind: 'forbidden', reason: 'another_store' });
    expect(recognitionScope(p(['associate'], 'chicago-loop', 'ana'), none)).toEqual({ kind: 'allowed', storeId: null, employeeId: 'ana' });
    expect(recognitionScope(p(['supervisor'], 'chicago-loop', 'sue'), { storeId: null, employeeId: 'ana' })).toEqual({ kind: 'forbidden', reason: 'not_your_recognition' });
    expect(recognitionScope(p(['crm'], null), none)).toEqual({ kind: 'forbidden', reason: 'role_not_allowed' });
    expect(recognitionScope(p(['pos-system'], 'chicago-loop'), none)).toEqual({ kind: 'forbidden', reason: 'role_not_allowed' });
  });
});
