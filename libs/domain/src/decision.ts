/**
 * What a decider returns: the events to append (an empty list means "already done, nothing to
 * append"), or a refusal the caller turns into a response. Refusals are expected outcomes, so
 * they are values rather than exceptions.
 */
export interface Refusal<Reason extends string> {
  readonly kind: 'refused';
  readonly reason: Reason;
  /** Human-readable specifics (e.g. which policy fields are wrong); never parsed by machines. */
  readonly details: readonly string[];
}

export type Decision<Event, Reason extends string> = readonly Event[] | Refusal<Reason>;

export function refuse<Reason extends string>(reason: Reason, details: readonly string[] = []): Refusal<Reason> {
  return { kind: 'refused', reason, details };
}

export function isRefusal<Event, Reason extends string>(
  decision: Decision<Event, Reason>,
): decision is Refusal<Reason> {
  return !Array.isArray(decision);
}
