import { describe, expect, it } from '@jest/globals';
import type { CallerRole } from '#auth';
import { createPgliteDriver, createPostgresDriver, type RecordedEvent, type SqlDriver } from '#event-store';
import { withBackend } from '../../../event-store/src/testing/infra.js';
import { clockedLog } from './testing/clocked-log.js';
import { projectedFinance } from './testing/projected-finance.js';

/**
 * Anomalies whose evidence straddles an edge. An associate (cap 50.00 USD) gives one customer 20.00 three
 * times in 25 minutes around midnight UTC (late afternoon in Chicago): 60.00 in all, a split gesture whichever
 * day finance looks at. Another associate gives 10.00, is promoted the next day and then gives three amounts just under
 * a senior associate's 75.00 auto-approval limit (an associate's is 25.00).
 */
const store = 'chicago-loop';
const splitAcrossMidnight = ['2025-03-04T23:40:00.000Z', '2025-03-04T23:50:00.000Z', '2025-03-05T00:05:00.000Z'];
const promotionDay = '2025-03-10';
const dayOf = (day: string) => ({ from: `${day}T00:00:00.000Z`, to: new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString(), asOf: null });

function logWithASplitAcrossMidnightAndAPromotion(): Promise<RecordedEvent[]> {
  return clockedLog('2025-03-01T08:00:00.000Z', async ({ ledger, setNow, ctx }) => {
    const enrol = async (employeeId: string, role: 'associate' | 'senior_associate', at: string) => {
      setNow(at);
      expect(await ledger.allocateBudget({ employeeId, role, storeId: store, idempotencyKey: `enrol-${employeeId}-${role}` }, ctx('admin-1', ['admin'], null))).toMatchObject({ kind: 'ok' });
    };
    let n = 0;
    const grant = async (employeeId: string, role: CallerRole, customerId: string, amountMinor: number, occurredAt: string) => {
      setNow(occurredAt);
      const request = { employeeId, customerId, gestureType: 'goodwill_credit' as const, amountMinor, currency: 'USD', channel: 'pos' as const, storeId: store, reasonCode: 'service_failure', note: 'made it right', occurredAt, idempotencyKey: `g-${n++}` };
      expect(await ledger.requestGesture(request, ctx(employeeId, [role], store))).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
    };
    await enrol('ana', 'associate', '2025-03-01T08:00:00.000Z');
    for (const occurredAt of splitAcrossMidnight) await grant('ana', 'associate', 'c-split', 2_000, occurredAt);
    await enrol('dee', 'associate', '2025-03-01T08:00:00.000Z');
    // The day before: a period of its own, so the promotion does not leave the associate's allowance to the senior's gestures.
    await grant('dee', 'associate', 'c-before', 1_000, '2025-03-09T18:00:00.000Z');
    await enrol('dee', 'senior_associate', `${promotionDay}T11:00:00.000Z`);
    for (const hour of ['12', '13', '14']) await grant('dee', 'senior_associate', `c-${hour}`, 7_000, `${promotionDay}T${hour}:00:00.000Z`);
  });
}

function suite(name: string, open: () => Promise<SqlDriver>) {
  describe(`anomalies at the edge of the period (${name})`, () => {
    const views = projectedFinance('finance_anomalies', name, open, logWithASplitAcrossMidnightAndAPromotion, 4);

    it('flags a split gesture whose first parts fell before the period, in the period its last part fell in', async () => {
      const flags = await views().anomalies(dayOf('2025-03-05'));
      expect(flags.map((f) => [f.kind, f.employeeId, f.customerId, f.evidence.totalMinor, f.evidence.counts])).toEqual([['split_gesture', 'ana', 'c-split', 6_000, { gestures: 3 }]]);
      expect(flags[0]!.evidence).toMatchObject({ windowStart: splitAcrossMidnight[0], windowEnd: splitAcrossMidnight[2] });
      expect(flags[0]!.evidence.gestureIds).toHaveLength(3);
    });

    it('does not flag the earlier period, whose gestures alone stay under the cap, nor flag the split twice', async () => {
      expect(await views().anomalies(dayOf('2025-03-04'))).toEqual([]);
      // A period that begins just after the split's last part: the split belongs to the period before.
      expect(await views().anomalies({ from: '2025-03-05T00:05:00.001Z', to: '2025-03-06T00:00:00.000Z', asOf: null })).toEqual([]);
      const both = await views().anomalies({ from: '2025-03-04T00:00:00.000Z', to: '2025-03-06T00:00:00.000Z', asOf: null });
      expect(both.map((f) => [f.kind, f.evidence.totalMinor])).toEqual([['split_gesture', 6_000]]);
    });

    it('says which role\'s limit amounts were just under, for an employee promoted in the period', async () => {
      const flags = await views().anomalies({ from: '2025-03-09T00:00:00.000Z', to: dayOf(promotionDay).to, asOf: null });
      expect(flags.map((f) => [f.kind, f.employeeId, f.evidence.referenceMinor, f.evidence.counts])).toEqual([['just_under_threshold', 'dee', 7_500, { gesturesNearThreshold: 3, employeeGestures: 4 }]]);
      expect(flags[0]!.why).toContain('below the 75.00 USD a senior associate may give without approval');
    });
  });
}

suite('PGlite', async () => createPgliteDriver({ dataDir: 'memory://' }));

withBackend('DATABASE_URL', 'anomalies at the edge of the period on PostgreSQL', (url) => {
  suite('PostgreSQL', async () => createPostgresDriver({ connectionString: url, poolSize: 2 }));
});
