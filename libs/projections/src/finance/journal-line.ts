import type {
  EscalationExpired,
  GestureApproved,
  GestureDenied,
  GestureEscalated,
  GestureFacts,
  GestureGranted,
  GestureRefused,
  GestureReversed,
} from '#domain';
import { positionToString, type RecordedEvent } from '#event-store';

/** What a journal entry records: one money-moving (or money-refusing) fact about a gesture. */
export const journalKinds = ['granted', 'escalated', 'approved', 'denied', 'expired', 'reversed', 'refused'] as const;
export type JournalKind = (typeof journalKinds)[number];

/** The entries that open a gesture; every gesture has exactly one, the first of its entries. */
export const openingKinds: readonly JournalKind[] = ['granted', 'escalated', 'refused'];

/** ISO 4217's code for "no currency": a refused points gesture asked for no money at all. */
export const noCurrency = 'XXX';

/**
 * One entry of the finance journal, exactly as hashed. Everything comes from the event alone, so the
 * verifier can rebuild the same entry from the event store and compare it field by field.
 */
export interface JournalLine {
  /** 1-based, in global log order: the chain's order. */
  readonly seq: number;
  readonly eventId: string;
  readonly position: string;
  readonly kind: JournalKind;
  readonly gestureId: string;
  /** Whose budget the gesture charges (who made it). */
  readonly employeeId: string;
  readonly customerId: string;
  readonly gestureType: string;
  readonly storeId: string;
  readonly channel: string;
  /** Who caused this entry: the employee or till for the gesture, the approver or reverser later. */
  readonly actorId: string;
  readonly actorEmployeeId: string | null;
  /** The supervisor who approved or denied; null otherwise. */
  readonly approverId: string | null;
  /** This entry's own reason (an approval's reason is the approver's). */
  readonly reasonCode: string | null;
  readonly note: string | null;
  readonly policyVersion: number;
  readonly currency: string;
  /** The fact's own amount: cost granted, amount reserved, approved, released, returned or asked for. */
  readonly amountMinor: number;
  /** Signed change of spend: + granted or approved, − reversed. */
  readonly postedMinor: number;
  /** Signed change of reservations: + escalated, − approved/denied/expired (the whole reservation). */
  readonly reservedMinor: number;
  readonly points: number | null;
  readonly periodKey: string | null;
  /** Canonical `toISOString()` form, so a stored and a recomputed entry compare as text. */
  readonly occurredAt: string;
  readonly recordedAt: string;
}

export type JournalFacts = Omit<JournalLine, 'seq'>;

/** The journal's columns in hashing order; the canonical serialisation is this tuple as JSON. */
export const journalFields = [
  'seq',
  'eventId',
  'position',
  'kind',
  'gestureId',
  'employeeId',
  'customerId',
  'gestureType',
  'storeId',
  'channel',
  'actorId',
  'actorEmployeeId',
  'approverId',
  'reasonCode',
  'note',
  'policyVersion',
  'currency',
  'amountMinor',
  'postedMinor',
  'reservedMinor',
  'points',
  'periodKey',
  'occurredAt',
  'recordedAt',
] as const satisfies ReadonlyArray<keyof JournalLine>;

type GestureEvent = GestureGranted | GestureEscalated | GestureRefused | GestureApproved | GestureDenied | EscalationExpired | GestureReversed;

const gestureEventTypes = new Set<string>(['GestureGranted', 'GestureEscalated', 'GestureRefused', 'GestureApproved', 'GestureDenied', 'EscalationExpired', 'GestureReversed']);

export function isJournalEvent(event: Pick<RecordedEvent, 'type'>): boolean {
  return gestureEventTypes.has(event.type);
}

/** What differs between the kinds of entry; everything else is the gesture's facts. */
interface Movement {
  kind: JournalKind;
  approverId: string | null;
  currency: string;
  amountMinor: number;
  postedMinor: number;
  reservedMinor: number;
  points: number | null;
  periodKey: string | null;
}

function movementOf(e: GestureEvent): Movement {
  switch (e.type) {
    case 'GestureGranted':
      return { kind: 'granted', approverId: null, currency: e.data.cost.currency, amountMinor: e.data.cost.amountMinor, postedMinor: e.data.cost.amountMinor, reservedMinor: 0, points: e.data.points, periodKey: e.data.period.key };
    case 'GestureEscalated':
      return { kind: 'escalated', approverId: null, currency: e.data.reserved.currency, amountMinor: e.data.reserved.amountMinor, postedMinor: 0, reservedMinor: e.data.reserved.amountMinor, points: e.data.points, periodKey: e.data.period.key };
    case 'GestureApproved': {
      const { approved, released } = e.data;
      return { kind: 'approved', approverId: e.data.approverId, currency: approved.currency, amountMinor: approved.amountMinor, postedMinor: approved.amountMinor, reservedMinor: -(approved.amountMinor + released.amountMinor), points: e.data.approvedPoints, periodKey: e.data.periodKey };
    }
    case 'GestureDenied':
      return { kind: 'denied', approverId: e.data.approverId, currency: e.data.released.currency, amountMinor: e.data.released.amountMinor, postedMinor: 0, reservedMinor: -e.data.released.amountMinor, points: null, periodKey: e.data.periodKey };
    case 'EscalationExpired':
      return { kind: 'expired', approverId: null, currency: e.data.released.currency, amountMinor: e.data.released.amountMinor, postedMinor: 0, reservedMinor: -e.data.released.amountMinor, points: null, periodKey: e.data.periodKey };
    case 'GestureReversed':
      return { kind: 'reversed', approverId: null, currency: e.data.returned.currency, amountMinor: e.data.returned.amountMinor, postedMinor: -e.data.returned.amountMinor, reservedMinor: 0, points: e.data.returnedPoints, periodKey: e.data.periodKey };
    case 'GestureRefused': {
      const asked = e.data.requested.amount;
      return { kind: 'refused', approverId: null, currency: asked?.currency ?? noCurrency, amountMinor: asked?.amountMinor ?? 0, postedMinor: 0, reservedMinor: 0, points: e.data.requested.points, periodKey: e.data.periodKey };
    }
  }
}

/**
 * The journal entry an event makes, or null for an event that is no gesture fact. Pure. One flat
 * literal (no spreads), so every entry has the same shape: this runs for every gesture event of a rebuild.
 */
export function journalFactsOf(event: RecordedEvent): JournalFacts | null {
  if (!gestureEventTypes.has(event.type)) return null;
  const m = movementOf(event as unknown as GestureEvent);
  const d = event.data as unknown as GestureFacts;
  return {
    eventId: event.id,
    position: positionToString(event.position),
    kind: m.kind,
    gestureId: d.gestureId,
    employeeId: d.employeeId,
    customerId: d.customerId,
    gestureType: d.gestureType,
    storeId: d.where.storeId,
    channel: d.where.channel,
    actorId: d.who.actorId,
    actorEmployeeId: d.who.employeeId,
    approverId: m.approverId,
    reasonCode: d.why.reasonCode,
    note: d.why.note,
    policyVersion: d.policyVersion,
    currency: m.currency,
    amountMinor: m.amountMinor,
    postedMinor: m.postedMinor,
    reservedMinor: m.reservedMinor,
    points: m.points,
    periodKey: m.periodKey,
    occurredAt: canonicalInstant(d.when.occurredAt),
    recordedAt: canonicalInstant(d.when.recordedAt),
  };
}

const canonicalShape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Millisecond UTC text; the database keeps microseconds, so nothing is lost on the way back. The
 * server writes `toISOString()` already, and a regular expression is far cheaper than a Date round trip.
 */
export function canonicalInstant(text: string): string {
  return canonicalShape.test(text) ? text : new Date(text).toISOString();
}
