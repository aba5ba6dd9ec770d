/**
 * A broken invariant is a programmer's error, not a business outcome: it must crash loudly so the
 * bad state is never written. Business refusals are values (see `decision.ts`), never thrown.
 */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantViolation(message);
}

/** Ends an exhaustive switch: adding a member to the union without handling it fails to compile. */
export function unreachable(value: never, what: string): never {
  throw new InvariantViolation(`unhandled ${what}: ${JSON.stringify(value)}`);
}
