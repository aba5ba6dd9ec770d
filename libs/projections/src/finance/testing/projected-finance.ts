import { afterAll, beforeAll } from '@jest/globals';
import type { RecordedEvent, SqlDriver } from '#event-store';
import { FinanceViews } from '../finance-views.js';
import { financeProjections } from '../index.js';
import { applyInBatches, createProjectionSchema } from './project-log.js';

/**
 * For a suite: before it, the log `writeLog` writes projected into a fresh schema of `open()`'s database in
 * batches of `batchSize`; after it, the schema dropped. The finance views over it, once the suite runs.
 */
export function projectedFinance(prefix: string, backend: string, open: () => Promise<SqlDriver>, writeLog: () => Promise<RecordedEvent[]>, batchSize: number): () => FinanceViews {
  const schema = `${prefix}_${process.pid}_${Date.now() % 100_000}_${backend.replace(/\W/g, '')}`.toLowerCase();
  let db: SqlDriver | undefined;
  let views: FinanceViews | undefined;
  beforeAll(async () => {
    const log = await writeLog();
    db = await open();
    await createProjectionSchema(db, schema, financeProjections);
    await applyInBatches(db, schema, financeProjections, log, batchSize);
    views = new FinanceViews(db, schema);
  }, 60_000);
  afterAll(async () => {
    await db?.exec(`drop schema if exists ${schema} cascade;`).catch(() => undefined);
    await db?.close();
  });
  return () => views!;
}
