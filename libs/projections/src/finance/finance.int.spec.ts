import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPgliteDriver, createPostgresDriver, type RecordedEvent, type SqlDriver } from '#event-store';
import { withBackend } from '../../../event-store/src/testing/infra.js';
import { spendBuckets, spendDimensions, SpendReportTooLarge } from './spend.js';
import { FinanceViews } from './finance-views.js';
import { financeProjections } from './index.js';
import { journalFactsOf } from './journal-line.js';
import { applyInBatches, createProjectionSchema } from './testing/project-log.js';
import { parseCsv } from './testing/csv-reader.js';
import { eveningGestureAt, financeFixture, fixtureDays, formulaReasonCode, storeA, type FinanceFixture } from './testing/finance-fixture.js';

const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
const periodOf = (day: string, asOf: string | null = null) => ({ from: `${day}T00:00:00.000Z`, to: dayAfter(day), asOf });
const wholeMonth = { from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z', asOf: null };

/** Spend straight from the events, independently of the projection: granted + approved − reversed. */
function postedFromEvents(events: RecordedEvent[], from: string, to: string, asOf: string | null = null): number {
  let sum = 0;
  for (const event of events) {
    const d = event.data as { when?: { occurredAt: string; recordedAt: string }; cost?: { amountMinor: number }; approved?: { amountMinor: number }; returned?: { amountMinor: number } };
    if (!d.when || d.when.occurredAt < from || d.when.occurredAt >= to || (asOf !== null && d.when.recordedAt > asOf)) continue;
    if (event.type === 'GestureGranted') sum += d.cost!.amountMinor;
    if (event.type === 'GestureApproved') sum += d.approved!.amountMinor;
    if (event.type === 'GestureReversed') sum -= d.returned!.amountMinor;
  }
  return sum;
}

async function csvOf(views: FinanceViews, period: { from: string; to: string; asOf: string | null }): Promise<string[][]> {
  let text = '';
  for await (const chunk of views.exportCsv(period)) text += chunk;
  return parseCsv(text);
}

function financeSuite(name: string, open: () => Promise<SqlDriver>) {
  describe(`finance read models (${name})`, () => {
    let fixture: FinanceFixture;
    let db: SqlDriver;
    let views: FinanceViews;
    const schema = `finance_test_${process.pid}_${Date.now() % 100_000}_${name.replace(/\W/g, '')}`.toLowerCase();
    const project = async (target: string, batchSize = 7) => {
      await createProjectionSchema(db, target, financeProjections);
      await applyInBatches(db, target, financeProjections, fixture.events, batchSize);
    };

    beforeAll(async () => {
      fixture = await financeFixture();
      db = await open();
      await project(schema);
      views = new FinanceViews(db, schema);
    }, 60_000);

    afterAll(async () => {
      await db?.exec(`drop schema if exists ${schema} cascade; drop schema if exists ${schema}_t cascade;`).catch(() => undefined);
      await db?.close();
      await fixture?.close();
    });

    it('keeps one journal entry per gesture fact, in log order', async () => {
      const facts = fixture.events.map(journalFactsOf).filter((f) => f !== null);
      const rows = await db.query<{ n: string; kinds: string[] }>(`select count(*)::text as n, array_agg(kind order by seq) as kinds from ${schema}.finance_journal`, []);
      expect(Number(rows[0]!.n)).toBe(facts.length);
      expect(rows[0]!.kinds).toEqual(facts.map((f) => f.kind));
      expect(new Set(rows[0]!.kinds)).toEqual(new Set(['granted', 'escalated', 'approved', 'denied', 'reversed', 'refused']));
    });

    it('CSV export total = grouped spend totals = the sum over the events, for every grouping', async () => {
      const fromEvents = postedFromEvents(fixture.events, wholeMonth.from, wholeMonth.to);
      expect(fromEvents).toBeGreaterThan(0);
      const csv = await csvOf(views, wholeMonth);
      const header = csv[0]!;
      const posted = header.indexOf('posted_minor');
      const decimal = header.indexOf('posted');
      const csvSum = csv.slice(1).reduce((sum, r) => sum + Number(r[posted]), 0);
      const decimalSum = csv.slice(1).reduce((sum, r) => sum + Math.round(Number(r[decimal]) * 100), 0);
      expect(csvSum).toBe(fromEvents);
      expect(decimalSum).toBe(fromEvents);
      expect(csv.slice(1).every((r) => r.length === header.length)).toBe(true);
      for (const groupBy of spendBuckets) {
        for (const by of spendDimensions) {
          const report = await views.spend(wholeMonth, groupBy, by);
          expect({ groupBy, by, total: report.totals.find((t) => t.currency === 'USD')?.postedMinor }).toEqual({ groupBy, by, total: fromEvents });
          expect(report.rows.reduce((s, r) => s + r.postedMinor, 0)).toBe(fromEvents);
        }
      }
    });

    it('refuses a spend report of more rows than it answers, rather than build it in memory, and answers one of exactly that many', async () => {
      const rows = (await views.spend(wholeMonth, 'day', 'employee')).rows.length;
      expect(rows).toBeGreaterThan(2);
      await expect(views.spend(wholeMonth, 'day', 'employee', rows - 1)).rejects.toBeInstanceOf(SpendReportTooLarge);
      expect((await views.spend(wholeMonth, 'day', 'employee', rows)).rows).toHaveLength(rows);
    });

    it("rebuilds spend by store's local day and by the gesture's reason from the CSV, row for row", async () => {
      const [header, ...records] = await csvOf(views, wholeMonth);
      const column = (name: string) => header!.indexOf(name);
      /** Posted sums of the CSV's postings per key, as spend's rows with postings have them. */
      const postedBy = (key: (r: string[]) => string) => {
        const sums = new Map<string, number>();
        for (const r of records.filter((r) => Number(r[column('posted_minor')]) !== 0)) sums.set(key(r), (sums.get(key(r)) ?? 0) + Number(r[column('posted_minor')]));
        return sums;
      };
      const spendRows = async (by: 'store' | 'reason') =>
        new Map((await views.spend(wholeMonth, 'day', by)).rows.filter((r) => r.postings > 0).map((r) => [`${r.bucket} ${r.key} ${r.currency}`, r.postedMinor]));

      expect(postedBy((r) => `${r[column('business_date')]} ${r[column('store_id')]} ${r[column('currency')]}`)).toEqual(await spendRows('store'));
      expect(postedBy((r) => `${r[column('business_date')]} ${r[column('gesture_reason_code')] || '(none)'} ${r[column('currency')]}`)).toEqual(await spendRows('reason'));
      const evening = records.find((r) => r[column('occurred_at')] === eveningGestureAt)!;
      expect(evening[column('business_date')]).toBe(fixtureDays.evening);
      const approval = records.find((r) => r[column('kind')] === 'approved' && r[column('gesture_id')] === fixture.escalatedGestureId)!;
      expect([approval[column('reason_code')], approval[column('gesture_reason_code')]]).toEqual(['goodwill', 'damaged_item']);
    });

    it("defuses formula text in every column of the CSV, a refusal's reason code too, and the totals still reconcile", async () => {
      const day = periodOf(fixtureDays.decisions);
      const csv = await csvOf(views, day);
      const header = csv[0]!;
      const refused = csv.find((r) => r[header.indexOf('gesture_id')] === fixture.formulaGestureId)!;
      expect(refused[header.indexOf('kind')]).toBe('refused');
      expect(refused[header.indexOf('reason_code')]).toBe(`'${formulaReasonCode}`);
      // Only amounts may start with a minus sign; nothing else may start with a formula character.
      expect(csv.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell) && !/^-\d+(\.\d+)?$/.test(cell))).toEqual([]);
      const posted = csv.slice(1).reduce((sum, r) => sum + Number(r[header.indexOf('posted_minor')]), 0);
      expect(posted).toBe(postedFromEvents(fixture.events, day.from, day.to));
      expect(posted).toBe((await views.spend(day, 'day', 'reason')).totals[0]!.postedMinor);
    });

    it('groups spend by store, region and the reason the gesture was made for', async () => {
      const byRegion = await views.spend(periodOf(fixtureDays.decisions), 'day', 'region');
      // eli (us-west store) had 3,500 approved; ben's 900 was reversed; cai's late 700 (chicago, us-central).
      expect(byRegion.rows.map((r) => [r.key, r.postedMinor, r.pendingReservedMinor])).toEqual([
        ['us-central', 700, 0],
        ['us-west', 3_500, 0],
      ]);
      const byReason = await views.spend(periodOf(fixtureDays.decisions), 'day', 'reason');
      expect(byReason.rows.find((r) => r.key === 'damaged_item')?.postedMinor).toBe(3_500);
      expect(byReason.rows.find((r) => r.key === 'goodwill')).toBeUndefined();
    });

    it("dates spend by the store's local day, week and month, as the budgets count them, not by UTC", async () => {
      const around = { from: periodOf(fixtureDays.evening).from, to: dayAfter(dayAfter(fixtureDays.evening).slice(0, 10)), asOf: null };
      const byDay = await views.spend(around, 'day', 'employee');
      expect(byDay.rows.map((r) => [r.bucket, r.key, r.postedMinor])).toEqual([[fixtureDays.evening, 'dee', 1_300]]);
      expect(eveningGestureAt.slice(0, 10)).not.toBe(fixtureDays.evening);
      expect((await views.spend(around, 'week', 'store')).rows.map((r) => [r.bucket, r.key])).toEqual([['2025-03-10', storeA]]);
    });

    it('answers as of a past moment: what was known before the approval and before the late upload', async () => {
      const d = fixtureDays.decisions;
      const before = await views.spend(periodOf(d, fixture.beforeApproval), 'day', 'store');
      const storeB = before.rows.find((r) => r.key === 'la-santa-monica')!;
      expect(storeB).toMatchObject({ postedMinor: 0, pendingReservedMinor: 4_000 });
      const journalBefore = await views.journal({ ...periodOf(d, fixture.beforeApproval), storeId: null, employeeId: 'eli', afterSeq: 0, limit: 50 });
      expect(journalBefore.lines.find((l) => l.gestureId === fixture.escalatedGestureId)).toMatchObject({ outcome: 'pending', reservedMinor: 4_000, postedMinor: 0, approverId: null });
      const now = await views.journal({ ...periodOf(d), storeId: null, employeeId: 'eli', afterSeq: 0, limit: 50 });
      expect(now.lines.find((l) => l.gestureId === fixture.escalatedGestureId)).toMatchObject({ outcome: 'approved', reservedMinor: 0, postedMinor: 3_500, approverId: fixture.approverId, amountAskedMinor: 4_000, reasonCode: 'damaged_item' });

      const justBeforeUpload = new Date(Date.parse(fixture.lateUploadRecordedAt) - 1).toISOString();
      const withoutUpload = postedFromEvents(fixture.events, periodOf(d).from, periodOf(d).to, justBeforeUpload);
      const known = await views.spend(periodOf(d, justBeforeUpload), 'day', 'store');
      expect(known.totals[0]!.postedMinor).toBe(withoutUpload);
      const csv = await csvOf(views, periodOf(d, justBeforeUpload));
      expect(csv.slice(1).reduce((s, r) => s + Number(r[csv[0]!.indexOf('posted_minor')]), 0)).toBe(withoutUpload);
      expect((await views.spend(periodOf(d), 'day', 'store')).totals[0]!.postedMinor).toBe(withoutUpload + 700);
    });

    it('pages the gesture lines with a cursor, one line per gesture', async () => {
      const seen: string[] = [];
      let afterSeq = 0;
      for (let pages = 0; pages < 20; pages++) {
        const page = await views.journal({ ...wholeMonth, storeId: storeA, employeeId: null, afterSeq, limit: 4 });
        seen.push(...page.lines.map((l) => l.gestureId));
        expect(page.lines.every((l) => l.storeId === storeA)).toBe(true);
        if (!page.nextCursor) break;
        afterSeq = Number(page.nextCursor);
      }
      const opened = fixture.events.filter((e) => ['GestureGranted', 'GestureEscalated', 'GestureRefused'].includes(e.type) && (e.data as { where: { storeId: string } }).where.storeId === storeA);
      expect(seen).toEqual(opened.map((e) => (e.data as { gestureId: string }).gestureId));
    });

    describe('anomalies', () => {
      it('raises nothing on a clean day', async () => {
        expect(await views.anomalies(periodOf(fixtureDays.clean))).toEqual([]);
      });

      it.each([
        ['split', 'split_gesture', 'ana', 'c-split', 6_000],
        ['favoured', 'favoured_customer', 'ben', 'c-fav', 5_000],
        ['nearThreshold', 'just_under_threshold', 'cai', null, 7_200],
        ['peerOutlier', 'peer_outlier', 'dee', null, 4_000],
      ] as const)('the %s day raises exactly one %s flag, with evidence and a reason', async (day, kind, employeeId, customerId, totalMinor) => {
        const flags = await views.anomalies(periodOf(fixtureDays[day]));
        expect(flags).toHaveLength(1);
        const [flag] = flags;
        expect(flag).toMatchObject({ kind, employeeId, customerId, currency: 'USD', evidence: { totalMinor } });
        expect(flag!.evidence.gestureIds.length).toBeGreaterThan(0);
        expect(flag!.evidence.gestureIds.every((id) => id.startsWith(`${employeeId}~`))).toBe(true);
        expect(flag!.why).toContain(employeeId);
        expect(flag!.why.length).toBeGreaterThan(40);
        // Said as a reader would: "an associate", never "a associate" or a raw "senior_associate".
        expect(flag!.why).not.toMatch(/\ba [aeiou]|\b[a-z]+_associate\b/);
      });
    });

    it('recognises feedback per employee and store, CSAT in hundredths', async () => {
      const report = await views.recognition({ ...periodOf(fixtureDays.decisions), storeId: null, employeeId: null });
      const ana = report.employees.find((e) => e.employeeId === 'ana' && e.storeId === storeA)!;
      expect(ana).toMatchObject({ compliments: 1, complaints: 0, csatCount: 2, csatAverageHundredths: 450, gesturesWithFeedback: 1 });
      expect(report.employees.find((e) => e.employeeId === 'ben')).toMatchObject({ complaints: 1, compliments: 0, csatAverageHundredths: null });
      expect(report.stores.find((s) => s.storeId === storeA)).toMatchObject({ compliments: 1, complaints: 1, csatCount: 2, csatAverageHundredths: 450 });
      const onlyBen = await views.recognition({ ...periodOf(fixtureDays.decisions), storeId: null, employeeId: 'ben' });
      expect(onlyBen.employees.map((e) => e.employeeId)).toEqual(['ben']);
    });

    describe('tamper evidence', () => {
      const tampered = `${schema}_t`;
      const verifyTampered = () => new FinanceViews(db, tampered).verify(fixture.store);
      const lineAt = async (seq: number) => (await db.query<{ gesture_id: string; event_id: string }>(`select gesture_id, event_id from ${tampered}.finance_journal where seq = $1`, [seq]))[0]!;

      it('verifies an untouched journal, in small pages too', async () => {
        const result = await views.verify(fixture.store);
        const lines = fixture.events.filter((e) => journalFactsOf(e) !== null).length;
        expect(result).toMatchObject({ ok: true, linesVerified: lines, problem: null, linesNotYetProjected: 0 });
        expect(result.head.seq).toBe(lines);
        await project(tampered, 3);
        const paged = await (await import('./verify-journal.js')).verifyJournal({ store: fixture.store, query: (t, p) => db.query(t, p), schema: tampered, pageSize: 5 });
        expect(paged).toMatchObject({ ok: true, linesVerified: lines });
        expect(paged.head.hash).toBe(result.head.hash);
      });

      it('tells a journal that lags the log from a truncated one', async () => {
        await createProjectionSchema(db, tampered, financeProjections);
        const cut = fixture.events.length - 6;
        await applyInBatches(db, tampered, financeProjections, fixture.events.slice(0, cut), 5);
        const behind = fixture.events.slice(cut).filter((e) => journalFactsOf(e) !== null).length;
        expect(behind).toBeGreaterThan(0);
        expect(await verifyTampered()).toMatchObject({ ok: true, linesNotYetProjected: behind });
      });

      it('locates an altered amount', async () => {
        await project(tampered);
        const target = await lineAt(9);
        await db.query(`update ${tampered}.finance_journal set posted_minor = posted_minor + 1 where seq = 9`, []);
        const result = await verifyTampered();
        expect(result).toMatchObject({ ok: false, linesVerified: 8, problem: { kind: 'altered', seq: 9, gestureId: target.gesture_id, eventId: target.event_id } });
        expect(result.problem!.fields).toEqual(['postedMinor']);
      });

      it('locates an altered note, a field no total shows', async () => {
        await project(tampered);
        await db.query(`update ${tampered}.finance_journal set note = 'nothing to see' where seq = 4`, []);
        const result = await verifyTampered();
        expect(result.problem).toMatchObject({ kind: 'altered', seq: 4, fields: ['note'] });
      });

      it('locates a removed line', async () => {
        await project(tampered);
        const target = await lineAt(12);
        await db.query(`delete from ${tampered}.finance_journal where seq = 12`, []);
        expect((await verifyTampered()).problem).toMatchObject({ kind: 'removed', seq: 12, gestureId: target.gesture_id });
      });

      it('locates a removed line when the lines after it were renumbered to close the gap', async () => {
        await project(tampered);
        const target = await lineAt(12);
        const t = `${tampered}.finance_journal`;
        await db.query(`delete from ${t} where seq = 12`, []);
        await db.query(`update ${t} set seq = -seq where seq > 12`, []);
        await db.query(`update ${t} set seq = -seq - 1 where seq < 0`, []);
        const result = await verifyTampered();
        expect(result).toMatchObject({ ok: false, linesVerified: 11, problem: { kind: 'removed', seq: 12, gestureId: target.gesture_id, eventId: target.event_id } });
      });

      it('locates an inserted line when the lines after it were renumbered to make room', async () => {
        await project(tampered);
        const target = await lineAt(12);
        const t = `${tampered}.finance_journal`;
        await db.query(`update ${t} set seq = -seq where seq >= 12`, []);
        await db.query(`update ${t} set seq = -seq + 1 where seq < 0`, []);
        await db.query(`insert into ${t} select 12, 'fake-event', position, kind, gesture_id, employee_id, customer_id, gesture_type, store_id, channel, actor_id, actor_employee_id, approver_id, reason_code, note, policy_version, currency, amount_minor, posted_minor, reserved_minor, points, period_key, occurred_at, recorded_at, hash from ${t} where seq = 11`, []);
        const result = await verifyTampered();
        expect(result).toMatchObject({ ok: false, linesVerified: 11, problem: { kind: 'inserted', seq: 12, eventId: 'fake-event' } });
        expect(result.problem!.detail).toContain('stored at 13');
        expect((await lineAt(13)).event_id).toBe(target.event_id);
      });

      it('locates an event id rewritten in place', async () => {
        await project(tampered);
        const target = await lineAt(7);
        await db.query(`update ${tampered}.finance_journal set event_id = 'rewritten' where seq = 7`, []);
        expect((await verifyTampered()).problem).toMatchObject({ kind: 'altered', seq: 7, eventId: target.event_id, fields: ['eventId'] });
      });

      it('locates a removed last line', async () => {
        await project(tampered);
        const [{ seq }] = await db.query<{ seq: string }>(`select max(seq)::text as seq from ${tampered}.finance_journal`, []) as [{ seq: string }];
        await db.query(`delete from ${tampered}.finance_journal where seq = $1`, [Number(seq)]);
        expect((await verifyTampered()).problem).toMatchObject({ kind: 'removed', seq: Number(seq) });
      });

      it('locates two lines swapped in order', async () => {
        await project(tampered);
        const first = await lineAt(5);
        const t = `${tampered}.finance_journal`;
        await db.query(`update ${t} set seq = -5 where seq = 5`, []);
        await db.query(`update ${t} set seq = 5 where seq = 6`, []);
        await db.query(`update ${t} set seq = 6 where seq = -5`, []);
        const result = await verifyTampered();
        expect(result).toMatchObject({ ok: false, linesVerified: 4, problem: { kind: 'reordered', seq: 5, gestureId: first.gesture_id } });
        expect(result.problem!.detail).toContain('belongs at 6');
      });

      it('locates a line inserted after the end', async () => {
        await project(tampered);
        const t = `${tampered}.finance_journal`;
        await db.query(`insert into ${t} select seq + 1000, event_id, position, kind, gesture_id, employee_id, customer_id, gesture_type, store_id, channel, actor_id, actor_employee_id, approver_id, reason_code, note, policy_version, currency, amount_minor, posted_minor, reserved_minor, points, period_key, occurred_at, recorded_at, hash from ${t} where seq = 1`, []);
        expect((await verifyTampered()).problem).toMatchObject({ kind: 'inserted', seq: 1001 });
      });
    });
  });
}

financeSuite('PGlite', async () => createPgliteDriver({ dataDir: 'memory://' }));

withBackend('DATABASE_URL', 'finance read models on PostgreSQL', (url) => {
  financeSuite('PostgreSQL', async () => createPostgresDriver({ connectionString: url, poolSize: 2 }));
});
