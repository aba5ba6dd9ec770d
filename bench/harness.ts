import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One row of the benchmark table and of the JSON written under bench/results/. */
export interface BenchRow {
  group: string;
  adapter: string;
  scenario: string;
  /** Operations per second (events, gestures, appends: `unit` says which). */
  rate: number;
  unit: string;
  p50Ms?: number;
  p99Ms?: number;
  /** Anything else a scenario measures (conflicts/s, peak RSS, overspend...). */
  extra?: Record<string, number | string | boolean>;
}

export class LatencyRecorder {
  private readonly histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: 60_000_000_000, figures: 3 });
  time<T>(work: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    return work().finally(() => this.histogram.record(Number(process.hrtime.bigint() - start) || 1));
  }
  record(nanoseconds: number): void {
    this.histogram.record(Math.max(1, Math.round(nanoseconds)));
  }
  get p50Ms(): number {
    return round(this.histogram.percentile(50) / 1e6);
  }
  get p99Ms(): number {
    return round(this.histogram.percentile(99) / 1e6);
  }
}

/** Runs `workers` loops until `seconds` have passed; each loop calls `step(worker, i)`. */
export async function runFor(seconds: number, workers: number, step: (worker: number, i: number) => Promise<void>): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; Date.now() < deadline; i++) await step(w, i);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Samples RSS every 100 ms while `work` runs and returns the peak in MB. */
export async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakRssMb: Math.round(peak / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function printTable(rows: BenchRow[]): void {
  const header = ['group', 'adapter', 'scenario', 'rate', 'unit', 'p50 ms', 'p99 ms', 'extra'];
  const lines = rows.map((r) => [
    r.group,
    r.adapter,
    r.scenario,
    Math.round(r.rate).toLocaleString('en-US'),
    r.unit,
    r.p50Ms?.toFixed(2) ?? '',
    r.p99Ms?.toFixed(2) ?? '',
    Object.entries(r.extra ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  lines.forEach((l) => console.log(fmt(l)));
}

export function writeResults(rows: BenchRow[], context: Record<string, unknown>): string {
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), context, rows }, null, 2));
  writeFileSync(join(dir, 'latest.json'), JSON.stringify({ at: new Date().toISOString(), context, rows }, null, 2));
  return file;
}

/**
 * The V8 flags the services run with (package.json start scripts, Dockerfile): measured the same way here.
 * BENCH_SERVICE_FLAGS adds flags to the spawned services only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`
 * (Node refuses `--cpu-prof` in NODE_OPTIONS).
 */
export const serviceNodeFlags = ['--max-old-space-size=192', '--max-semi-space-size=32', '--initial-old-space-size=96', ...(process.env.BENCH_SERVICE_FLAGS ?? '').split(' ').filter(Boolean)];

/**
 * Runs `work` under the V8 CPU profiler when BENCH_PROFILE names `name` (comma-separated list), and
 * writes `bench/results/profiles/<name>.cpuprofile` (open it in Chrome DevTools): the profile covers the
 * measured part only, not the seeding around it.
 */
export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!(process.env.BENCH_PROFILE ?? '').split(',').includes(name)) return work();
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const dir = join('bench', 'results', 'profiles');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    console.error(`profile of ${name}: ${join(dir, `${name}.cpuprofile`)}`);
  }
}

/** Runs `work(i)` for i in 0 … count − 1 with at most `width` in flight; no array of the indices is built (the memory bench counts to a million). */
export async function inParallelCount(width: number, count: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** Runs `work` over `items` with at most `width` in flight (seeding, enrolment). */
export function inParallel<T>(width: number, items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  return inParallelCount(width, items.length, (i) => work(items[i]!));
}

/** A JSON POST with a bearer token; anything but 2xx throws with the answer, so a failed set-up is never measured. */
export async function postJson(url: string, path: string, bearer: string, body: unknown): Promise<unknown> {
  const res = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
