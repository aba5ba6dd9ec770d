import type { Decider } from '../decider.js';
import { isRefusal, type Decision } from '../decision.js';
import { canonicalJson } from '../plain-data.js';

/**
 * Decider tests written as specifications: given these events, when this command, then these
 * events, or nothing, or this refusal, or this crash. Framework-free so any runner can use it;
 * a failed expectation throws `SpecificationFailed` with both sides in canonical JSON.
 *
 *   const given = DeciderSpecification.for(discretionBudgetDecider, samplePolicy());
 *   given([allocated]).when(request).then([granted]);
 */
export class SpecificationFailed extends Error {
  override readonly name = 'SpecificationFailed';
}

type ErrorClass = abstract new (...args: never[]) => Error;

export interface Then<Event, Reason extends string> {
  then(expected: readonly Event[]): void;
  thenNothingHappened(): void;
  /** `detailsMatch`, when given, must find its text in one of the refusal's details. */
  thenRefused(reason: Reason, detailsMatch?: string): void;
  thenThrows(errorClass?: ErrorClass, messageMatch?: string | RegExp): void;
  /** The raw decision, for assertions the helpers do not cover. */
  decision(): Decision<Event, Reason>;
}

export interface Given<State, Command, Event, Reason extends string> {
  when(command: Command): Then<Event, Reason>;
  /** The state the given events fold into. */
  state(): State;
}

export const DeciderSpecification = {
  for<State, Command, Event, Reason extends string, Policy>(
    decider: Decider<State, Command, Event, Reason, Policy>,
    policy: Policy,
  ): (given: readonly Event[]) => Given<State, Command, Event, Reason> {
    return (given) => {
      const state = (): State => given.reduce(decider.evolve, decider.initialState());
      return {
        state,
        when: (command) => {
          const decide = (): Decision<Event, Reason> => decider.decide(command, state(), policy);
          return {
            decision: decide,
            then: (expected) => expectEvents(decide(), expected),
            thenNothingHappened: () => expectEvents(decide(), []),
            thenRefused: (reason, detailsMatch) => expectRefusal(decide(), reason, detailsMatch),
            thenThrows: (errorClass, messageMatch) => expectThrow(decide, errorClass, messageMatch),
          };
        },
      };
    };
  },
};

function expectEvents<Event, Reason extends string>(decision: Decision<Event, Reason>, expected: readonly Event[]): void {
  if (isRefusal(decision)) {
    throw new SpecificationFailed(`expected ${expected.length} event(s) but the command was refused: ${canonicalJson(decision)}`);
  }
  const actualText = canonicalJson(decision);
  const expectedText = canonicalJson(expected);
  if (actualText !== expectedText) {
    throw new SpecificationFailed(`events differ\n  expected: ${expectedText}\n  actual:   ${actualText}`);
  }
}

function expectRefusal<Event, Reason extends string>(decision: Decision<Event, Reason>, reason: Reason, detailsMatch?: string): void {
  if (!isRefusal(decision)) throw new SpecificationFailed(`expected refusal ${reason} but got events: ${canonicalJson(decision)}`);
  if (decision.reason !== reason) throw new SpecificationFailed(`expected refusal ${reason} but got ${decision.reason} (${decision.details.join('; ')})`);
  if (detailsMatch !== undefined && !decision.details.some((d) => d.includes(detailsMatch))) {
    throw new SpecificationFailed(`refusal ${reason} has no detail mentioning "${detailsMatch}": ${decision.details.join('; ')}`);
  }
}

function expectThrow(decide: () => unknown, errorClass?: ErrorClass, messageMatch?: string | RegExp): void {
  let result: unknown;
  try {
    result = decide();
  } catch (error) {
    if (errorClass !== undefined && !(error instanceof errorClass)) throw new SpecificationFailed(`expected ${errorClass.name} but ${String(error)} was thrown`);
    const message = error instanceof Error ? error.message : String(error);
    const matches = messageMatch === undefined || (typeof messageMatch === 'string' ? message.includes(messageMatch) : messageMatch.test(message));
    if (!matches) throw new SpecificationFailed(`error message "${message}" does not match ${String(messageMatch)}`);
    return;
  }
  throw new SpecificationFailed(`expected the decision to throw but it returned ${canonicalJson(result)}`);
}
