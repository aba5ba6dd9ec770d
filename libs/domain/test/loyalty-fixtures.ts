import {
  samplePolicy,
  type CreditBonusPoints,
  type ExpirePoints,
  type PointLot,
  type PointsEarned,
  type PointsExpired,
  type Policy,
  type PurchaseRecorded,
  type RecordFeedback,
  type RecordPurchase,
  type RedeemPoints,
  type ReverseBonusPoints,
  type TierChanged,
  type TierName,
} from '#domain';

/**
 * Carol shops at the Santa Monica store (America/Los_Angeles). The sample policy earns one point per
 * dollar, makes points last twelve full months after the month they were earned, and places her in
 * silver from $500.00 of spend over twelve months, gold from $2,000.00.
 */
export const policy: Policy = samplePolicy();
export const carol = 'cust-carol';
const where = { channel: 'pos' as const, storeId: 'la-santa-monica' };
/** Alice served Carol; the till rang it up. */
export const servedByAlice = { employeeId: 'emp-alice', actorId: 'till-sm-07' };

export function purchase(purchaseId: string, amountMinor: number, occurredAt: string, overrides: Partial<RecordPurchase['data']> = {}): RecordPurchase {
  return { type: 'RecordPurchase', data: { customerId: carol, purchaseId, amount: { amountMinor, currency: 'USD' }, who: servedByAlice, where, occurredAt, recordedAt: occurredAt, ...overrides } };
}

export function purchaseRecorded(purchaseId: string, amountMinor: number, month: string, occurredAt: string, who: PurchaseRecorded['data']['who'] = servedByAlice): PurchaseRecorded {
  return { type: 'PurchaseRecorded', schemaVersion: 2, data: { customerId: carol, purchaseId, amount: { amountMinor, currency: 'USD' }, month, who, where, occurredAt, recordedAt: occurredAt, policyVersion: 1 } };
}

export function pointsEarned(purchaseId: string, points: number, lotMonth: string, recordedAt: string): PointsEarned {
  return { type: 'PointsEarned', schemaVersion: 1, data: { customerId: carol, purchaseId, points, lotMonth, recordedAt, policyVersion: 1 } };
}

export function tierChanged(from: TierName | null, to: TierName, rolling12mSpendMinor: number, asOfMonth: string, recordedAt: string): TierChanged {
  return { type: 'TierChanged', schemaVersion: 1, data: { customerId: carol, from, to, rolling12mSpendMinor, asOfMonth, recordedAt, policyVersion: 1 } };
}

export function pointsExpired(lots: PointLot[], asOfMonth: string, recordedAt: string): PointsExpired {
  return { type: 'PointsExpired', schemaVersion: 1, data: { customerId: carol, asOfMonth, points: lots.reduce((sum, lot) => sum + lot.points, 0), lots, recordedAt, policyVersion: 1 } };
}

/** A history holding `points` in the lot of `month`, without any spend. */
export function lot(month: string, points: number): PointsEarned {
  return pointsEarned(`seed-${month}`, points, month, `${month}-15T20:00:00.000Z`);
}

export function redeem(points: number, recordedAt: string, redemptionId = 'red-1', who: RedeemPoints['data']['who'] = servedByAlice): RedeemPoints {
  return { type: 'RedeemPoints', data: { customerId: carol, redemptionId, points, who, where, occurredAt: recordedAt, recordedAt } };
}

export function expirePoints(asOf: string, recordedAt = `${asOf}T10:00:00.000Z`): ExpirePoints {
  return { type: 'ExpirePoints', data: { customerId: carol, asOf, recordedAt } };
}

export function credit(gestureId: string, points: number, recordedAt: string): CreditBonusPoints {
  return {
    type: 'CreditBonusPoints',
    data: {
      customerId: carol,
      gestureId,
      employeeId: 'emp-alice',
      points,
      who: { employeeId: 'emp-alice', actorId: 'till-sm-07' },
      where,
      why: { reasonCode: 'long_wait', note: null },
      when: { occurredAt: recordedAt, recordedAt },
      recordedAt,
    },
  };
}

export function feedback(overrides: Partial<RecordFeedback['data']> = {}): RecordFeedback {
  return {
    type: 'RecordFeedback',
    data: { customerId: carol, feedbackId: 'fb-1', kind: 'csat', score: 5, gestureId: 'g-1', employeeId: 'emp-alice', comment: 'Alice sorted it out in minutes', channel: 'pos', occurredAt: '2026-11-24T18:00:00.000Z', recordedAt: '2026-11-24T18:00:01.000Z', ...overrides },
  };
}

export function reverseBonus(gestureId: string, points: number, recordedAt: string): ReverseBonusPoints {
  return {
    type: 'ReverseBonusPoints',
    data: {
      customerId: carol,
      gestureId,
      employeeId: 'emp-alice',
      points,
      who: { employeeId: 'emp-sam', actorId: 'sso|emp-sam' },
      where,
      why: { reasonCode: 'entered_in_error', note: null },
      when: { occurredAt: recordedAt, recordedAt },
      recordedAt,
    },
  };
}
