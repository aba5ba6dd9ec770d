/** What the query API answers; minor units are integers of the named currency. */

export interface EmployeeView {
  employeeId: string;
  role: string;
  storeId: string;
  timeZone: string;
  currency: string;
  allowanceOverrideMinor: number | null;
  enrolledAt: string;
}

export interface GestureTypeCounts {
  gestureType: string;
  /** Granted at once or approved after escalation. */
  givenCount: number;
  /** Value given, net of reversals. */
  givenMinor: number;
  escalatedCount: number;
  refusedCount: number;
  reversedCount: number;
}

export interface PendingEscalationSummary {
  gestureId: string;
  customerId: string;
  gestureType: string;
  reservedMinor: number;
  approverRole: string;
  escalatedAt: string;
  expiresAt: string;
}

export interface BudgetPeriodView {
  periodKey: string;
  kind: string | null;
  endsOn: string | null;
  currency: string | null;
  allowanceMinor: number | null;
  spentMinor: number;
  reservedMinor: number;
  remainingMinor: number | null;
  /** Escalations holding a reservation: until the expiry job records one expired, past its expiry too. */
  pendingEscalations: number;
  gesturesByType: GestureTypeCounts[];
  /** Escalations an approver can still decide (not past `expiresAt`). */
  escalationsPending: PendingEscalationSummary[];
}

export interface BudgetView {
  employee: EmployeeView;
  /** Null when the period asked for has no activity (or, with no policy known for the role, none has). */
  period: BudgetPeriodView | null;
}

export interface CustomerGestureSummary {
  gestureId: string;
  gestureType: string;
  status: string;
  valueMinor: number;
  currency: string;
  employeeId: string;
  storeId: string;
  at: string;
}

export interface FeedbackView {
  feedbackId: string;
  kind: string;
  score: number | null;
  comment: string | null;
  gestureId: string | null;
  employeeId: string | null;
  channel: string | null;
  occurredAt: string;
}

export interface QueueItemView {
  gestureId: string;
  reservationId: string;
  employeeId: string;
  employeeStoreId: string;
  customerId: string;
  gestureType: string;
  storeId: string;
  channel: string;
  periodKey: string;
  reserved: { amountMinor: number; currency: string };
  points: number | null;
  approverRole: string;
  reasonCode: string | null;
  note: string | null;
  escalatedAt: string;
  expiresAt: string;
  customer: { pointsBalance: number; tier: string | null; lastFeedback: FeedbackView | null; recentGestures: CustomerGestureSummary[] };
}

/** How many gestures over the last 30, 90 and 365 days: meaningful across currencies, unlike their values. */
export interface GestureCounts {
  count30d: number;
  count90d: number;
  count365d: number;
}

/** Counts and values over the windows, all in minor units of one `currency`. */
export interface WindowedCounts extends GestureCounts {
  currency: string;
  value30dMinor: number;
  value90dMinor: number;
  value365dMinor: number;
}

/** A customer's loyalty standing as projected: what a loyalty expiry run looks at. */
export interface LoyaltyStandingView {
  customerId: string;
  pointsBalance: number;
  tier: string | null;
}

export interface Customer360View {
  customerId: string;
  currency: string | null;
  pointsBalance: number;
  tier: string | null;
  lifetimeSpendMinor: number;
  /**
   * What the loyalty domain last re-tiered the customer from: spend in the store-local months of the purchases,
   * over `spend12mAsOfMonth` and the eleven months before it.
   */
  spend12mMinor: number;
  /** The month the domain last re-tiered the customer as of (a purchase's store month, an expiry run's month every store had reached); null before any purchase. */
  spend12mAsOfMonth: string | null;
  purchases: number;
  lastPurchaseAt: string | null;
  /**
   * Gestures granted or approved (not reversed), by when they were given at the till (a late upload counts on the day it was made).
   * Values are only ever summed within a currency (a policy version may change it): `total` counts every gesture,
   * `byCurrency` and `byType` (one entry per type and currency) carry the values.
   */
  gesturesReceived: { total: GestureCounts; byCurrency: WindowedCounts[]; byType: Array<WindowedCounts & { gestureType: string }> };
  /** The feedback given last (by `occurredAt`), whenever it was uploaded. */
  lastFeedback: FeedbackView | null;
  /** Escalations an approver can still decide (not past `expiresAt`). */
  openEscalations: Array<{ gestureId: string; employeeId: string; gestureType: string; reserved: { amountMinor: number; currency: string }; approverRole: string; escalatedAt: string; expiresAt: string }>;
  asOf: string;
}
