import type { Where } from '../context.js';
import type { Money } from '../money.js';
import { PersistentMap } from '../persistent-map.js';
import type { GestureType } from '../policy/catalogue.js';
import type { StaffRole } from '../staff/roles.js';
import type { BudgetPeriod } from '../time/periods.js';
import type { BudgetAuthority } from './commands.js';
import type { GestureRefusalReason } from './refusals.js';

/**
 * The money of one budget period. Invariant, asserted after every event:
 * 0 ≤ spent, 0 ≤ reserved, spent + reserved ≤ allowance.
 */
export interface PeriodLedger {
  readonly period: BudgetPeriod;
  readonly currency: string;
  readonly allowanceMinor: number;
  readonly spentMinor: number;
  /** Held by escalations awaiting a decision, like the pending half of a two-phase transfer. */
  readonly reservedMinor: number;
  /** Spent plus reserved for each customer with a live gesture; customers at zero are dropped. */
  readonly committedByCustomerMinor: PersistentMap<number>;
  /** How many gestures were charged here; they are forgotten together with the period. */
  readonly gestureCount: number;
  /** The adjustments made here, to tell a retry from another adjustment under a reused id. */
  readonly adjustments: readonly AdjustmentMade[];
  /**
   * When an approval, denial or expiry last settled a reservation here. A closed period is kept a day past
   * it, so the decision's own answer, a retry of it and a reversal still find the gesture.
   */
  readonly lastSettledAtMs: number | null;
}

export interface AdjustmentMade {
  readonly adjustmentId: string;
  readonly deltaMinor: number;
}

/** How the gesture was first answered; this is what a repeated request gets back. */
export type FirstOutcome =
  | { readonly outcome: 'granted'; readonly cost: Money; readonly points: number | null }
  | {
      readonly outcome: 'escalated';
      readonly reservationId: string;
      readonly reserved: Money;
      readonly points: number | null;
      readonly pointValueMinor: number | null;
      readonly approverRole: StaffRole;
      readonly expiresAt: string;
      /** The policy whose rules set the approver role and the expiry: the one its approval, denial or expiry is decided under. */
      readonly policyVersion: number;
    };

export type GestureStatus =
  | { readonly status: 'granted'; readonly chargedMinor: number }
  | { readonly status: 'pending'; readonly reservedMinor: number; readonly expiresAtMs: number }
  | { readonly status: 'approved'; readonly chargedMinor: number; readonly approvedPoints: number | null; readonly approverId: string }
  | { readonly status: 'denied'; readonly approverId: string }
  | { readonly status: 'expired' }
  | {
      readonly status: 'reversed';
      readonly returnedMinor: number;
      readonly reversedBy: BudgetAuthority;
      /** The bonus points credited for it, and so to take back from the customer. */
      readonly returnedPoints: number | null;
      /** The approval it undid, if any: a retried approval still gets its first answer. */
      readonly approval: { readonly approverId: string; readonly chargedMinor: number } | null;
    };

export interface GestureRecord {
  readonly gestureId: string;
  readonly customerId: string;
  readonly gestureType: GestureType;
  readonly periodKey: string;
  readonly where: Where;
  readonly first: FirstOutcome;
  readonly current: GestureStatus;
}

export interface RememberedRefusal {
  readonly gestureId: string;
  readonly reason: GestureRefusalReason;
  readonly periodKey: string | null;
  readonly recordedAtMs: number;
}

/** What every state remembers: refusals for idempotent replay, and the latest server time seen. */
interface Memory {
  /** Insertion-ordered, so the oldest refusals are forgotten first. */
  readonly refusals: PersistentMap<RememberedRefusal>;
  /** The clock that decides which periods are closed; only moves forward. */
  readonly lastRecordedAtMs: number | null;
}

/** Before `BudgetAllocated`: every gesture is refused with `no_budget`. */
export interface UnallocatedBudget extends Memory {
  readonly status: 'unallocated';
}

export interface ActiveBudget extends Memory {
  readonly status: 'active';
  readonly employeeId: string;
  readonly role: StaffRole;
  readonly storeId: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly allowanceOverrideMinor: number | null;
  /**
   * The latest local day closed to late uploads under any time zone this budget has had. It only moves
   * forward: moving the employee to a store whose day is behind must not reopen a period, least of all one
   * already forgotten, which would open again with a fresh allowance.
   */
  readonly closedThrough: string | null;
  /** Periods still open to late uploads, plus closed ones holding reservations or settled in the last day; in the order they opened. */
  readonly periods: PersistentMap<PeriodLedger>;
  /** By gesture id, in no particular order: only looked up, and walked whole when a period is forgotten. */
  readonly gestures: PersistentMap<GestureRecord>;
  /**
   * The expiry (ms) of each escalation still pending, by gesture id, in the order escalated: at most
   * `limits.openEscalationsPerEmployeeMax`, so a request finds the overdue ones without reading every gesture.
   */
  readonly openEscalations: PersistentMap<number>;
}

export type BudgetState = UnallocatedBudget | ActiveBudget;

export const initialBudgetState = (): BudgetState => ({ status: 'unallocated', refusals: PersistentMap.ordered(), lastRecordedAtMs: null });
