import type { Principal } from '#auth';
import {
  bonusPointsOf,
  limits,
  budgetStreamName,
  loyaltyStreamName,
  monthEveryStoreHasReached,
  outcomeOf,
  type BudgetCommand,
  type BudgetEvent,
  type BudgetState,
  type Channel,
  type FeedbackKind,
  type GestureOutcome,
  type GestureRefused,
  type GestureType,
  type LoyaltyCommand,
  type LoyaltyEvent,
  type LoyaltyState,
  type Policy,
  type StaffRole,
  type Who,
} from '#domain';
import { budgetView, type BudgetView } from './budget-view.js';
import { deterministicEventId, EventIdConflictError, type EventMetadata, type EventStore, type RecordedEvent } from '#event-store';
import {
  budgetAuthority,
  mayDecideEscalation,
  mayManageBudget,
  mayReadBudget,
  mayExpireLoyalty,
  mayNameServer,
  mayRecordFeedback,
  mayRecordPurchase,
  mayRequestGesture,
  isTill,
  mayReverseGesture,
  staffRoleOf,
  type Forbidden,
} from './authorization.js';
import { employeeOfGesture, gestureIdFor } from './gesture-ids.js';
import { silentObserver, type CommandOutcomeLabel, type LedgerObserver } from './ledger-observer.js';
import { PolicyBook } from './policy-book.js';
import { stateCache, stateCacheLimits, stateCacheMbDefault, type StateCache } from './state-cache.js';
import { decidedEventId, StreamCommandProcessor, type StreamCommandProcessorLimits } from './stream-command-processor.js';
import { budgetModel, loyaltyModel, type Authorized, type CommandOutcome } from './stream-models.js';

/** Where a request came from: stamped on every event it causes. */
export interface RequestContext {
  principal: Principal;
  correlationId: string;
  causationId?: string | null;
  /**
   * When the request reached the system, where that was before this process got it: a Kafka message's
   * arrival as the broker stamped it. Absent: now.
   */
  receivedAt?: string;
}

export interface RequestGestureInput {
  employeeId: string;
  customerId: string;
  gestureType: GestureType;
  amountMinor?: number;
  currency?: string;
  points?: number;
  channel: Channel;
  storeId: string;
  reasonCode?: string | null;
  note?: string | null;
  occurredAt: string;
  idempotencyKey: string;
}

export interface RecordPurchaseInput {
  customerId: string;
  purchaseId: string;
  amountMinor: number;
  currency: string;
  channel: Channel;
  storeId: string;
  occurredAt: string;
  /** The associate who served the customer, named by a till (of its own store), the CRM or an admin. Omitted or null: nobody is named. */
  employeeId?: string | null;
}

export interface RedeemPointsInput {
  customerId: string;
  redemptionId: string;
  points: number;
  channel: Channel;
  storeId: string;
  occurredAt: string;
  /** As for a purchase. */
  employeeId?: string | null;
}

export type Result<T> = { kind: 'ok'; value: T } | { kind: 'refused'; reason: string; details: readonly string[] } | { kind: 'forbidden'; reason: string } | { kind: 'not_found'; what: string };

export interface LedgerOptions {
  clock?: () => Date;
  processorLimits?: Partial<StreamCommandProcessorLimits>;
  /** Heap for the budget and loyalty states kept between commands, shared by both (`stateCacheMbDefault`). */
  stateCacheMb?: number;
  /** Where command counts, latencies, appends and conflicts are reported (metrics). */
  observer?: LedgerObserver;
}

/**
 * The application service every shell calls (HTTP controllers, Kafka handlers, the demo): turns
 * requests into domain commands, checks who may send them, runs them on their streams, and carries
 * granted bonus points over to the customer's loyalty account.
 */
export class GestureLedger {
  readonly policies: PolicyBook;
  private readonly budgets: StreamCommandProcessor<BudgetState, Authorized<BudgetCommand, BudgetState>, BudgetEvent, CommandOutcome<BudgetState, BudgetEvent>>;
  private readonly loyalty: StreamCommandProcessor<LoyaltyState, Authorized<LoyaltyCommand, LoyaltyState>, LoyaltyEvent, CommandOutcome<LoyaltyState, LoyaltyEvent>>;
  private readonly states: StateCache;
  private readonly clock: () => Date;
  /** The last stamp `now` formatted. */
  private lastStamp = { ms: Number.NaN, text: '' };
  private readonly observer: LedgerObserver;

  constructor(
    readonly store: EventStore,
    options: LedgerOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.observer = options.observer ?? silentObserver;
    this.policies = new PolicyBook(store);
    const policy = () => this.policies.current();
    this.states = stateCache(stateCacheLimits(options.stateCacheMb ?? stateCacheMbDefault));
    this.budgets = new StreamCommandProcessor(store, budgetModel(policy), options.processorLimits, this.observer, this.states);
    this.loyalty = new StreamCommandProcessor(store, loyaltyModel(policy), options.processorLimits, this.observer, this.states);
  }

  async start(seedPolicy?: Policy): Promise<void> {
    await this.policies.load();
    if (!this.policies.published && seedPolicy) {
      await this.policies.publish(seedPolicy, 'system', this.metadata({ principal: { subject: 'system', roles: ['admin'], storeId: null }, correlationId: 'policy-seed' }));
    }
  }

  get cachedStreams(): number {
    return this.states.size;
  }

  async requestGesture(input: RequestGestureInput, ctx: RequestContext): Promise<Result<GestureOutcome>> {
    const gestureId = gestureIdFor(input.employeeId, input.idempotencyKey);
    const recordedAt = this.now();
    const value =
      input.points !== undefined ? ({ kind: 'points', points: input.points } as const) : ({ kind: 'money', amount: { amountMinor: input.amountMinor ?? 0, currency: input.currency ?? '' } } as const);
    const command: BudgetCommand = {
      type: 'RequestGesture',
      data: {
        gestureId,
        reservationId: deterministicEventId(`reservation/${gestureId}`),
        customerId: input.customerId,
        gestureType: input.gestureType,
        value,
        who: { employeeId: input.employeeId, actorId: ctx.principal.subject },
        where: { channel: input.channel, storeId: input.storeId },
        why: { reasonCode: input.reasonCode ?? null, note: input.note ?? null },
        occurredAt: input.occurredAt,
        recordedAt,
        sentByTill: isTill(ctx.principal),
        receivedAt: ctx.receivedAt ?? recordedAt,
      },
    };
    const authorize = (state: BudgetState): Forbidden => {
      const home = state.status === 'active' ? state.storeId : null;
      const forbidden = mayRequestGesture(ctx.principal, input.employeeId, home);
      if (forbidden) return forbidden;
      // A till speaks for its own store only, whoever's budget it charges; staff signed in at a store record
      // their gestures there (finance's spend by store and region, anomalies and recognition go by it), and
      // only head office staff (a token without a store) name any store.
      if (ctx.principal.roles.includes('pos-system')) return ctx.principal.storeId !== input.storeId ? 'till_of_another_store' : null;
      return ctx.principal.storeId !== null && ctx.principal.storeId !== input.storeId ? 'another_store' : null;
    };
    let outcome: CommandOutcome<BudgetState, BudgetEvent>;
    try {
      outcome = await this.runBudget(input.employeeId, gestureKey(gestureId), command, authorize, ctx);
    } catch (error) {
      if (!(error instanceof EventIdConflictError)) throw error;
      // Decided before, and forgotten since by the budget (it remembers the latest refusals only): the decision is
      // in the log under the ids this key gives, and a retry gets its first answer rather than a conflict.
      const first = await this.recordedRefusal(budgetStreamName(input.employeeId), gestureId, input);
      if (first === null) throw error;
      return { kind: 'ok', value: first };
    }
    if (outcome.kind !== 'done') return outcome;
    const answer = outcomeOf(outcome.state, gestureId);
    if (!answer) throw new Error(`gesture ${gestureId} decided but not found in state`);
    if (outcome.events.length === 0 && !sameGesture(outcome.state, gestureId, input)) {
      return { kind: 'refused', reason: 'idempotency_key_reused', details: ['this idempotency key was first used for a different gesture; its first answer stands'] };
    }
    if (outcome.events.length > 0) await this.creditBonusPoints(outcome.events, ctx);
    else await this.settleBonusPointsAgain(outcome.state, gestureId, command.data.why, ctx);
    return { kind: 'ok', value: answer };
  }

  async approveGesture(gestureId: string, input: { approvedAmountMinor?: number; reasonCode?: string | null; note?: string | null }, ctx: RequestContext): Promise<Result<GestureOutcome>> {
    // No amount approves all that is reserved: the decider reads it inside the stream's queue, where it cannot change underneath.
    return this.decideEscalation(gestureId, ctx, (approver) => ({
      type: 'ApproveGesture',
      data: { gestureId, approvedAmountMinor: input.approvedAmountMinor ?? null, approver, why: { reasonCode: input.reasonCode ?? null, note: input.note ?? null }, recordedAt: this.now() },
    }));
  }

  async denyGesture(gestureId: string, input: { reasonCode?: string | null; note?: string | null }, ctx: RequestContext): Promise<Result<GestureOutcome>> {
    return this.decideEscalation(gestureId, ctx, (approver) => ({
      type: 'DenyGesture',
      data: { gestureId, approver, why: { reasonCode: input.reasonCode ?? null, note: input.note ?? null }, recordedAt: this.now() },
    }));
  }

  async reverseGesture(gestureId: string, input: { reasonCode?: string | null; note?: string | null }, ctx: RequestContext): Promise<Result<GestureOutcome>> {
    const employeeId = employeeOfGesture(gestureId);
    if (!employeeId) return { kind: 'not_found', what: 'gesture' };
    const command: BudgetCommand = {
      type: 'ReverseGesture',
      data: {
        gestureId,
        by: budgetAuthority(ctx.principal),
        why: { reasonCode: input.reasonCode ?? null, note: input.note ?? null },
        recordedAt: this.now(),
      },
    };
    const outcome = await this.runBudget(employeeId, `reverse/${gestureId}`, command, (state) => mayReverseGesture(ctx.principal, homeStore(state)), ctx);
    if (outcome.kind === 'done' && outcome.events.length > 0) {
      // The grant's credit may never have been written (the store failed after the budget's append): it goes
      // first, so the take-back takes the bonus rather than the customer's own points, and a retry of the
      // grant arriving later finds it written instead of handing out the points of a reversed gesture.
      await this.settleBonusPointsAgain(outcome.state, gestureId, command.data.why, ctx, { creditOnly: true });
      await this.reverseBonusPoints(outcome.events, ctx);
    } else if (outcome.kind === 'done') await this.settleBonusPointsAgain(outcome.state, gestureId, command.data.why, ctx);
    // Someone else decided or undid it first: their loyalty half may be what failed (the store went away between
    // the two appends, and they gave up), and nobody else would ever send it again.
    else if (outcome.kind === 'refused' && outcome.reason === 'already_reversed') await this.settleBonusPointsAgain(await this.budgets.current(budgetStreamName(employeeId)), gestureId, command.data.why, ctx);
    return this.gestureAnswer(outcome, gestureId);
  }

  /** Sent by the expiry scheduler once an escalation's time has passed. */
  async expireEscalation(gestureId: string, ctx: RequestContext): Promise<Result<GestureOutcome>> {
    const employeeId = employeeOfGesture(gestureId);
    if (!employeeId) return { kind: 'not_found', what: 'gesture' };
    const command: BudgetCommand = { type: 'ExpireEscalation', data: { gestureId, actorId: ctx.principal.subject, recordedAt: this.now() } };
    const outcome = await this.runBudget(employeeId, `expire/${gestureId}`, command, () => (ctx.principal.roles.includes('admin') ? null : 'admin_role_required'), ctx);
    return this.gestureAnswer(outcome, gestureId);
  }

  async allocateBudget(input: { employeeId: string; role: StaffRole; storeId: string; allowanceOverrideMinor?: number | null; idempotencyKey: string }, ctx: RequestContext): Promise<Result<BudgetView>> {
    const command: BudgetCommand = {
      type: 'AllocateBudget',
      data: {
        employeeId: input.employeeId,
        role: input.role,
        storeId: input.storeId,
        allowanceOverrideMinor: input.allowanceOverrideMinor ?? null,
        by: budgetAuthority(ctx.principal),
        recordedAt: this.now(),
      },
    };
    // Enrolment may move an employee to another store: the manager must be of the store they join and of the
    // one they leave, or a manager of one store could take over another's staff, their role and allowance.
    const authorize = (state: BudgetState) =>
      state.status === 'active' ? (mayManageBudget(ctx.principal, input.storeId, [input.role, state.role]) ?? mayManageBudget(ctx.principal, state.storeId, [state.role])) : mayManageBudget(ctx.principal, input.storeId, [input.role]);
    const outcome = await this.runBudget(input.employeeId, `allocate/${input.idempotencyKey}`, command, authorize, ctx);
    return outcome.kind === 'done' ? { kind: 'ok', value: budgetView(outcome.state, this.policies.current(), this.clock().getTime()) } : outcome;
  }

  async adjustBudget(employeeId: string, input: { deltaMinor: number; effectiveAt?: string; reasonCode?: string | null; note?: string | null; idempotencyKey: string }, ctx: RequestContext): Promise<Result<BudgetView>> {
    const command: BudgetCommand = {
      type: 'AdjustBudget',
      data: {
        adjustmentId: deterministicEventId(`adjust/${employeeId}/${input.idempotencyKey}`),
        effectiveAt: input.effectiveAt ?? this.now(),
        deltaMinor: input.deltaMinor,
        by: budgetAuthority(ctx.principal),
        why: { reasonCode: input.reasonCode ?? null, note: input.note ?? null },
        recordedAt: this.now(),
      },
    };
    const outcome = await this.runBudget(employeeId, `adjust/${input.idempotencyKey}`, command, (state) => mayManageBudget(ctx.principal, homeStore(state), state.status === 'active' ? [state.role] : []), ctx);
    return outcome.kind === 'done' ? { kind: 'ok', value: budgetView(outcome.state, this.policies.current(), this.clock().getTime()) } : outcome;
  }

  /** The employee's budget as of now, from the write side (never lags; for the till and the tests). */
  async budget(employeeId: string, principal: Principal): Promise<Result<BudgetView>> {
    const state = await this.budgets.current(budgetStreamName(employeeId));
    const forbidden = mayReadBudget(principal, employeeId, state.status === 'active' ? state : null);
    if (forbidden) return { kind: 'forbidden', reason: forbidden };
    if (state.status !== 'active') return { kind: 'not_found', what: 'budget' };
    return { kind: 'ok', value: budgetView(state, this.policies.current(), this.clock().getTime()) };
  }

  async recordPurchase(input: RecordPurchaseInput, ctx: RequestContext): Promise<Result<LoyaltySummary>> {
    const who = await this.whoServed(input, ctx.principal);
    if (who.kind !== 'ok') return who;
    const command: LoyaltyCommand = {
      type: 'RecordPurchase',
      data: {
        customerId: input.customerId,
        purchaseId: input.purchaseId,
        amount: { amountMinor: input.amountMinor, currency: input.currency },
        who: who.value,
        where: { channel: input.channel, storeId: input.storeId },
        occurredAt: input.occurredAt,
        recordedAt: this.now(),
      },
    };
    return this.runLoyalty(input.customerId, `purchase/${input.purchaseId}`, command, () => null, ctx);
  }

  /**
   * Who served the customer at a purchase or a redemption, once the caller may record one in that store: the
   * employee named, if the caller may name them (their budget says where they work), else nobody; the caller
   * is the actor either way.
   */
  private async whoServed(input: { storeId: string; employeeId?: string | null }, principal: Principal): Promise<Result<Who>> {
    // Settled before any budget is looked at: a caller turned away learns nothing of the employee.
    const forbidden = mayRecordPurchase(principal, input.storeId);
    if (forbidden) return { kind: 'forbidden', reason: forbidden };
    const named = input.employeeId ?? null;
    if (named === null) return { kind: 'ok', value: { employeeId: null, actorId: principal.subject } };
    const notTheirs = mayNameServer(principal, named, homeStore(await this.budgets.current(budgetStreamName(named))), input.storeId);
    return notTheirs ? { kind: 'forbidden', reason: notTheirs } : { kind: 'ok', value: { employeeId: named, actorId: principal.subject } };
  }

  async recordFeedback(
    input: { customerId: string; feedbackId: string; kind: FeedbackKind; score?: number | null; gestureId?: string | null; comment?: string | null; channel?: Channel | null; occurredAt: string },
    ctx: RequestContext,
  ): Promise<Result<LoyaltySummary>> {
    const gestureId = input.gestureId ?? null;
    const employeeId = gestureId === null ? null : employeeOfGesture(gestureId);
    // Who may send it is settled before any budget is looked at: a caller turned away learns nothing of it.
    const forbidden = mayRecordFeedback(ctx.principal, employeeId);
    if (forbidden) return { kind: 'forbidden', reason: forbidden };
    if (gestureId !== null) {
      const unknown = employeeId === null ? 'not a gesture id' : await this.gestureNotOf(employeeId, gestureId, input.customerId);
      if (unknown !== null) return { kind: 'refused', reason: 'unknown_gesture', details: [unknown] };
    }
    const command: LoyaltyCommand = {
      type: 'RecordFeedback',
      data: {
        customerId: input.customerId,
        feedbackId: input.feedbackId,
        kind: input.kind,
        score: input.score ?? null,
        gestureId,
        employeeId,
        comment: input.comment ?? null,
        channel: input.channel ?? null,
        occurredAt: input.occurredAt,
        recordedAt: this.now(),
      },
    };
    return this.runLoyalty(input.customerId, `feedback/${input.feedbackId}`, command, () => null, ctx);
  }

  /**
   * Why feedback cannot be about this gesture of this customer, or null when it can: the employee must
   * have a budget, and the gesture must be one of theirs, made for this customer. Their budget remembers the
   * gestures of its open periods; an older one (late feedback on it still counts) is looked up in the log,
   * or feedback on made-up ids of a real employee would count in recognition.
   */
  private async gestureNotOf(employeeId: string, gestureId: string, customerId: string): Promise<string | null> {
    const stream = budgetStreamName(employeeId);
    const state = await this.budgets.current(stream);
    if (state.status !== 'active') return `${employeeId} has no budget`;
    const customer = state.gestures.get(gestureId)?.customerId ?? (await this.recordedGestureCustomer(stream, gestureId));
    if (customer === null) return `${employeeId} made no such gesture`;
    return customer === customerId ? null : 'the gesture was for another customer';
  }

  /** The customer of a gesture its budget has forgotten, from the decision that made it (null if none did). */
  private async recordedGestureCustomer(stream: string, gestureId: string): Promise<string | null> {
    const decision = await this.recordedDecision(stream, gestureId);
    return decision !== null && typeof decision.data.customerId === 'string' ? decision.data.customerId : null;
  }

  /**
   * The refusal a forgotten request got, read back from the log, when it was for the same gesture as `input`;
   * else null (granted or escalated, or another gesture under the key: a reused key).
   */
  private async recordedRefusal(stream: string, gestureId: string, input: RequestGestureInput): Promise<GestureOutcome | null> {
    const decision = await this.recordedDecision(stream, gestureId);
    if (decision === null || decision.type !== 'GestureRefused') return null;
    const refusal = decision.data as unknown as GestureRefused['data'];
    const requested = refusal.requested;
    const same = refusal.customerId === input.customerId && refusal.gestureType === input.gestureType && (input.points !== undefined ? requested.points === input.points : requested.amount?.amountMinor === input.amountMinor);
    return same ? { outcome: 'refused', gestureId, reason: refusal.reason, periodKey: refusal.periodKey } : null;
  }

  /**
   * The event that decided a gesture request, from the log: that decision's events have the ids its request's
   * key gives (`decidedEventId`), one indexed read each; expiries of older escalations may come before the
   * gesture's own, so it reads on until that one. Null when no decision was recorded.
   */
  private async recordedDecision(stream: string, gestureId: string): Promise<RecordedEvent | null> {
    for (let index = 0; index <= limits.openEscalationsPerEmployeeMax; index++) {
      const event = await this.store.readEvent(stream, decidedEventId(streamKey(stream, gestureKey(gestureId)), index));
      if (event === null) return null;
      if (event.data.gestureId === gestureId) return event;
    }
    return null;
  }

  /** Points spent by the customer at a till or by an agent; never below zero. */
  async redeemPoints(input: RedeemPointsInput, ctx: RequestContext): Promise<Result<LoyaltySummary>> {
    const who = await this.whoServed(input, ctx.principal);
    if (who.kind !== 'ok') return who;
    const command: LoyaltyCommand = {
      type: 'RedeemPoints',
      data: {
        customerId: input.customerId,
        redemptionId: input.redemptionId,
        points: input.points,
        who: who.value,
        where: { channel: input.channel, storeId: input.storeId },
        occurredAt: input.occurredAt,
        recordedAt: this.now(),
      },
    };
    return this.runLoyalty(input.customerId, `redeem/${input.redemptionId}`, command, () => null, ctx);
  }

  /**
   * Expires the customer's points that are due and re-tiers them from the rolling 12 months, as of the
   * month every store of the policy has reached: customers have no home store, so nothing goes while a
   * store that would still judge a purchase by the old month is open to them. Purchases and redemptions
   * do this for active customers on the way; this is for the ones who stopped coming, whose balance and
   * tier would otherwise stand until their next visit. Answers what this call expired: a repeat finds
   * nothing more due, and writes nothing, until the last store's month turns.
   */
  async expireLoyalty(customerId: string, ctx: RequestContext): Promise<Result<LoyaltyExpiry>> {
    const recordedAt = this.now();
    const asOf = recordedAt.slice(0, 10);
    const command: LoyaltyCommand = { type: 'ExpirePoints', data: { customerId, asOf, recordedAt } };
    // One run per month judged, not per day: that month turns within a UTC day, and two runs of one day
    // may each have something to write.
    const judged = monthEveryStoreHasReached(this.policies.current(), Date.parse(recordedAt));
    const outcome = await this.handleLoyalty(customerId, `expire/${judged}`, command, () => mayExpireLoyalty(ctx.principal), ctx);
    if (outcome.kind !== 'done') return outcome;
    let pointsExpired = 0;
    let tierChanged: LoyaltyExpiry['tierChanged'] = null;
    for (const event of outcome.events) {
      if (event.type === 'PointsExpired') pointsExpired += event.data.points;
      if (event.type === 'TierChanged') tierChanged = { from: event.data.from, to: event.data.to };
    }
    return { kind: 'ok', value: { ...loyaltySummary(customerId, outcome.state), pointsExpired, tierChanged } };
  }

  async loyaltyOf(customerId: string): Promise<LoyaltySummary> {
    return loyaltySummary(customerId, await this.loyalty.current(loyaltyStreamName(customerId)));
  }

  private async decideEscalation(gestureId: string, ctx: RequestContext, build: (approver: { employeeId: string; actorId: string; role: StaffRole }) => BudgetCommand): Promise<Result<GestureOutcome>> {
    const employeeId = employeeOfGesture(gestureId);
    if (!employeeId) return { kind: 'not_found', what: 'gesture' };
    const role = staffRoleOf(ctx.principal);
    const approver = { employeeId: ctx.principal.subject, actorId: ctx.principal.subject, role: role ?? 'associate' };
    const command = build(approver);
    const outcome = await this.runBudget(employeeId, `${command.type}/${gestureId}`, command, (s) => mayDecideEscalation(ctx.principal, homeStore(s)), ctx);
    const answer = await this.gestureAnswer(outcome, gestureId);
    const why = 'why' in command.data ? command.data.why : { reasonCode: null, note: null };
    if (outcome.kind === 'done' && outcome.events.length > 0) await this.creditBonusPoints(outcome.events, ctx);
    else if (outcome.kind === 'done') await this.settleBonusPointsAgain(outcome.state, gestureId, why, ctx);
    // Decided by someone else first: their loyalty half may be what failed, and nobody else would send it again.
    else if (outcome.kind === 'refused' && outcome.reason === 'not_pending') await this.settleBonusPointsAgain(await this.budgets.current(budgetStreamName(employeeId)), gestureId, why, ctx);
    return answer;
  }

  private gestureAnswer(outcome: CommandOutcome<BudgetState, BudgetEvent>, gestureId: string): Result<GestureOutcome> {
    if (outcome.kind !== 'done') return outcome;
    const answer = outcomeOf(outcome.state, gestureId);
    return answer ? { kind: 'ok', value: answer } : { kind: 'not_found', what: 'gesture' };
  }

  /**
   * Bonus points granted (or approved) on the budget are credited to the customer's account. The
   * credit's id derives from the gesture, so a retry or a replay never credits twice.
   */
  private async creditBonusPoints(events: readonly BudgetEvent[], ctx: RequestContext): Promise<void> {
    for (const event of events) {
      const points = event.type === 'GestureGranted' ? event.data.points : event.type === 'GestureApproved' ? event.data.approvedPoints : null;
      if (points === null || points <= 0 || (event.type !== 'GestureGranted' && event.type !== 'GestureApproved')) continue;
      const d = event.data;
      await this.runLoyalty(
        d.customerId,
        `credit/${d.gestureId}`,
        { type: 'CreditBonusPoints', data: { customerId: d.customerId, gestureId: d.gestureId, employeeId: d.employeeId, points, who: d.who, where: d.where, why: d.why, when: d.when, recordedAt: this.now() } },
        () => null,
        { ...ctx, causationId: d.gestureId },
      );
    }
  }

  /**
   * A repeated request finds its gesture decided already, but the loyalty half may be missing: the store failed
   * between the budget's append and the customer's, and this repeat is the caller's retry (or the message's
   * redelivery). So the credit, and after a reversal the take-back, are sent again from what the budget says —
   * both idempotent by the gesture's id. A credit whose id the store holds with other details (the customer's
   * account forgot the id, the event did not) was written the first time.
   */
  private async settleBonusPointsAgain(state: BudgetState, gestureId: string, why: { reasonCode: string | null; note: string | null }, ctx: RequestContext, { creditOnly = false } = {}): Promise<void> {
    const { credited, takenBack } = bonusPointsOf(state, gestureId);
    const record = state.status === 'active' ? state.gestures.get(gestureId) : undefined;
    if (record === undefined || (credited === null && takenBack === null)) return;
    const employeeId = state.status === 'active' ? state.employeeId : '';
    const recordedAt = this.now();
    const data = { customerId: record.customerId, gestureId, employeeId, who: { employeeId, actorId: ctx.principal.subject }, where: record.where, why, when: { occurredAt: recordedAt, recordedAt }, recordedAt };
    const again = async (key: string, command: LoyaltyCommand) => {
      await this.runLoyalty(record.customerId, key, command, () => null, { ...ctx, causationId: gestureId }).catch((error: unknown) => {
        if (!(error instanceof EventIdConflictError)) throw error;
      });
    };
    if (credited !== null && credited > 0) await again(`credit/${gestureId}`, { type: 'CreditBonusPoints', data: { ...data, points: credited } });
    if (!creditOnly && takenBack !== null && takenBack > 0) await again(`reverse-credit/${gestureId}`, { type: 'ReverseBonusPoints', data: { ...data, points: takenBack } });
  }

  /**
   * A reversed bonus-points gesture takes its points back from the customer's account, as far as the
   * balance still holds them; the loyalty event records any shortfall. Its id derives from the gesture.
   */
  private async reverseBonusPoints(events: readonly BudgetEvent[], ctx: RequestContext): Promise<void> {
    for (const event of events) {
      const points = event.type === 'GestureReversed' ? event.data.returnedPoints : null;
      if (points === null || points <= 0 || event.type !== 'GestureReversed') continue;
      const d = event.data;
      await this.runLoyalty(
        d.customerId,
        `reverse-credit/${d.gestureId}`,
        { type: 'ReverseBonusPoints', data: { customerId: d.customerId, gestureId: d.gestureId, employeeId: d.employeeId, points, who: d.who, where: d.where, why: d.why, when: d.when, recordedAt: this.now() } },
        () => null,
        { ...ctx, causationId: d.gestureId },
      );
    }
  }

  private async runBudget(employeeId: string, key: string, command: BudgetCommand, authorize: (state: BudgetState) => Forbidden, ctx: RequestContext) {
    const stream = budgetStreamName(employeeId);
    const started = performance.now();
    try {
      const outcome = await this.budgets.handle(stream, { command: { command, authorize }, idempotencyKey: streamKey(stream, key), metadata: this.metadata(ctx) });
      this.observer.commandAnswered(command.type, outcomeLabel(outcome), (performance.now() - started) / 1000);
      if (outcome.kind === 'done') this.observeUtilisation(outcome.events, outcome.state);
      return outcome;
    } catch (error) {
      this.observer.commandAnswered(command.type, 'error', (performance.now() - started) / 1000);
      throw error;
    }
  }

  private async runLoyalty(customerId: string, key: string, command: LoyaltyCommand, authorize: (state: LoyaltyState) => Forbidden, ctx: RequestContext): Promise<Result<LoyaltySummary>> {
    const outcome = await this.handleLoyalty(customerId, key, command, authorize, ctx);
    return outcome.kind === 'done' ? { kind: 'ok', value: loyaltySummary(customerId, outcome.state) } : outcome;
  }

  private async handleLoyalty(customerId: string, key: string, command: LoyaltyCommand, authorize: (state: LoyaltyState) => Forbidden, ctx: RequestContext): Promise<CommandOutcome<LoyaltyState, LoyaltyEvent>> {
    const stream = loyaltyStreamName(customerId);
    const started = performance.now();
    let outcome: CommandOutcome<LoyaltyState, LoyaltyEvent>;
    try {
      outcome = await this.loyalty.handle(stream, { command: { command, authorize }, idempotencyKey: streamKey(stream, key), metadata: this.metadata(ctx) });
    } catch (error) {
      this.observer.commandAnswered(command.type, 'error', (performance.now() - started) / 1000);
      throw error;
    }
    this.observer.commandAnswered(command.type, outcomeLabel(outcome), (performance.now() - started) / 1000);
    return outcome;
  }

  /** How full the charged period is after a grant or a reservation (for the utilisation metric). */
  private observeUtilisation(events: readonly BudgetEvent[], state: BudgetState): void {
    // The request's own answer is its last event: expiries it found overdue come first.
    const answer = events.at(-1);
    if (answer?.type !== 'GestureGranted' && answer?.type !== 'GestureEscalated') return;
    const ledger = state.status === 'active' ? state.periods.get(answer.data.period.key) : undefined;
    if (ledger && ledger.allowanceMinor > 0) this.observer.budgetUtilised((ledger.spentMinor + ledger.reservedMinor) / ledger.allowanceMinor);
  }

  private metadata(ctx: RequestContext): EventMetadata {
    return { correlationId: ctx.correlationId, causationId: ctx.causationId ?? null, actor: ctx.principal.subject, recordedAt: this.now() };
  }

  /** The server's stamp, formatted once per millisecond: a busy API stamps several requests in each. */
  private now(): string {
    const date = this.clock();
    const ms = date.getTime();
    if (ms !== this.lastStamp.ms) this.lastStamp = { ms, text: date.toISOString() };
    return this.lastStamp.text;
  }

}

const outcomeOfEvent: Record<string, CommandOutcomeLabel | undefined> = { GestureGranted: 'granted', GestureEscalated: 'escalated', GestureRefused: 'refused' };

/** A bounded label for the metrics: the gesture's answer, else whether anything was written. */
function outcomeLabel(outcome: CommandOutcome<unknown, { type: string }>): CommandOutcomeLabel {
  if (outcome.kind === 'forbidden' || outcome.kind === 'refused') return outcome.kind;
  const answer = outcome.events.at(-1);
  return answer === undefined ? 'unchanged' : (outcomeOfEvent[answer.type] ?? 'accepted');
}

/** Whether a repeated request asks for what the first one did (refusals keep no details to compare). */
function sameGesture(state: BudgetState, gestureId: string, input: RequestGestureInput): boolean {
  const record = state.status === 'active' ? state.gestures.get(gestureId) : undefined;
  if (!record) return true;
  const first = record.first;
  const firstAmount = first.outcome === 'granted' ? first.cost.amountMinor : first.reserved.amountMinor;
  const sameValue = input.points !== undefined ? first.points === input.points : first.points === null && firstAmount === input.amountMinor;
  return record.customerId === input.customerId && record.gestureType === input.gestureType && sameValue;
}

function homeStore(state: BudgetState): string | null {
  return state.status === 'active' ? state.storeId : null;
}

export interface LoyaltySummary {
  customerId: string;
  balancePoints: number;
  tier: string | null;
}

/** What a loyalty expiry did: the standing after it, the points it expired, and the tier change if any. */
export interface LoyaltyExpiry extends LoyaltySummary {
  pointsExpired: number;
  tierChanged: { from: string | null; to: string } | null;
}

function loyaltySummary(customerId: string, state: LoyaltyState): LoyaltySummary {
  return state.status === 'active' ? { customerId, balancePoints: state.balancePoints, tier: state.tier } : { customerId, balancePoints: 0, tier: null };
}

/** The key a gesture's request runs under in its budget stream: the same for every retry of it. */
function gestureKey(gestureId: string): string {
  return `gesture/${gestureId}`;
}

/** A command's idempotency key within its stream, as its events' ids are derived from (`decidedEventId`). */
function streamKey(stream: string, key: string): string {
  return `${stream}/${key}`;
}
