import { minorUnitDigits } from '#domain';

/** A SQL sum (numeric, as text) back to integer minor units; a sum beyond 2^53 is a bug, not a rounding. */
export function minorFromSql(text: string | number | null): number {
  if (text === null) return 0;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`minor-unit sum is not a safe integer: ${String(text)}`);
  return value;
}

/**
 * Integer minor units as a plain decimal string (`-1234`, USD → `-12.34`; JPY → `-1234`), built from
 * the digits of the integer, never through a float.
 */
export function decimalOf(amountMinor: number | bigint, currency: string): string {
  const digits = minorUnitDigits(currency);
  const negative = amountMinor < 0;
  const magnitude = (negative ? -BigInt(amountMinor) : BigInt(amountMinor)).toString();
  if (digits === 0) return `${negative ? '-' : ''}${magnitude}`;
  const padded = magnitude.padStart(digits + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}
