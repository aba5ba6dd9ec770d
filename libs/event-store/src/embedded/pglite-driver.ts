import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import type { SqlDriver } from '../sql/sql-driver.js';

export interface PgliteDriverOptions {
  /** Data directory; `memory://` keeps everything in memory (tests). */
  dataDir: string;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly, in-process) as a `SqlDriver`. It runs one query at a
 * time, so group commit runs one batch transaction at a time: batching is what makes it fast.
 */
export async function createPgliteDriver(options: PgliteDriverOptions): Promise<SqlDriver & { readonly db: PGlite }> {
  if (!options.dataDir.startsWith('memory://')) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  return {
    db,
    concurrentTransactionsMax: 1,
    async query<R>(text: string, params: unknown[]) {
      return (await db.query<R>(text, params)).rows;
    },
    async exec(script: string) {
      await db.exec(script);
    },
    transaction<T>(work: (query: <R>(text: string, params: unknown[]) => Promise<R[]>) => Promise<T>) {
      return db.transaction((tx) => work(async <R>(text: string, params: unknown[]) => (await tx.query<R>(text, params)).rows));
    },
    close: () => db.close(),
  };
}
