/**
 * The functional core of Gesture Ledger: deciders for discretion budgets, customer loyalty and the
 * published policy, with the money, calendar and role rules they share. Plain TypeScript with no
 * I/O; the clock and ids arrive with each command.
 */
export { assert, InvariantViolation } from './assert.js';
export { isOpaqueId, partyIdPattern, partyIdRule } from './ids.js';
export { isRefusal, refuse, type Decision, type Refusal } from './decision.js';
export type { Decider, DomainCommand, DomainEvent } from './decider.js';
export { limits } from './limits.js';
export { canonicalJson, samePlainData } from './plain-data.js';
export { PersistentMap } from './persistent-map.js';
export {
  addMinor,
  assertMinorUnits,
  assertMoney,
  formatMoney,
  isCurrencyCode,
  isKnownCurrency,
  minorUnitDigits,
  money,
  multiplyMinor,
  subtractMinor,
  type Money,
} from './money.js';
export { channels, isChannel, type Channel, type GestureContext, type When, type Where, type Who, type Why } from './context.js';
export { isRoleAbove, isStaffRole, mayApprove, mayManageBudgets, roleRank, staffRoles, type AuthorityRole, type StaffRole } from './staff/roles.js';
export { isIsoInstant } from './time/instant.js';
export { isIsoDate, isValidTimeZone } from './time/calendar.js';
export { closedThrough, isPeriodClosed, isPeriodKey, periodAt, periodKinds, type BudgetPeriod, type PeriodKind } from './time/periods.js';

export { gestureTypes, isGestureType, pointsGestureType, type CostKind, type GestureCatalogue, type GestureType, type GestureTypeRule } from './policy/catalogue.js';
export { storeOf, tierNames, type LoyaltyRule, type Policy, type RoleRule, type StoreRule, type TierName, type TierRule } from './policy/policy.js';
export { policyFieldProblems, policyProblems, type PolicyProblem } from './policy/validate-policy.js';
export { samplePolicy } from './policy/sample-policy.js';
export {
  decidePolicy,
  evolvePolicy,
  initialPolicyState,
  policyDecider,
  policyStreamName,
  type PolicyCommand,
  type PolicyEvent,
  type PolicyPublished,
  type PolicyRefusalReason,
  type PolicyState,
  type PublishPolicy,
} from './policy/policy-decider.js';

export type {
  AdjustBudget,
  AllocateBudget,
  ApproveGesture,
  Approver,
  BudgetAuthority,
  BudgetCommand,
  DenyGesture,
  ExpireEscalation,
  GestureValue,
  RequestGesture,
  ReverseGesture,
} from './discretion-budget/commands.js';
export type {
  BudgetAdjusted,
  BudgetAllocated,
  BudgetEvent,
  ChargedPeriod,
  EscalationExpired,
  GestureApproved,
  GestureDenied,
  GestureEscalated,
  GestureFacts,
  GestureGranted,
  GestureRefused,
  GestureReversed,
} from './discretion-budget/events.js';
export type { BudgetRefusalReason, GestureRefusalReason } from './discretion-budget/refusals.js';
export {
  initialBudgetState,
  type ActiveBudget,
  type BudgetState,
  type FirstOutcome,
  type GestureRecord,
  type GestureStatus,
  type PeriodLedger,
  type UnallocatedBudget,
} from './discretion-budget/state.js';
export { decideBudget, discretionBudgetDecider } from './discretion-budget/decide.js';
export { escalationTimerActorId } from './discretion-budget/decide-escalation.js';
export { evolveBudget } from './discretion-budget/evolve.js';
export { bonusPointsOf, outcomeOf, pendingEscalationsOf, type GestureOutcome, type PendingEscalation } from './discretion-budget/outcome.js';
export { budgetStreamName, budgetStreamPrefix } from './discretion-budget/stream.js';
export { ledgerAt } from './discretion-budget/rules.js';

export {
  feedbackKinds,
  type CreditBonusPoints,
  type ExpirePoints,
  type FeedbackKind,
  type LoyaltyCommand,
  type RecordFeedback,
  type RecordPurchase,
  type RedeemPoints,
  type ReverseBonusPoints,
} from './loyalty/commands.js';
export type {
  BonusPointsCredited,
  BonusPointsReversed,
  FeedbackReceived,
  LoyaltyEvent,
  PointLot,
  PointsEarned,
  PointsExpired,
  PointsRedeemed,
  PurchaseRecorded,
  TierChanged,
} from './loyalty/events.js';
export type { LoyaltyRefusalReason } from './loyalty/refusals.js';
export { initialLoyaltyState, type LoyaltyAccount, type LoyaltyState, type SpendBucket } from './loyalty/state.js';
export { decideLoyalty, loyaltyDecider } from './loyalty/decide.js';
export { monthEveryStoreHasReached } from './loyalty/expiry-month.js';
export { evolveLoyalty } from './loyalty/evolve.js';
export { loyaltyStreamName, loyaltyStreamPrefix } from './loyalty/stream.js';
export { partyOfStream, type PartyKind } from './party-streams.js';
export { upcastLoyaltyEvent } from './loyalty/upcast.js';

export { DeciderSpecification, SpecificationFailed, type Given, type Then } from './testing/decider-specification.js';
