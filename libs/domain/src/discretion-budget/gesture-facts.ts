import type { When, Who, Why } from '../context.js';
import type { GestureFacts } from './events.js';
import type { ActiveBudget, GestureRecord } from './state.js';

/**
 * The context of a later decision about a gesture (approval, denial, expiry, reversal): `who` and
 * `why` are the decider's own, `where` stays where the gesture happened. Decisions taken online
 * have no till clock, so they occur when the server records them. `policyVersion` is the version whose
 * rules the decision applied.
 */
export function laterFacts(state: ActiveBudget, record: GestureRecord, who: Who, why: Why, recordedAt: string, policyVersion: number): GestureFacts {
  const when: When = { occurredAt: recordedAt, recordedAt };
  return {
    gestureId: record.gestureId,
    employeeId: state.employeeId,
    customerId: record.customerId,
    gestureType: record.gestureType,
    who,
    where: record.where,
    why,
    when,
    policyVersion,
  };
}
