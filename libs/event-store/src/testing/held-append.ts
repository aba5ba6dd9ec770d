import { appendJson } from '../sql/sql-event-store.js';
import { sql } from '../sql/schema.js';
import type { SqlDriver } from '../sql/sql-driver.js';
import type { EventToAppend } from '../port.js';
import type { HeldAppend } from './event-store-contract.js';

/** Appends through `gl_append` inside a transaction that stays open until released (skip-trap test). */
export async function holdSqlAppendOpen(driver: SqlDriver, stream: string, events: EventToAppend[]): Promise<HeldAppend> {
  let appended!: () => void;
  let release!: () => void;
  const appendedSignal = new Promise<void>((resolve) => (appended = resolve));
  const releaseSignal = new Promise<void>((resolve) => (release = resolve));
  const done = driver.transaction(async (query) => {
    await query(sql.append, [`[${appendJson(stream, events, 'any')}]`]);
    appended();
    await releaseSignal;
  });
  await Promise.race([appendedSignal, done]);
  return {
    async release() {
      release();
      await done;
    },
  };
}
