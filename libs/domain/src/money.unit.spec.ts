import { describe, expect, it } from '@jest/globals';
import { InvariantViolation } from './assert.js';
import { addMinor, formatMoney, isKnownCurrency, minorUnitDigits, money, subtractMinor } from './money.js';

describe('money', () => {
  it('holds integer minor units of an ISO currency', () => {
    expect(money(1_999, 'USD')).toEqual({ amountMinor: 1_999, currency: 'USD' });
  });

  it('crashes on floats, negatives, unsafe integers and malformed codes', () => {
    expect(() => money(19.99, 'USD')).toThrow(InvariantViolation);
    expect(() => money(-1, 'USD')).toThrow(InvariantViolation);
    expect(() => money(Number.MAX_SAFE_INTEGER + 1, 'USD')).toThrow(InvariantViolation);
    expect(() => money(100, 'usd')).toThrow(InvariantViolation);
  });

  it('guards sums and differences', () => {
    expect(addMinor(1, 2)).toBe(3);
    expect(() => addMinor(Number.MAX_SAFE_INTEGER, 1)).toThrow(InvariantViolation);
    expect(() => subtractMinor(1, 2)).toThrow(InvariantViolation);
  });

  it('knows how many minor units each currency has', () => {
    expect(minorUnitDigits('USD')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('KWD')).toBe(3);
    expect(minorUnitDigits('CLF')).toBe(4);
    // ISO 4217's minor units, where Intl (CLDR display digits) answers otherwise.
    expect(['IDR', 'HUF', 'COP', 'LBP', 'IQD'].map((c) => [c, minorUnitDigits(c)])).toEqual([['IDR', 2], ['HUF', 2], ['COP', 2], ['LBP', 2], ['IQD', 3]]);
    expect(isKnownCurrency('EUR')).toBe(true);
    expect(isKnownCurrency('XYZ')).toBe(false);
  });

  it('formats for display', () => {
    expect(formatMoney(money(123_456, 'USD'))).toBe('$1,234.56');
  });
});
