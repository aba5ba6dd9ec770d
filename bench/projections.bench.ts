import { execFileSync } from 'node:child_process';
import { createPostgresDriver, SqlEventStore } from '#event-store';
import { ReadModels, type EmployeeView } from '#projections';
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
  const fresh = await freshDatabase(databaseUrl, 'gl_bench_projector');
  try {
    const seedDriver = createPostgresDriver({ connectionString: fresh.url, poolSize: 2 });
    await (await SqlEventStore.open(seedDriver)).close();
    const seedDb = createPostgresDriver({ connectionString: fresh.url, poolSize: 2 });
    const seedStarted = performance.now();
    const written = await writeProjectionLog(seedDb, shape);
    await seedDb.exec('vacuum analyze gl_events;');
    await seedDb.close();
    console.error(`projector bench: ${written.toLocaleString('en-US')} events seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

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
    await fresh.drop();
  }
}

async function benchQueries(url: string, shape: { employees: number; customers: number }, seconds: number): Promise<BenchRow[]> {
  const db = createPostgresDriver({ connectionString: url, poolSize: 4 });
  const reads = new ReadModels(db);
  const per = Math.max(1, Math.round(seconds / 2));
  const employee = async (i: number): Promise<EmployeeView> => (await reads.employee(`be${i % shape.employees}`))!;
  const scenarios: Array<[string, (i: number) => Promise<unknown>]> = [
    ['employee budget, latest period (with its gestures by type)', async (i) => reads.budget(await employee(i * 7), null)],
    ['employee budget periods, newest 31', (i) => reads.budgetPeriods(`be${(i * 13) % shape.employees}`, { limit: 31, before: null })],
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
