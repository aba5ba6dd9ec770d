import { assert } from './assert.js';

/** An amount in integer minor units (cents for USD) of an ISO-4217 currency. Never a float. */
export interface Money {
  readonly amountMinor: number;
  readonly currency: string;
}

const currencyCode = /^[A-Z]{3}$/;

export function isCurrencyCode(code: string): boolean {
  return currencyCode.test(code);
}

/** A code Intl knows, stricter than the shape check; used when a policy names its currency. */
let knownCurrencies: ReadonlySet<string> | undefined;

export function isKnownCurrency(code: string): boolean {
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return isCurrencyCode(code) && knownCurrencies.has(code);
}

export function assertMinorUnits(amountMinor: number, what: string): void {
  assert(Number.isSafeInteger(amountMinor) && amountMinor >= 0, `${what} must be a non-negative safe integer of minor units, got ${amountMinor}`);
}

export function money(amountMinor: number, currency: string): Money {
  assertMinorUnits(amountMinor, 'amountMinor');
  assert(isCurrencyCode(currency), `currency must be an ISO-4217 code, got ${currency}`);
  return { amountMinor, currency };
}

export function assertMoney(value: Money, what: string): void {
  assertMinorUnits(value.amountMinor, `${what}.amountMinor`);
  assert(isCurrencyCode(value.currency), `${what}.currency must be an ISO-4217 code, got ${value.currency}`);
}

export function addMinor(a: number, b: number): number {
  const sum = a + b;
  assert(Number.isSafeInteger(sum), `minor-unit sum overflows: ${a} + ${b}`);
  return sum;
}

export function subtractMinor(a: number, b: number): number {
  const difference = a - b;
  assert(Number.isSafeInteger(difference) && difference >= 0, `minor-unit difference below zero: ${a} - ${b}`);
  return difference;
}

export function multiplyMinor(amountMinor: number, factor: number): number {
  const product = amountMinor * factor;
  assert(Number.isSafeInteger(product), `minor-unit product overflows: ${amountMinor} * ${factor}`);
  return product;
}

/**
 * ISO 4217's minor unit of every currency that has other than two decimals (the rest have two). The table,
 * not Intl: Intl answers CLDR's display digits, which drop decimals nobody prints (IDR, HUF, COP, LBP 0
 * where ISO says 2; IQD 0 where it says 3), while tills, payment systems and this ledger count ISO's minor
 * units. The codes without a minor unit (gold, SDR, test codes) count whole units.
 */
const minorUnitExceptions: ReadonlyMap<string, number> = new Map([
  ...['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'].map((c) => [c, 0] as const),
  ...['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX'].map((c) => [c, 0] as const),
  ...['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((c) => [c, 3] as const),
  ...['CLF', 'UYW'].map((c) => [c, 4] as const),
]);

/** How many minor units make a major one: a property of the currency (USD 2, JPY 0, KWD 3), per ISO 4217. */
export function minorUnitDigits(currency: string): number {
  assert(isCurrencyCode(currency), `currency must be an ISO-4217 code, got ${currency}`);
  return minorUnitExceptions.get(currency) ?? 2;
}

/** For display only: the division produces a float that must never flow back into a calculation. */
export function formatMoney(value: Money, locale = 'en-US'): string {
  const digits = minorUnitDigits(value.currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency: value.currency }).format(value.amountMinor / 10 ** digits);
}
