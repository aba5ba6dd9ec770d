/**
 * `npm run bench`: every benchmark of the project in one table, and the same rows as JSON under
 * bench/results/. Compare them with `bash ../shared/anchors/run-all.sh` run just before, on the same machine.
 */
import { benchApi, benchNoopCeiling } from './api.bench.js';
import { benchEventStores } from './event-store.bench.js';
import { benchProjections } from './projections.bench.js';
import { benchFinance } from './finance.bench.js';
import { benchKafka } from './kafka.bench.js';
import { execFileSync } from 'node:child_process';
import { printTable, serviceNodeFlags, writeResults, type BenchRow } from './harness.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const wanted = (name: string) => only.length === 0 || only.includes(name);

const rows: BenchRow[] = [];
if (wanted('store')) rows.push(...(await benchEventStores(seconds, process.env.DATABASE_URL)));
if (wanted('api')) rows.push(...(await benchNoopCeiling(seconds)), ...(await benchApi(seconds, process.env.DATABASE_URL)));
if (wanted('projections') || wanted('projector')) rows.push(...(await benchProjections(seconds, process.env.DATABASE_URL)));
if (wanted('finance')) rows.push(...(await benchFinance(seconds, process.env.DATABASE_URL)));
if (wanted('kafka') || wanted('relay')) rows.push(...(await benchKafka(seconds, process.env.DATABASE_URL)));
if (wanted('memory')) {
  const output = execFileSync(process.execPath, [...serviceNodeFlags, 'dist/bench/memory.main.js'], { env: process.env, encoding: 'utf8', maxBuffer: 1 << 20 });
  rows.push(...(JSON.parse(output.trim().split('\n').pop()!) as BenchRow[]));
}

printTable(rows);
const file = writeResults(rows, { seconds, node: process.version, databaseUrl: Boolean(process.env.DATABASE_URL) });
console.log(`\nresults written to ${file}`);
process.exit(0);
