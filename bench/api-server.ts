import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { serviceNodeFlags } from './harness.js';

export interface RunningServer {
  url: string;
  process: ChildProcess;
  peakRssMb(): number;
  /** CPU time (user + system) the server has used so far, in microseconds: divided by requests, the cost of one. */
  cpuMicros(): number;
  stop(): Promise<void>;
}

/**
 * Starts `apps/ledger-api` as its own process (as deployed), so the load generator and the server do
 * not share an event loop, exactly as the anchor's no-op ceiling is measured.
 */
const outputKeptMax = 64 * 1024;

export async function spawnLedgerApi(env: Record<string, string>, port: number): Promise<RunningServer> {
  // BENCH_PROFILE=api-server: the server writes a V8 CPU profile of its whole life when it exits.
  const profile = (process.env.BENCH_PROFILE ?? '').split(',').includes('api-server') ? ['--cpu-prof', '--cpu-prof-dir=bench/results/profiles', '--cpu-prof-interval=200'] : [];
  const child = spawn(process.execPath, [...serviceNodeFlags, ...profile, 'dist/apps/ledger-api/src/main.js'], { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Only a bounded tail is kept: the server logs a line per request, and all of them, kept in this process
  // (the load generator's), made its heap grow by ~40 MB a minute and its collector stall every connection.
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk;
    if (output.length > outputKeptMax) output = output.slice(-outputKeptMax);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = Date.now() + 60_000;
  while (!output.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ledger-api did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child.pid!))), 200);
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    peakRssMb: () => Math.max(peak, rssMb(child.pid!)),
    cpuMicros: () => cpuMicros(child.pid!),
    async stop() {
      clearInterval(sampler);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms on Linux). */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return Math.round((pages * 4096) / 1024 / 1024);
  } catch {
    return 0;
  }
}
