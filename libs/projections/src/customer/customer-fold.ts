import { periodAt, type PolicyPublished } from '#domain';
import type { RecordedEvent } from '#event-store';
import { asLedgerEvent } from '../domain-events.js';
import { canonicalInstant } from '../finance/journal-line.js';
import { pairKey } from '../json-rows.js';
import type { FeedbackView } from '../queries/views.js';

export interface CustomerDelta {
  customer_id: string;
  currency: string | null;
  points_balance: number;
  lifetime_spend_minor: number;
  purchases: number;
  last_purchase_at: string | null;
  tier: string | null;
  tier_changed_at: string | null;
  last_feedback: FeedbackView | null;
  last_feedback_at: string | null;
  /** The month the domain last re-tiered the customer as of: its rolling twelve months end with it. */
  spend_as_of_month: string | null;
}

export interface StoreZoneRow {
  policy_version: number;
  store_id: string;
  time_zone: string;
}

/** Store time zones by `pairKey(policy version, store id)`: a purchase is re-tiered as of its store's month under its own policy. */
export type StoreZones = Map<string, string>;

export const storeZoneKey = (policyVersion: number, storeId: string): string => pairKey(String(policyVersion), storeId);

export interface SpendMonthDelta {
  customer_id: string;
  month: string;
  spend_minor: number;
}

export type CustomerGestureStatus = 'granted' | 'pending' | 'approved' | 'denied' | 'expired' | 'reversed';

export interface CustomerGestureRow {
  gesture_id: string;
  customer_id: string;
  employee_id: string;
  store_id: string;
  channel: string;
  gesture_type: string;
  status: CustomerGestureStatus;
  value_minor: number;
  currency: string;
  points: number | null;
  reason_code: string | null;
  /** When the gesture was made at the till (its first event's occurredAt, as finance dates it): when the customer received it. */
  occurred_at: string;
  /** When its latest event was recorded. */
  at: string;
  /**
   * Whether the batch holds the gesture's first event (its grant or escalation), not only later ones: a rebuild
   * inserts such rows as they are and merges only the others. Not a column.
   */
  opened: boolean;
}

export interface CustomerDeltas {
  customers: Map<string, CustomerDelta>;
  months: Map<string, SpendMonthDelta>;
  /** The latest state of each gesture touched by the batch. */
  gestures: Map<string, CustomerGestureRow>;
  zones: Map<string, StoreZoneRow>;
}

export function emptyCustomerDeltas(): CustomerDeltas {
  return { customers: new Map(), months: new Map(), gestures: new Map(), zones: new Map() };
}

/**
 * Folds a batch into per-key deltas; folding into an earlier call's `deltas` is folding both batches as one.
 * `zones` holds the time zones of the stores the batch's purchases were made in (as far as known); the
 * batch's own policies are added to it.
 */
export function foldCustomerEvents(events: readonly RecordedEvent[], deltas: CustomerDeltas = emptyCustomerDeltas(), zones: StoreZones = new Map()): CustomerDeltas {
  for (const recorded of events) {
    if (recorded.type === 'PolicyPublished') {
      const policy = recorded.data as unknown as PolicyPublished['data'];
      for (const [storeId, store] of Object.entries(policy.stores)) {
        zones.set(storeZoneKey(policy.version, storeId), store.timeZone);
        deltas.zones.set(storeZoneKey(policy.version, storeId), { policy_version: policy.version, store_id: storeId, time_zone: store.timeZone });
      }
      continue;
    }
    const event = asLedgerEvent(recorded);
    switch (event.type) {
      case 'PurchaseRecorded': {
        const d = event.data;
        const c = customer(deltas, d.customerId);
        c.currency = d.amount.currency;
        c.lifetime_spend_minor += d.amount.amountMinor;
        c.purchases++;
        // Compared as text only once canonical: a till writes its local offset, and '…T20:00-05:00' is later than '…T00:30Z' the next day.
        const occurredAt = canonicalInstant(d.occurredAt);
        if (c.last_purchase_at === null || occurredAt > c.last_purchase_at) c.last_purchase_at = occurredAt;
        // Every purchase re-tiers as of its store's month when it was recorded (a store the policy did not
        // name cannot have been decided; a log without it falls back on the month the spend counts towards).
        const zone = zones.get(storeZoneKey(d.policyVersion, d.where.storeId));
        c.spend_as_of_month = zone === undefined ? d.month : periodAt('month', Date.parse(d.recordedAt), zone).key;
        const key = pairKey(d.customerId, d.month);
        const m = deltas.months.get(key);
        if (m) m.spend_minor += d.amount.amountMinor;
        else deltas.months.set(key, { customer_id: d.customerId, month: d.month, spend_minor: d.amount.amountMinor });
        break;
      }
      case 'PointsEarned':
      case 'BonusPointsCredited':
        customer(deltas, event.data.customerId).points_balance += event.data.points;
        break;
      case 'PointsRedeemed':
      case 'PointsExpired':
      case 'BonusPointsReversed':
        customer(deltas, event.data.customerId).points_balance -= event.data.points;
        break;
      case 'TierChanged': {
        const c = customer(deltas, event.data.customerId);
        c.tier = event.data.to;
        c.tier_changed_at = event.data.recordedAt;
        // Says the month outright, so an expiry run (which re-tiers as of the month every store has reached) is seen when it changes the tier.
        c.spend_as_of_month = event.data.asOfMonth;
        break;
      }
      case 'FeedbackReceived': {
        const d = event.data;
        const c = customer(deltas, d.customerId);
        // The latest given, not the latest uploaded: a till's late upload of old feedback leaves a newer one in place.
        // Equal instants go to the later in the log, as the upserts do; compared at the milliseconds stored.
        const givenAt = canonicalInstant(d.occurredAt);
        if (c.last_feedback_at !== null && givenAt < c.last_feedback_at) break;
        c.last_feedback = { feedbackId: d.feedbackId, kind: d.kind, score: d.score, comment: d.comment, gestureId: d.gestureId, employeeId: d.employeeId, channel: d.channel, occurredAt: d.occurredAt };
        c.last_feedback_at = givenAt;
        break;
      }
      case 'GestureGranted': {
        const d = event.data;
        gesture(deltas, d, 'granted', d.cost.amountMinor, d.cost.currency, d.points);
        break;
      }
      case 'GestureEscalated': {
        const d = event.data;
        gesture(deltas, d, 'pending', d.reserved.amountMinor, d.reserved.currency, d.points);
        break;
      }
      case 'GestureApproved': {
        const d = event.data;
        gesture(deltas, d, 'approved', d.approved.amountMinor, d.approved.currency, d.approvedPoints);
        break;
      }
      case 'GestureDenied':
      case 'EscalationExpired': {
        const d = event.data;
        gesture(deltas, d, event.type === 'GestureDenied' ? 'denied' : 'expired', 0, d.released.currency, null);
        break;
      }
      case 'GestureReversed': {
        const d = event.data;
        gesture(deltas, d, 'reversed', 0, d.returned.currency, null);
        break;
      }
      default:
        break;
    }
  }
  return deltas;
}

function customer(deltas: CustomerDeltas, customerId: string): CustomerDelta {
  let c = deltas.customers.get(customerId);
  if (c === undefined) {
    c = { customer_id: customerId, currency: null, points_balance: 0, lifetime_spend_minor: 0, purchases: 0, last_purchase_at: null, tier: null, tier_changed_at: null, last_feedback: null, last_feedback_at: null, spend_as_of_month: null };
    deltas.customers.set(customerId, c);
  }
  return c;
}

interface GestureEventData {
  gestureId: string;
  customerId: string;
  employeeId: string;
  gestureType: string;
  where: { storeId: string; channel: string };
  why: { reasonCode: string | null };
  when: { occurredAt: string; recordedAt: string };
}

/** Every gesture event repeats the gesture's facts, so the latest one alone makes a complete row. */
function gesture(deltas: CustomerDeltas, d: GestureEventData, status: CustomerGestureStatus, valueMinor: number, currency: string, points: number | null): void {
  // Later events carry the decider's reason and time; the gesture keeps its own first ones (a late upload's occurredAt is days before it was recorded).
  const earlier = deltas.gestures.get(d.gestureId);
  deltas.gestures.set(d.gestureId, {
    gesture_id: d.gestureId,
    customer_id: d.customerId,
    employee_id: d.employeeId,
    store_id: d.where.storeId,
    channel: d.where.channel,
    gesture_type: d.gestureType,
    status,
    value_minor: valueMinor,
    currency,
    points,
    reason_code: earlier ? earlier.reason_code : d.why.reasonCode,
    occurred_at: earlier?.occurred_at ?? d.when.occurredAt,
    at: d.when.recordedAt,
    opened: earlier ? earlier.opened : status === 'granted' || status === 'pending',
  });
}
