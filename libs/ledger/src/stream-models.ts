import {
  decideBudget,
  decideLoyalty,
  evolveBudget,
  evolveLoyalty,
  initialBudgetState,
  initialLoyaltyState,
  isRefusal,
  type BudgetCommand,
  type BudgetEvent,
  type BudgetState,
  type Decision,
  type LoyaltyCommand,
  type LoyaltyEvent,
  type LoyaltyState,
  type Policy,
  upcastLoyaltyEvent,
} from '#domain';
import type { RecordedEvent } from '#event-store';
import type { Forbidden } from './authorization.js';
import type { StreamModel } from './stream-command-processor.js';

/** A domain command plus the authorization check that needs the stream's state to be decided. */
export interface Authorized<Command, State> {
  command: Command;
  authorize: (state: State) => Forbidden;
}

export type CommandOutcome<State, Event> =
  | { kind: 'done'; events: readonly Event[]; state: State }
  | { kind: 'refused'; reason: string; details: readonly string[] }
  | { kind: 'forbidden'; reason: string };

function modelOf<State, Command, Event extends { type: string; schemaVersion: number; data: unknown }>(
  initialState: () => State,
  evolve: (state: State, event: Event) => State,
  decide: (command: Command, state: State, policy: Policy) => Decision<Event, string>,
  policy: () => Policy,
  weigh: (state: State) => number,
  upcast: (recorded: { type: string; schemaVersion: number; data: unknown }) => Event = (recorded) => recorded as Event,
): StreamModel<State, Authorized<Command, State>, Event, CommandOutcome<State, Event>> {
  return {
    initialState,
    weigh,
    evolve,
    decide({ command, authorize }, state) {
      const forbidden = authorize(state);
      if (forbidden !== null) return { events: [], outcome: () => ({ kind: 'forbidden', reason: forbidden }) };
      const decision = decide(command, state, policy());
      if (isRefusal(decision)) return { events: [], outcome: () => ({ kind: 'refused', reason: decision.reason, details: decision.details }) };
      return { events: decision, outcome: (after) => ({ kind: 'done', events: decision, state: after }) };
    },
    // Older schema versions are brought to the one the decider writes (the domain's upcasters).
    fromRecorded: (recorded: RecordedEvent) => upcast({ type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data }),
  };
}

/** Weights in units of roughly 100 bytes: what a remembered gesture, refusal or id costs in memory. */
const weighBudget = (s: BudgetState) => 4 + s.refusals.size * 2 + (s.status === 'active' ? s.periods.size * 4 + s.gestures.size * 4 : 0);
const weighLoyalty = (s: LoyaltyState) => 4 + (s.status === 'active' ? s.lots.length + s.spend.length + s.recentIds.length : 0);

export const budgetModel = (policy: () => Policy) =>
  modelOf<BudgetState, BudgetCommand, BudgetEvent>(initialBudgetState, evolveBudget, decideBudget, policy, weighBudget);

export const loyaltyModel = (policy: () => Policy) =>
  modelOf<LoyaltyState, LoyaltyCommand, LoyaltyEvent>(initialLoyaltyState, evolveLoyalty, decideLoyalty, policy, weighLoyalty, upcastLoyaltyEvent);
