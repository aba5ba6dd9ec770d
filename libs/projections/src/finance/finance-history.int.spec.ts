import { describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import { createPgliteDriver, createPostgresDriver, type RecordedEvent, type SqlDriver } from '#event-store';
import { withBackend } from '../../../event-store/src/testing/infra.js';
import { parseCsv } from './testing/csv-reader.js';
import { clockedLog } from './testing/clocked-log.js';
import { projectedFinance } from './testing/projected-finance.js';

/**
 * History that finance reports must not rewrite. A store whose time zone and region change in a later
 * policy version (entered wrongly, or the store moved): entries keep the date and region their own policy
 * gave them, so a report run after the change, and a view as of before it, say what a report said before
 * it. An employee promoted later: their earlier gestures are judged against the role they had then.
 */
const store = 'chicago-loop';
/** 22:30 in Chicago on 12 March; already 13 March in UTC and 12:30 on the 13th in Tokyo. */
const eveningInChicago = '2025-03-13T03:30:00.000Z';
/** Policy 2 moves the store to Tokyo and to region apac. */
const policyTwoAt = '2025-03-14T00:00:00.000Z';
/** 01:30 on 15 March in Tokyo; still the 14th in Chicago. */
const earlyInTokyo = '2025-03-14T16:30:00.000Z';
const window = { from: '2025-03-12T00:00:00.000Z', to: '2025-03-17T00:00:00.000Z' };
/** Three gestures just under an associate's 25.00 USD auto-approval limit (a senior associate's is 75.00). */
const nearThresholdDay = { from: '2025-03-11T00:00:00.000Z', to: '2025-03-12T00:00:00.000Z', asOf: null };
/** Dee is promoted to senior associate, after every gesture. */
const promotedAt = '2025-03-16T12:00:00.000Z';

async function logWithAStoreMovedAndAPromotion(): Promise<RecordedEvent[]> {
  const log = await clockedLog('2025-03-01T08:00:00.000Z', async ({ ledger, setNow, ctx }) => {
    const expectOk = (result: { kind: string }) => expect(result).toMatchObject({ kind: 'ok' });
    expectOk(await ledger.allocateBudget({ employeeId: 'dee', role: 'associate', storeId: store, idempotencyKey: 'enrol-dee' }, ctx('admin-1', ['admin'], null)));
    const gesture = async (occurredAt: string, n: number, amountMinor = 1_000 + n) => {
      setNow(occurredAt);
      const request = { employeeId: 'dee', customerId: `c-${n}`, gestureType: 'goodwill_credit' as const, amountMinor, currency: 'USD', channel: 'pos' as const, storeId: store, reasonCode: 'service_failure', note: 'made it right', occurredAt, idempotencyKey: `g-${n}` };
      expectOk(await ledger.requestGesture(request, ctx('dee', ['associate'], store)));
    };
    for (const [n, time] of [[11, '15:00'], [12, '16:00'], [13, '17:00']] as const) await gesture(`2025-03-11T${time}:00.000Z`, n, 2_400);
    await gesture(eveningInChicago, 1);
    setNow(policyTwoAt);
    const sample = samplePolicy();
    const moved = await ledger.policies.publish({ ...sample, version: 2, stores: { ...sample.stores, [store]: { timeZone: 'Asia/Tokyo', region: 'apac' } } }, 'admin-1', {
      correlationId: 'spec-policy-2',
      causationId: null,
      actor: 'admin-1',
      recordedAt: policyTwoAt,
    });
    expect(moved).toEqual({ kind: 'published', version: 2 });
    await gesture(earlyInTokyo, 2);
    setNow(promotedAt);
    expectOk(await ledger.allocateBudget({ employeeId: 'dee', role: 'senior_associate', storeId: store, idempotencyKey: 'promote-dee' }, ctx('admin-1', ['admin'], null)));
  });
  expect(log.filter((e) => e.type === 'GestureGranted')).toHaveLength(5);
  expect(log.filter((e) => e.type === 'BudgetAllocated').map((e) => (e.data as { role: string }).role)).toEqual(['associate', 'senior_associate']);
  return log;
}

function suite(name: string, open: () => Promise<SqlDriver>) {
  describe(`finance reports after a store moves and an employee is promoted (${name})`, () => {
    const views = projectedFinance('finance_history', name, open, logWithAStoreMovedAndAPromotion, 3);

    it('dates and groups each entry by the store its own policy version had', async () => {
      const byDay = await views().spend({ ...window, asOf: null }, 'day', 'region');
      expect(byDay.rows.map((r) => [r.bucket, r.key, r.postedMinor])).toEqual([
        ['2025-03-12', 'us-central', 1_001],
        ['2025-03-15', 'apac', 1_002],
      ]);
    });

    it('answers as of before the change exactly as a report run then did', async () => {
      const asOf = new Date(Date.parse(policyTwoAt) - 1).toISOString();
      const known = await views().spend({ ...window, asOf }, 'day', 'region');
      expect(known.rows.map((r) => [r.bucket, r.key, r.postedMinor])).toEqual([['2025-03-12', 'us-central', 1_001]]);
    });

    it("exports each entry with its own policy's region", async () => {
      let text = '';
      for await (const chunk of views().exportCsv({ ...window, asOf: null })) text += chunk;
      const [header, ...rows] = parseCsv(text);
      const column = (name: string) => header!.indexOf(name);
      expect(rows.map((r) => [r[column('policy_version')], r[column('region')], r[column('posted_minor')]])).toEqual([
        ['1', 'us-central', '1001'],
        ['2', 'apac', '1002'],
      ]);
    });

    it('judges gestures made before a promotion against the role the employee had then', async () => {
      const flags = await views().anomalies(nearThresholdDay);
      expect(flags.map((f) => [f.kind, f.employeeId])).toEqual([['just_under_threshold', 'dee']]);
      expect(flags[0]!.why).toContain('the 25.00 USD an associate may give without approval');
    });
  });
}

suite('PGlite', async () => createPgliteDriver({ dataDir: 'memory://' }));

withBackend('DATABASE_URL', 'finance reports across policy versions on PostgreSQL', (url) => {
  suite('PostgreSQL', async () => createPostgresDriver({ connectionString: url, poolSize: 2 }));
});
