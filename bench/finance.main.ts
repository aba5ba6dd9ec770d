/** `node dist/bench/finance.main.js`: the finance benchmark alone, printed as a table (also reached via `BENCH_ONLY=finance`). */
import { benchFinance } from './finance.bench.js';
import { printTable } from './harness.js';

printTable(await benchFinance(Number(process.env.BENCH_SECONDS ?? 8), process.env.DATABASE_URL));
process.exit(0);
