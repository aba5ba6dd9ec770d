import { createPostgresDriver, createPostgresEventStore } from '#event-store';
import { allProjections, formatProgress, rebuildReadModels, type RebuildStep } from '#projections';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { withPeakRss, type BenchRow } from './harness.js';

/** CPU seconds a local PostgreSQL backend has used (Linux /proc), so the cost per event can be told apart from a busy machine's waiting. */
function backendCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * The rebuild measured in a process of its own (so its peak RSS is the projector's alone), with the
 * service's heap cap. Progress goes to stderr; the last stdout line is the benchmark row as JSON.
 */
const url = process.argv[2];
if (!url) throw new Error('usage: projections.main.js <postgres url>');
const store = await createPostgresEventStore({ connectionString: url, poolSize: 2 });
// Without JIT, as the service's read-model pool (`createReadModelDriver`); it measured the same for the merges.
// Three: one holds the rebuild lock throughout (`takeRebuildLock`), two do the work.
const db = createPostgresDriver({ connectionString: url, poolSize: 3, statementTimeoutMs: 120_000, jit: false });
const tty = process.stderr.isTTY;

/** CPU seconds of every backend serving this database (this process's pools: the rebuild's own work). */
async function databaseCpuSeconds(): Promise<number> {
  const backends = await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database()`, []);
  return backends.reduce((sum, b) => sum + backendCpuSeconds(b.pid), 0);
}

/** Wall time and CPU of Node and PostgreSQL per rebuild step, on stderr: where a rebuild's time goes. */
const steps: string[] = [];
let last = { at: performance.now(), node: process.cpuUsage(), pg: 0 };
const onStep = async (step: RebuildStep) => {
  const now = { at: performance.now(), node: process.cpuUsage(), pg: await databaseCpuSeconds() };
  if (step !== 'created') {
    const node = (now.node.user + now.node.system - last.node.user - last.node.system) / 1e6;
    steps.push(`${step.padEnd(9)} ${((now.at - last.at) / 1000).toFixed(2).padStart(6)} s  node ${node.toFixed(2).padStart(6)} s  pg ${(now.pg - last.pg).toFixed(2).padStart(6)} s`);
  }
  last = { at: performance.now(), node: process.cpuUsage(), pg: now.pg };
};

try {
  const cpuBefore = process.cpuUsage();
  const { result, peakRssMb } = await withPeakRss(() =>
    rebuildReadModels({
      store,
      db,
      projections: allProjections,
      batchSize: Number(process.env.BENCH_PROJECTION_BATCH ?? 5_000),
      bulkBatchSize: process.env.BENCH_PROJECTION_BULK_BATCH ? Number(process.env.BENCH_PROJECTION_BULK_BATCH) : undefined,
      progressEveryMs: tty ? 250 : 2_000,
      onProgress: (p) => process.stderr.write(`${tty ? '\r' : ''}${formatProgress(p)}${tty ? '' : '\n'}`),
      onStep,
    }),
  );
  if (tty) process.stderr.write('\n');
  process.stderr.write(`rebuild steps (wall, CPU):\n  ${steps.join('\n  ')}\n`);
  const cpu = process.cpuUsage(cpuBefore);
  const nodeCpuSeconds = (cpu.user + cpu.system) / 1e6;
  // The backends serving this process (its two pools) have done all of the database's work for it.
  const backends = await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`, []);
  const pgCpuSeconds = backends.reduce((sum, b) => sum + backendCpuSeconds(b.pid), 0) + backendCpuSeconds((await db.query<{ pid: number }>('select pg_backend_pid() as pid', []))[0]!.pid);
  const row: BenchRow = {
    group: 'projector',
    adapter: 'postgres',
    scenario: `rebuild all read models (${allProjections.map((p) => p.name).join(', ')}) from ${result.events.toLocaleString('en-US')} events`,
    rate: result.eventsPerSecond,
    unit: 'events/s',
    extra: {
      seconds: Math.round(result.seconds * 10) / 10,
      peak_rss_mb: peakRssMb,
      within_300mb: peakRssMb < 300,
      target_100k: result.eventsPerSecond >= 100_000,
      node_cpu_us_per_event: Math.round((nodeCpuSeconds / Math.max(1, result.events)) * 1e7) / 10,
      pg_cpu_us_per_event: Math.round((pgCpuSeconds / Math.max(1, result.events)) * 1e7) / 10,
      load_average: Math.round(loadavg()[0]! * 10) / 10,
    },
  };
  console.log(JSON.stringify([row]));
} finally {
  await store.close();
  await db.close();
}
