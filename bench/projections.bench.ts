import { execFileSync } from 'node:child_process';
import { createReadModelDriver } from '#config';
import { createPostgresDriver, SqlEventStore } from '#event-store';
import { dropAbandonedRebuilds, ReadModels, type EmployeeView } from '#projections';
import { freshDatabase } from '../libs/projections/src/testing/fresh-database.js';
import { LatencyRecorder, runFor, serviceNodeFlags, type BenchRow } from './harness.js';
import { writeProjectionLog } from './projection-log.js';

/**
 * The projector: rebuild of every read model from a realistic log (BENCH_PROJECTION_EVENTS, 1,000,000 by
 * default) in a process of its own for its peak RSS, then each query of the query API for p50/p99.
 */
export async function benchProjections(seconds: number, databaseUrl: string | undefined): Promise<BenchRow[]> {
  if (!databaseUrl) return [];
  const events = Number(process.env.BENCH_PROJECTION_EVENTS ?? 1_000_000);
  const shape = { events, employees: 2_000, customers: Math.max(1_000, Math.round(events / 5)), days: 30 };
  // The seeded log is kept between runs (one database per shape and generator version): seeding a million
  // events takes longer than rebuilding them. BENCH_PROJECTION_FRESH=1 seeds a throwaway database instead.
  const reuse = process.env.BENCH_PROJECTION_FRESH !== '1';
  const fresh = reuse ? await seededDatabase(databaseUrl, `gl_bench_projlog_v1_${events}`) : { ...(await freshDatabase(databaseUrl, 'gl_bench_projector')), seeded: false };
  try {
    if (!fresh.seeded) {
      const seedDriver = createPostgresDriver({ connectionString: fresh.url, poolSize: 2 });
      await (await SqlEventStore.open(seedDriver)).close();
      const seedDb = createPostgresDriver({ connectionString: fresh.url, poolSize: 2 });
      const seedStarted = performance.now();
      const written = await writeProjectionLog(seedDb, shape);
      await seedDb.exec('vacuum analyze gl_events;');
      if (reuse) await seedDb.exec(`create table bench_log_seeded (events int not null);\ninsert into bench_log_seeded values (${written});`);
      await seedDb.close();
      console.error(`projector bench: ${written.toLocaleString('en-US')} events seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    } else {
      // Every run rebuilds from nothing: the previous run's read models go first.
      const db = createPostgresDriver({ connectionString: fresh.url, poolSize: 1 });
      await db.exec('drop schema if exists read_models cascade;');
      await dropAbandonedRebuilds(db);
      await db.exec('checkpoint;').catch(() => undefined);
      await db.close();
      console.error(`projector bench: reusing the seeded log in database ${new URL(fresh.url).pathname.slice(1)} (BENCH_PROJECTION_FRESH=1 seeds a new one)`);
    }

    const output = execFileSync(process.execPath, [...serviceNodeFlags, 'dist/bench/projections.main.js', fresh.url], {
      env: process.env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    });
    const rows = JSON.parse(output.trim().split('\n').pop()!) as BenchRow[];
    rows.push(...(await benchQueries(fresh.url, shape, seconds)));
    return rows;
  } finally {
    if (!reuse) await fresh.drop();
  }
}

/** The kept bench database named `name` (created when missing), and whether a complete log was seeded in it. */
async function seededDatabase(baseUrl: string, name: string): Promise<{ url: string; seeded: boolean; drop: () => Promise<void> }> {
  const url = new URL(baseUrl);
  const admin = createPostgresDriver({ connectionString: ((url.pathname = '/postgres'), url.toString()), poolSize: 1 });
  try {
    const exists = (await admin.query<{ n: number }>('select count(*)::int as n from pg_database where datname = $1', [name]))[0]!.n > 0;
    url.pathname = `/${name}`;
    if (exists) {
      const db = createPostgresDriver({ connectionString: url.toString(), poolSize: 1 });
      const seeded = (await db.query<{ n: number }>(`select count(*)::int as n from pg_tables where tablename = 'bench_log_seeded'`, []))[0]!.n > 0;
      await db.close();
      if (seeded) return { url: url.toString(), seeded: true, drop: async () => undefined };
      await admin.exec(`drop database ${name} with (force)`);
    }
    await admin.exec(`create database ${name}`);
    return { url: url.toString(), seeded: false, drop: async () => undefined };
  } finally {
    await admin.close();
  }
}

async function benchQueries(url: string, shape: { employees: number; customers: number }, seconds: number): Promise<BenchRow[]> {
  const db = createReadModelDriver(url);
  const reads = new ReadModels(db);
  const per = Math.max(1, Math.round(seconds / 2));
  const employee = async (i: number): Promise<EmployeeView> => (await reads.employee(`be${i % shape.employees}`))!;
  const scenarios: Array<[string, (i: number) => Promise<unknown>]> = [
    ['employee budget, latest period (with its gestures by type)', async (i) => reads.budget(await employee(i * 7), null)],
    ['employee budget periods, newest 31', async (i) => reads.budgetPeriods(await employee(i * 13), { limit: 31, before: null })],
    ["supervisor's queue of one store, 50 oldest with customer history", (i) => reads.supervisorQueue({ employeeId: `sup-${i}`, role: 'supervisor', storeId: ['nyc-fifth-ave', 'chicago-loop', 'web-support'][i % 3]! }, 50)],
    ['customer 360', (i) => reads.customer360(`bc${(i * 7919) % shape.customers}`, new Date('2026-10-31T00:00:00Z'))],
  ];
  const rows: BenchRow[] = [];
  try {
    for (const [scenario, query] of scenarios) {
      const latency = new LatencyRecorder();
      let done = 0;
      const elapsed = await runFor(per, 4, async (w, i) => {
        await latency.time(() => query(w * 1_000_003 + i));
        done++;
      });
      rows.push({ group: 'query api', adapter: 'postgres', scenario, rate: done / elapsed, unit: 'queries/s', p50Ms: latency.p50Ms, p99Ms: latency.p99Ms });
    }
  } finally {
    await db.close();
  }
  return rows;
}
