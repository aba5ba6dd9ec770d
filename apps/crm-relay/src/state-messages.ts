import { positionToString } from '#event-store';
import { pendingEscalationViews, periodView } from '#ledger';
import { schemaBaseUri, type OutgoingMessage } from '#messaging';
import type { PartyState } from './party-states.js';

/** Bumped when the shape of a state message changes; mirrored by `schemas/*State.json`. */
export const stateSchemaVersion = 1;
export const customerLoyaltySchemaUri = `${schemaBaseUri}CustomerLoyaltyState.json`;
export const employeeDiscretionSchemaUri = `${schemaBaseUri}EmployeeDiscretionState.json`;

/** The event a state message is as of: lets a consumer line the state up with the event feed. */
function asOf(party: PartyState) {
  return { eventId: party.last.id, streamRevision: Number(party.last.revision), logPosition: positionToString(party.last.position), recordedAt: party.last.metadata.recordedAt };
}

function headers(party: PartyState, source: string, type: string, schema: string): Record<string, string> {
  return {
    ce_specversion: '1.0',
    // Unique per state version: the state after a given event is published once (repeats drop by id).
    ce_id: `${party.last.id}/state`,
    ce_source: source,
    ce_type: type,
    ce_time: party.last.metadata.recordedAt,
    ce_subject: party.stream,
    ce_dataschema: schema,
    ce_streamrevision: String(party.last.revision),
    'content-type': 'application/json',
  };
}

/**
 * The latest summary of one party as a record of its compacted topic, keyed by the party's id. A budget
 * that was never allocated or a loyalty stream without an account publishes nothing: no tombstones, the
 * ledger never deletes a party.
 */
export function stateMessage(party: PartyState, source: string): { topic: 'customerLoyalty' | 'employeeDiscretion'; message: OutgoingMessage } | null {
  if (party.kind === 'customer') {
    const s = party.state;
    if (s.status !== 'active') return null;
    const value = {
      schemaVersion: stateSchemaVersion,
      customerId: s.customerId,
      balancePoints: s.balancePoints,
      tier: s.tier,
      pointLots: s.lots.map((l) => ({ month: l.month, points: l.points })),
      spendByMonth: s.spend.map((b) => ({ month: b.month, spentMinor: b.spentMinor })),
      asOf: asOf(party),
    };
    return { topic: 'customerLoyalty', message: { key: s.customerId, value: JSON.stringify(value), headers: headers(party, source, 'dev.gesture-ledger.CustomerLoyaltyState.v1', customerLoyaltySchemaUri) } };
  }
  const s = party.state;
  if (s.status !== 'active') return null;
  const value = {
    schemaVersion: stateSchemaVersion,
    employeeId: s.employeeId,
    role: s.role,
    storeId: s.storeId,
    currency: s.currency,
    allowanceOverrideMinor: s.allowanceOverrideMinor,
    periods: [...s.periods.values()].map((p) => ({ ...periodView(p), kind: p.period.kind, endsOn: p.period.endsOn })),
    pendingEscalations: pendingEscalationViews(s),
    asOf: asOf(party),
  };
  return { topic: 'employeeDiscretion', message: { key: s.employeeId, value: JSON.stringify(value), headers: headers(party, source, 'dev.gesture-ledger.EmployeeDiscretionState.v1', employeeDiscretionSchemaUri) } };
}
