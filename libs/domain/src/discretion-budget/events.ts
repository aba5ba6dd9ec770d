import type { DomainEvent } from '../decider.js';
import type { GestureContext } from '../context.js';
import type { Money } from '../money.js';
import type { GestureType } from '../policy/catalogue.js';
import type { StaffRole } from '../staff/roles.js';
import type { BudgetPeriod } from '../time/periods.js';
import type { BudgetAuthority } from './commands.js';
import type { GestureRefusalReason } from './refusals.js';

/** Stream: `discretion-budget-{employeeId}`. All amounts are minor units of the policy currency. */

/**
 * The period an amount is charged to, with its allowance at the time of the decision, so that
 * replaying events alone can open a period the state has not seen yet.
 */
export interface ChargedPeriod extends BudgetPeriod {
  readonly allowanceMinor: number;
}

/** The gesture's identity, repeated in each of its events so a projection never needs a join. */
export interface GestureFacts extends GestureContext {
  readonly gestureId: string;
  /** Whose budget is charged: the employee who made the gesture. */
  readonly employeeId: string;
  readonly customerId: string;
  readonly gestureType: GestureType;
}

export type BudgetAllocated = DomainEvent<'BudgetAllocated', {
  readonly employeeId: string;
  readonly role: StaffRole;
  readonly storeId: string;
  /** Copied from the policy so periods can be computed and forgotten without it. */
  readonly timeZone: string;
  readonly allowanceOverrideMinor: number | null;
  readonly currency: string;
  readonly by: BudgetAuthority;
  readonly recordedAt: string;
  readonly policyVersion: number;
}>;

export type GestureGranted = DomainEvent<'GestureGranted', GestureFacts & {
  readonly cost: Money;
  /** Points given to the customer for a bonus-points gesture, else null. */
  readonly points: number | null;
  readonly period: ChargedPeriod;
}>;

export type GestureEscalated = DomainEvent<'GestureEscalated', GestureFacts & {
  readonly reservationId: string;
  readonly reserved: Money;
  readonly points: number | null;
  /** The point value the reservation was priced at, to turn a partial approval back into points. */
  readonly pointValueMinor: number | null;
  readonly period: ChargedPeriod;
  readonly approverRole: StaffRole;
  readonly expiresAt: string;
}>;

export type GestureRefused = DomainEvent<'GestureRefused', GestureFacts & {
  readonly reason: GestureRefusalReason;
  /** What was asked for, as sent. */
  readonly requested: { readonly amount: Money | null; readonly points: number | null };
  /** The period the gesture fell in, when it got far enough to be placed in one. */
  readonly periodKey: string | null;
}>;

/** `who` is the approver; `where` is where the gesture happened. */
export type GestureApproved = DomainEvent<'GestureApproved', GestureFacts & {
  readonly reservationId: string;
  readonly periodKey: string;
  readonly approved: Money;
  readonly released: Money;
  readonly approvedPoints: number | null;
  readonly approverId: string;
  readonly approverRole: StaffRole;
}>;

export type GestureDenied = DomainEvent<'GestureDenied', GestureFacts & {
  readonly reservationId: string;
  readonly periodKey: string;
  readonly released: Money;
  readonly approverId: string;
  readonly approverRole: StaffRole;
}>;

export type EscalationExpired = DomainEvent<'EscalationExpired', GestureFacts & {
  readonly reservationId: string;
  readonly periodKey: string;
  readonly released: Money;
  readonly expiresAt: string;
}>;

/** `returned` goes back to the period the gesture was charged to, whenever it is reversed. */
export type GestureReversed = DomainEvent<'GestureReversed', GestureFacts & {
  readonly periodKey: string;
  readonly returned: Money;
  readonly returnedPoints: number | null;
  readonly reversedBy: BudgetAuthority;
}>;

export type BudgetAdjusted = DomainEvent<'BudgetAdjusted', {
  readonly employeeId: string;
  readonly adjustmentId: string;
  readonly period: BudgetPeriod;
  readonly currency: string;
  readonly deltaMinor: number;
  readonly allowanceBeforeMinor: number;
  readonly allowanceAfterMinor: number;
  readonly by: BudgetAuthority;
  readonly reasonCode: string | null;
  readonly note: string | null;
  readonly recordedAt: string;
  readonly policyVersion: number;
}>;

export type BudgetEvent =
  | BudgetAllocated
  | GestureGranted
  | GestureEscalated
  | GestureRefused
  | GestureApproved
  | GestureDenied
  | EscalationExpired
  | GestureReversed
  | BudgetAdjusted;
