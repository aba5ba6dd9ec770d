import type { Decision } from './decision.js';

/** Every event in this domain: immutable, versioned, plain data the shell can serialise as JSON. */
/** `Version`: the schema version the decider writes; older versions are upcast to it when read (see `upcastLoyaltyEvent`). */
export interface DomainEvent<Type extends string, Data, Version extends number = 1> {
  readonly type: Type;
  readonly schemaVersion: Version;
  readonly data: Data;
}

export interface DomainCommand<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
}

/**
 * The functional core of one stream: `decide` turns a command into events or a refusal, `evolve`
 * folds events into state. `Policy` is the published policy the decision is made under; deciders
 * that need none use `void`.
 */
export interface Decider<State, Command, Event, Reason extends string, Policy = void> {
  readonly initialState: () => State;
  readonly decide: (command: Command, state: State, policy: Policy) => Decision<Event, Reason>;
  readonly evolve: (state: State, event: Event) => State;
}
