import { expect } from '@jest/globals';
import { samplePolicy } from '#domain';
import { createEmbeddedEventStore, START, type EventStore, type ReadFrom, type RecordedEvent } from '#event-store';
import { loadKafkaSettings, type KafkaSettings } from '#config';
import { GestureLedger, type RequestContext, type Result } from '#ledger';
import type { createKafka, ReadRecord } from '#messaging';

type Kafka = ReturnType<typeof createKafka>;

export const storeId = 'nyc-fifth-ave';
const adminAs = (subject: string): RequestContext => ({ principal: { subject, roles: ['admin'], storeId: null }, correlationId: 'relay-test' });
const admin = adminAs('admin-1');
const as = (subject: string, role: 'associate' | 'senior_associate' | 'supervisor' | 'manager'): RequestContext => ({ principal: { subject, roles: [role], storeId }, correlationId: `relay-test-${subject}` });

/** An in-memory embedded store and a ledger on it, started with the sample policy. */
export async function sampleLedger(): Promise<{ store: EventStore; ledger: GestureLedger }> {
  const store = await createEmbeddedEventStore({ dataDir: 'memory://' });
  const ledger = new GestureLedger(store);
  await ledger.start(samplePolicy());
  return { store, ledger };
}

function ok<T>(result: Result<T>): T {
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.value;
}

/** Enrols `count` associates `<run>-e<i>` with a large allowance. */
export async function enrol(ledger: GestureLedger, run: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${run}-e${i}`);
  for (const employeeId of ids) ok(await ledger.allocateBudget({ employeeId, role: 'associate', storeId, allowanceOverrideMinor: 500_000_000, idempotencyKey: `enrol-${employeeId}` }, admin));
  return ids;
}

/** Granted gestures spread over `employees`, `concurrency` at a time. */
export async function gestures(ledger: GestureLedger, run: string, employees: readonly string[], count: number, concurrency = 16, from = 0): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < from + count; i = next++) {
        const employeeId = employees[i % employees.length]!;
        ok(await ledger.requestGesture({ employeeId, customerId: `${run}-c${i % 997}`, gestureType: 'goodwill_credit', amountMinor: 100 + (i % 50), currency: 'USD', channel: 'pos', storeId, reasonCode: 'service_failure', note: 'late', occurredAt: new Date().toISOString(), idempotencyKey: `${run}-g${i}` }, as(employeeId, 'associate')));
      }
    }),
  );
}

/**
 * One of (nearly) every event type: allocation, grant, escalation with partial approval and denial,
 * refusal, reversal (of money and of bonus points), adjustment, purchases (points, tier), feedback,
 * redemption, bonus points. `subjectOf` gives the token subject of the admin, approver and manager
 * (an identity provider's own id, say): only the associate's must be their employee id.
 */
export async function everyKindOfEvent(ledger: GestureLedger, run: string, subjectOf: (id: string) => string = (id) => id): Promise<{ employees: string[]; customers: string[] }> {
  const emp = `${run}-assoc`;
  const sup = `${run}-sup`;
  const mgr = `${run}-mgr`;
  const cust = `${run}-cust`;
  const admin = adminAs(subjectOf('admin-1'));
  for (const [employeeId, role] of [[emp, 'associate'], [sup, 'senior_associate'], [mgr, 'manager']] as const) ok(await ledger.allocateBudget({ employeeId, role, storeId, idempotencyKey: `enrol-${employeeId}` }, admin));
  const now = () => new Date().toISOString();
  const gesture = (key: string, over: Record<string, unknown> = {}) =>
    ledger.requestGesture({ employeeId: emp, customerId: cust, gestureType: 'goodwill_credit', amountMinor: 1_000, currency: 'USD', channel: 'pos', storeId, reasonCode: 'service_failure', note: 'late', occurredAt: now(), idempotencyKey: `${run}-${key}`, ...over }, as(emp, 'associate'));
  const granted = ok(await gesture('granted'));
  expect(granted.outcome).toBe('granted');
  const escalated = ok(await gesture('escalated', { amountMinor: 4_000, customerId: `${cust}-2` }));
  expect(escalated.outcome).toBe('escalated');
  ok(await ledger.approveGesture(escalated.gestureId, { approvedAmountMinor: 3_000, reasonCode: 'partial' }, as(subjectOf(sup), 'senior_associate')));
  const denied = ok(await gesture('denied', { amountMinor: 4_000, customerId: `${cust}-3` }));
  ok(await ledger.denyGesture(denied.gestureId, { reasonCode: 'not_warranted' }, as(subjectOf(sup), 'senior_associate')));
  expect(ok(await gesture('refused', { gestureType: 'cash_payout', reasonCode: 'claim_settlement' })).outcome).toBe('refused');
  ok(await ledger.reverseGesture(granted.gestureId, { reasonCode: 'entered_twice' }, admin));
  ok(await ledger.adjustBudget(emp, { deltaMinor: 5_000, reasonCode: 'busy_weekend', idempotencyKey: `${run}-adjust` }, as(subjectOf(mgr), 'manager')));
  // The purchase names the associate who served the customer; the redemption names nobody.
  ok(await ledger.recordPurchase({ customerId: cust, purchaseId: `${run}-p1`, amountMinor: 250_000, currency: 'USD', channel: 'pos', storeId, occurredAt: now(), employeeId: emp }, admin));
  const bonus = ok(await gesture('bonus', { gestureType: 'bonus_loyalty_points', amountMinor: undefined, currency: undefined, points: 200 }));
  expect(bonus.outcome).toBe('granted');
  ok(await ledger.recordFeedback({ customerId: cust, feedbackId: `${run}-f1`, kind: 'csat', score: 5, gestureId: granted.gestureId, occurredAt: now() }, admin));
  ok(await ledger.redeemPoints({ customerId: cust, redemptionId: `${run}-r1`, points: 50, channel: 'pos', storeId, occurredAt: now() }, admin));
  ok(await ledger.reverseGesture(bonus.gestureId, { reasonCode: 'entered_twice' }, admin));
  return { employees: [emp, sup, mgr], customers: [cust, `${cust}-2`, `${cust}-3`] };
}

/** The whole log, in global order. */
export async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (let from: ReadFrom = START; ; ) {
    const page = await store.readAll({ from, limit: 5_000 });
    out.push(...page);
    if (page.length < 5_000) return out;
    from = page[page.length - 1]!.position;
  }
}

/** The records of each key in offset order must be one partition and strictly increasing stream revisions. */
export function expectPerKeyOrder(records: readonly ReadRecord[]): void {
  const byKey = new Map<string, ReadRecord[]>();
  for (const r of records) byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), r]);
  for (const [key, list] of byKey) {
    expect({ key, partitions: new Set(list.map((r) => r.partition)).size }).toEqual({ key, partitions: 1 });
    const revisions = list.map((r) => Number(r.headers.ce_streamrevision));
    for (let i = 1; i < revisions.length; i++) if (list[i]!.headers.ce_subject === list[i - 1]!.headers.ce_subject) expect(revisions[i]).toBeGreaterThan(revisions[i - 1]!);
  }
}

/** Kafka settings whose relay topics are the test's own: `test.<prefix>.events`, `.loyalty`, `.discretion`. */
export function testTopics(brokers: string, prefix: string): KafkaSettings {
  return loadKafkaSettings({ KAFKA_BROKERS: brokers, KAFKA_TOPIC_EVENTS: `test.${prefix}.events`, KAFKA_TOPIC_CUSTOMER_LOYALTY: `test.${prefix}.loyalty`, KAFKA_TOPIC_EMPLOYEE_DISCRETION: `test.${prefix}.discretion` });
}

/** Deletes the test's own topics of `settings` (those named `test.…`); a topic already gone is no failure. */
export async function deleteTestTopics(kafka: Kafka, ...settings: KafkaSettings[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: settings.flatMap((s) => Object.values(s.topics)).filter((t) => t.startsWith('test.')) }).catch(() => undefined);
  await admin.disconnect();
}
