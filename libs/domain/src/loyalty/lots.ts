import { assert } from '../assert.js';
import { addMinor, minorUnitDigits, multiplyMinor, subtractMinor } from '../money.js';
import { monthsBetween } from '../time/calendar.js';
import type { PointLot } from './events.js';

/** Points for a purchase: whole points per whole major unit, rounded down, in exact integer arithmetic. */
export function pointsForPurchase(amountMinor: number, currency: string, earnPointsPerMajorUnit: number): number {
  const minorPerMajor = 10 ** minorUnitDigits(currency);
  const scaled = multiplyMinor(amountMinor, earnPointsPerMajorUnit);
  return (scaled - (scaled % minorPerMajor)) / minorPerMajor;
}

export function addToLot(lots: readonly PointLot[], month: string, points: number): PointLot[] {
  const existing = lots.find((lot) => lot.month === month);
  if (existing !== undefined) return lots.map((lot) => (lot === existing ? { month, points: addMinor(lot.points, points) } : lot));
  return [...lots, { month, points }].sort((a, b) => (a.month < b.month ? -1 : 1));
}

/** Which lots pay for `points`, oldest first, so points closest to expiring are used before they are lost. */
export function oldestFirst(lots: readonly PointLot[], points: number): PointLot[] {
  const taken: PointLot[] = [];
  let remaining = points;
  for (const lot of lots) {
    if (remaining === 0) break;
    const take = Math.min(lot.points, remaining);
    taken.push({ month: lot.month, points: take });
    remaining -= take;
  }
  assert(remaining === 0, `cannot take ${points} points from lots holding fewer`);
  return taken;
}

/**
 * Which lots give back up to `points` of a bonus: the lot it went into first (`bonusMonth`, when still
 * remembered), then newest first. Taking from the newest alone would take the customer's own later points and
 * leave them the bonus's older lot, which expires sooner. Oldest month first, as lots are kept.
 */
export function bonusLotFirst(lots: readonly PointLot[], points: number, bonusMonth: string | null): PointLot[] {
  const own = bonusMonth === null ? 0 : Math.min(lots.find((lot) => lot.month === bonusMonth)?.points ?? 0, points);
  if (own === 0) return newestFirst(lots, points);
  const rest = newestFirst(lots.filter((lot) => lot.month !== bonusMonth), points - own);
  return [...rest, { month: bonusMonth!, points: own }].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
}

/** Which lots give back up to `points`, newest first. */
export function newestFirst(lots: readonly PointLot[], points: number): PointLot[] {
  const taken: PointLot[] = [];
  let remaining = points;
  for (let i = lots.length - 1; i >= 0 && remaining > 0; i -= 1) {
    const take = Math.min(lots[i]!.points, remaining);
    taken.unshift({ month: lots[i]!.month, points: take });
    remaining -= take;
  }
  return taken;
}

export function withoutTaken(lots: readonly PointLot[], taken: readonly PointLot[]): PointLot[] {
  const left = lots.map((lot) => {
    const take = taken.find((t) => t.month === lot.month)?.points ?? 0;
    return { month: lot.month, points: subtractMinor(lot.points, take) };
  });
  assert(taken.every((t) => lots.some((lot) => lot.month === t.month)), 'points taken from a lot that does not exist');
  return left.filter((lot) => lot.points > 0);
}

/** A lot earned in month M is valid for `afterMonths` full months after M and expires at the next month's start. */
export function dueForExpiry(lots: readonly PointLot[], asOfMonth: string, afterMonths: number): PointLot[] {
  return lots.filter((lot) => monthsBetween(lot.month, asOfMonth) > afterMonths);
}

export function totalPoints(lots: readonly PointLot[]): number {
  return lots.reduce((sum, lot) => addMinor(sum, lot.points), 0);
}
