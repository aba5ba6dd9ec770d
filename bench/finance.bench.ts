/**
 * The finance read models: how long the finance projection's apply takes per 5,000-event batch (its
 * share of the projector's rebuild budget), how long the indexes take after the bulk load, each finance
 * query's p50/p99 over the projected log, the CSV export and the audit verification rates.
 * `BENCH_FINANCE_EVENTS` sets the log size (100,000 by default).
 */
import { samplePolicy } from '#domain';
import { createReadModelDriver } from '#config';
import { createPgliteDriver, createPostgresDriver, SqlEventStore, START, type ReadFrom, type RecordedEvent, type SqlDriver } from '#event-store';
import { financeProjections, FinanceViews, type FinancePeriod } from '#projections';
import { applyInBatches, createProjectionSchema } from '../libs/projections/src/finance/testing/project-log.js';
import { LatencyRecorder, round, type BenchRow } from './harness.js';
import { writeProjectionLog } from './projection-log.js';

const batchEvents = 5_000;
const schema = 'finance_bench';

export async function benchFinance(seconds: number, databaseUrl?: string): Promise<BenchRow[]> {
  const events = Number(process.env.BENCH_FINANCE_EVENTS ?? 100_000);
  const rows: BenchRow[] = [];
  rows.push(...(await benchOn('embedded', await createPgliteDriver({ dataDir: 'memory://' }), events, seconds)));
  if (databaseUrl) {
    const admin = createPostgresDriver({ connectionString: databaseUrl, poolSize: 1 });
    await admin.exec('drop database if exists gl_bench_finance');
    await admin.exec('create database gl_bench_finance');
    await admin.close();
    const url = new URL(databaseUrl);
    url.pathname = '/gl_bench_finance';
    rows.push(...(await benchOn('postgres', createReadModelDriver(url.toString()), events, seconds)));
  }
  return rows;
}

async function benchOn(adapter: string, db: SqlDriver, events: number, seconds: number): Promise<BenchRow[]> {
  const store = await SqlEventStore.open(db);
  try {
    await writeProjectionLog(db, { events, employees: 2_000, customers: 200_000, days: 30 });
    // Bulk-load mode, as a rebuild runs it: tables only, indexes after.
    await db.exec(`drop schema if exists ${schema} cascade; create schema ${schema};`);
    for (const p of financeProjections) await db.exec(p.createTables(schema));
    await applyInBatches(db, schema, financeProjections, [policyEvent()], 1);
    const apply = new LatencyRecorder();
    let applied = 0;
    let applyNs = 0;
    let from: ReadFrom = START;
    for (;;) {
      const batch: RecordedEvent[] = await store.readAll({ from, limit: batchEvents });
      if (batch.length === 0) break;
      from = batch[batch.length - 1]!.position;
      const started = process.hrtime.bigint();
      await db.transaction(async (query) => {
        for (const p of financeProjections) await p.apply(batch, query, schema);
      });
      const ns = Number(process.hrtime.bigint() - started);
      apply.record(ns);
      applyNs += ns;
      applied += batch.length;
    }
    const indexStarted = performance.now();
    for (const p of financeProjections) for (const statement of p.createIndexes(schema)) await db.exec(statement);
    await db.exec(`analyze ${schema}.finance_journal; analyze ${schema}.finance_feedback;`);
    const indexMs = performance.now() - indexStarted;
    const [{ lines }] = (await db.query<{ lines: string }>(`select count(*)::text as lines from ${schema}.finance_journal`, [])) as [{ lines: string }];
    const rows: BenchRow[] = [
      {
        group: 'finance',
        adapter,
        scenario: `apply, ${batchEvents.toLocaleString('en-US')}-event batches (bulk load)`,
        rate: applied / (applyNs / 1e9),
        unit: 'events/s',
        p50Ms: apply.p50Ms,
        p99Ms: apply.p99Ms,
        extra: { events: applied, journalLines: Number(lines), indexesMs: Math.round(indexMs) },
      },
    ];
    rows.push(...(await benchQueries(adapter, db, seconds)));
    rows.push(await benchExport(adapter, db));
    rows.push(await benchVerify(adapter, db, store));
    return rows;
  } finally {
    await store.close();
  }
}

/** The log written by `writeProjectionLog` starts on 2026-10-01 and runs 30 days. */
const month: FinancePeriod = { from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z', asOf: null };
const week: FinancePeriod = { from: '2026-10-05T00:00:00.000Z', to: '2026-10-12T00:00:00.000Z', asOf: null };
const asOfMidMonth: FinancePeriod = { ...month, asOf: '2026-10-16T00:00:00.000Z' };

async function benchQueries(adapter: string, db: SqlDriver, seconds: number): Promise<BenchRow[]> {
  const views = new FinanceViews(db, schema);
  const queries: Array<[string, () => Promise<unknown>]> = [
    ['journal page (100 gesture lines, month)', () => views.journal({ ...month, storeId: null, employeeId: null, afterSeq: 0, limit: 100 })],
    ['journal page (one employee, month)', () => views.journal({ ...month, storeId: null, employeeId: 'e17', afterSeq: 0, limit: 100 })],
    ['spend month × store', () => views.spend(month, 'month', 'store')],
    ['spend week × reason', () => views.spend(month, 'week', 'reason')],
    ['spend day × employee, as of mid-month', () => views.spend(asOfMidMonth, 'day', 'employee')],
    ['anomalies (one week)', () => views.anomalies(week)],
    ['recognition (month)', () => views.recognition({ ...month, storeId: null, employeeId: null })],
  ];
  const perQuerySeconds = Math.max(1, Math.min(3, seconds / 3));
  const rows: BenchRow[] = [];
  for (const [scenario, run] of queries) {
    const latency = new LatencyRecorder();
    const deadline = Date.now() + perQuerySeconds * 1000;
    let n = 0;
    // At least 20 runs, so p99 is never a single sample's luck.
    while (n < 20 || (Date.now() < deadline && n < 2_000)) {
      await latency.time(run);
      n++;
    }
    rows.push({ group: 'finance', adapter, scenario: `query: ${scenario}`, rate: n / Math.max(perQuerySeconds, 0.001), unit: 'queries/s', p50Ms: latency.p50Ms, p99Ms: latency.p99Ms, extra: { runs: n } });
  }
  return rows;
}

async function benchExport(adapter: string, db: SqlDriver): Promise<BenchRow> {
  const views = new FinanceViews(db, schema);
  const started = performance.now();
  let bytes = 0;
  let records = -1;
  for await (const chunk of views.exportCsv(month)) {
    bytes += chunk.length;
    for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) records++;
  }
  const s = (performance.now() - started) / 1000;
  return { group: 'finance', adapter, scenario: 'CSV export (month, streamed)', rate: records / s, unit: 'lines/s', extra: { lines: records, megabytes: round(bytes / 1e6, 1), seconds: round(s) } };
}

async function benchVerify(adapter: string, db: SqlDriver, store: SqlEventStore): Promise<BenchRow> {
  const views = new FinanceViews(db, schema);
  const started = performance.now();
  const result = await views.verify(store);
  const s = (performance.now() - started) / 1000;
  return { group: 'finance', adapter, scenario: 'audit verify (recompute + walk)', rate: result.linesVerified / s, unit: 'lines/s', extra: { ok: result.ok, lines: result.linesVerified, seconds: round(s) } };
}

/** The log generator writes no policy; the anomaly queries need its caps, so the projection is given one. */
function policyEvent(): RecordedEvent {
  const policy = samplePolicy();
  return {
    id: '00000000-0000-5000-8000-000000000000',
    type: 'PolicyPublished',
    schemaVersion: 1,
    data: { ...policy, publishedBy: 'bench', publishedAt: '2026-09-01T00:00:00.000Z' } as unknown as RecordedEvent['data'],
    metadata: { correlationId: 'bench', causationId: null, actor: 'bench', recordedAt: '2026-09-01T00:00:00.000Z' },
    streamName: 'policy',
    revision: 0n,
    position: { commit: 0n, prepare: 0n },
  };
}
