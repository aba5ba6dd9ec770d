/**
 * The memory scenario in a process of its own, so its peak RSS is not inflated by what earlier
 * scenarios left behind (PGlite's WebAssembly heap is never handed back to the OS). Prints its rows
 * as one JSON line for `run.ts`.
 */
import { benchMemory } from './memory.bench.js';

console.log(JSON.stringify(await benchMemory(process.env.DATABASE_URL)));
process.exit(0);
