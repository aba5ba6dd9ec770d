import type { DomainCommand } from '../decider.js';
import type { Where, Who, Why } from '../context.js';
import type { Money } from '../money.js';
import type { GestureType } from '../policy/catalogue.js';
import type { AuthorityRole, StaffRole } from '../staff/roles.js';

/**
 * Every command carries the server's clock (`recordedAt`) and ids the shell derived from the
 * caller's idempotency key, so deciding is repeatable: the same command on the same state gives
 * the same events.
 */

/** Someone allowed to manage budgets; `employeeId` is null for a back-office system. */
export interface BudgetAuthority {
  readonly employeeId: string | null;
  readonly actorId: string;
  readonly role: AuthorityRole;
}

/** An approver's identity and the role their token grants. */
export interface Approver {
  readonly employeeId: string;
  readonly actorId: string;
  readonly role: StaffRole;
}

export type AllocateBudget = DomainCommand<'AllocateBudget', {
  readonly employeeId: string;
  readonly role: StaffRole;
  /** The home store; its time zone draws the budget's days, weeks and months. */
  readonly storeId: string;
  /** Replaces the role's allowance per period for this employee; null to use the role's. */
  readonly allowanceOverrideMinor: number | null;
  readonly by: BudgetAuthority;
  readonly recordedAt: string;
}>;

/** Money gestures state an amount; bonus points state points and are charged at the policy's point value. */
export type GestureValue =
  | { readonly kind: 'money'; readonly amount: Money }
  | { readonly kind: 'points'; readonly points: number };

export type RequestGesture = DomainCommand<'RequestGesture', {
  readonly gestureId: string;
  /** Also the reservation's id should the gesture need approval. */
  readonly reservationId: string;
  readonly customerId: string;
  readonly gestureType: GestureType;
  readonly value: GestureValue;
  /** `who.employeeId` is the budget's owner, whose stream this command is sent to. */
  readonly who: Who;
  readonly where: Where;
  readonly why: Why;
  /** The till's clock: decides which period is charged, even when uploaded days later. */
  readonly occurredAt: string;
  readonly recordedAt: string;
  /**
   * Sent by a till rather than by the employee's own session. Only a till uploads an offline queue, so only
   * its requests may be dated further back than `limits.liveRequestAgeMinutesMax`: a person signed in
   * records a gesture as it happens, and could otherwise charge the unused allowance of past periods.
   */
  readonly sentByTill: boolean;
  /**
   * When the request reached the system: the server's clock at the edge (`recordedAt`), or, for a message
   * that waited in a topic, its arrival at the broker as the broker stamped it. A staff session's gesture is
   * judged live against it, so a consumer's backlog does not refuse what was live when it was sent.
   */
  readonly receivedAt: string;
}>;

export type ApproveGesture = DomainCommand<'ApproveGesture', {
  readonly gestureId: string;
  /**
   * At most the amount reserved; the rest is released back to the budget. Null approves all that is
   * reserved, read from the state the approval is decided on, so nobody has to read it beforehand.
   */
  readonly approvedAmountMinor: number | null;
  readonly approver: Approver;
  readonly why: Why;
  readonly recordedAt: string;
}>;

export type DenyGesture = DomainCommand<'DenyGesture', {
  readonly gestureId: string;
  readonly approver: Approver;
  readonly why: Why;
  readonly recordedAt: string;
}>;

/** Sent by a scheduler once an escalation's time to live has passed unanswered. */
export type ExpireEscalation = DomainCommand<'ExpireEscalation', {
  readonly gestureId: string;
  readonly actorId: string;
  readonly recordedAt: string;
}>;

export type ReverseGesture = DomainCommand<'ReverseGesture', {
  readonly gestureId: string;
  readonly by: BudgetAuthority;
  readonly why: Why;
  readonly recordedAt: string;
}>;

export type AdjustBudget = DomainCommand<'AdjustBudget', {
  readonly adjustmentId: string;
  /** Any instant inside the period to adjust, read on the home store's calendar. */
  readonly effectiveAt: string;
  /** Positive tops the allowance up; negative lowers it, never below what is spent and reserved. */
  readonly deltaMinor: number;
  readonly by: BudgetAuthority;
  readonly why: Why;
  readonly recordedAt: string;
}>;

export type BudgetCommand = AllocateBudget | RequestGesture | ApproveGesture | DenyGesture | ExpireEscalation | ReverseGesture | AdjustBudget;
