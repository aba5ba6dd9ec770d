import { describe, expect, it } from '@jest/globals';
import { ANY, type EventToAppend } from '../port.js';
import { schemaIsCurrentSql, sql } from './schema.js';
import { SqlEventStore } from './sql-event-store.js';
import type { SqlDriver } from './sql-driver.js';

/**
 * What a batch failure in the database does to the appends batched with the one that caused it. A driver
 * stand-in plays PostgreSQL: it refuses any batch holding the marked stream with `code`, and writes the rest.
 */
function database(code: string) {
  const batches: string[][] = [];
  let position = 0;
  const query = async <R>(text: string, params: unknown[]): Promise<R[]> => {
    // The schema is there: opening the store asks, and runs no DDL; the log was written by this cluster.
    if (text === schemaIsCurrentSql) return [{ current: true }] as R[];
    if (text === sql.stampsAhead) return [{ newest: null, next: '1' }] as R[];
    const appends = JSON.parse(params[0] as string) as Array<{ s: string }>;
    batches.push(appends.map((a) => a.s));
    if (appends.some((a) => a.s.startsWith('refused-'))) throw Object.assign(new Error(`refused (${code})`), { code });
    return appends.map((_, idx) => ({ idx, status: 'ok', revision: '0', commit_id: '1', prepare: String(++position), detail: null })) as R[];
  };
  // Only appends (and the schema check) go through it: a read would be a defect of the test.
  const queryArrays = async (): Promise<never> => {
    throw new Error('no reads here');
  };
  const driver: SqlDriver = { query, queryArrays, exec: async () => undefined, transaction: (work) => work(query), concurrentTransactionsMax: 1, close: async () => undefined };
  return { driver, batches };
}

const event = (): EventToAppend => ({ id: crypto.randomUUID(), type: 'Noted', schemaVersion: 1, data: {}, metadata: { correlationId: null, causationId: null, actor: 'test', recordedAt: new Date().toISOString() } as never });

async function burst(code: string) {
  const { driver, batches } = database(code);
  const store = await SqlEventStore.open(driver, { groupCommit: { batchesInFlightMax: 1 } });
  const streams = ['fine-1', 'fine-2', 'refused-1', 'fine-3'];
  const outcomes = await Promise.allSettled(streams.map((s) => store.appendToStream(s, [event()], { expectedRevision: ANY })));
  return { outcomes: Object.fromEntries(streams.map((s, i) => [s, outcomes[i]!.status])), batches };
}

describe('group commit when the database refuses a batch', () => {
  it("fails only the append whose data the database refused (SQLSTATE class 22), the others are written", async () => {
    const { outcomes, batches } = await burst('22P05');
    expect(outcomes).toEqual({ 'fine-1': 'fulfilled', 'fine-2': 'fulfilled', 'refused-1': 'rejected', 'fine-3': 'fulfilled' });
    // One batch together, then each append alone.
    expect(batches[0]).toHaveLength(4);
    expect(batches.slice(1).every((b) => b.length === 1)).toBe(true);
  });

  it('fails the whole batch when the failure is not about any one append (here: the connection went away)', async () => {
    const { outcomes, batches } = await burst('08006');
    expect(Object.values(outcomes)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(batches).toHaveLength(1);
  });
});
