import { describe, expect, it } from '@jest/globals';
import { csvField, csvRecord, spreadsheetSafeText } from './csv-export.js';
import { decimalOf, minorFromSql } from './minor-units.js';
import { averageHundredths } from './recognition.js';

describe('CSV fields', () => {
  it('quotes commas, quotes and line breaks, and nothing else', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(-1500)).toBe('-1500');
    expect(csvRecord(['a', null, 'b,c'])).toBe('a,,"b,c"\r\n');
  });

  it('defuses free text a spreadsheet would run as a formula', () => {
    expect(spreadsheetSafeText('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
    expect(spreadsheetSafeText('@sum')).toBe(`'@sum`);
    expect(spreadsheetSafeText('fine')).toBe('fine');
    expect(spreadsheetSafeText(null)).toBeNull();
  });
});

describe('amounts', () => {
  it('formats minor units as decimals from the integer digits', () => {
    expect(decimalOf(123_456, 'USD')).toBe('1234.56');
    expect(decimalOf(-5, 'USD')).toBe('-0.05');
    expect(decimalOf(0, 'USD')).toBe('0.00');
    expect(decimalOf(1_500, 'JPY')).toBe('1500');
    expect(decimalOf(1_234, 'BHD')).toBe('1.234');
    expect(decimalOf(9_007_199_254_740_993n, 'USD')).toBe('90071992547409.93');
    expect(decimalOf(7, 'XXX')).toBe('7');
  });

  it('refuses a SQL sum that is not a safe integer', () => {
    expect(minorFromSql('-42')).toBe(-42);
    expect(minorFromSql(null)).toBe(0);
    expect(() => minorFromSql('9007199254740993')).toThrow(/safe integer/);
  });

  it('averages CSAT in hundredths with integer rounding, half up', () => {
    expect(averageHundredths(9, 2)).toBe(450);
    expect(averageHundredths(13, 3)).toBe(433);
    expect(averageHundredths(14, 3)).toBe(467);
    expect(averageHundredths(0, 0)).toBeNull();
  });
});
