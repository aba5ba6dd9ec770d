import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ANY, type EventToAppend } from '../port.js';
import { schemaFingerprint } from '../sql/schema.js';
import { SqlEventStore } from '../sql/sql-event-store.js';
import { holdSqlAppendOpen } from '../testing/held-append.js';
import { withBackend } from '../testing/infra.js';
import { createPostgresDriver } from './postgres-driver.js';

const event = (): EventToAppend => ({ id: randomUUID(), type: 'Noted', schemaVersion: 1, data: { n: 1 }, metadata: { correlationId: 'c', causationId: null, actor: 'test', recordedAt: '2026-11-24T10:00:00.000Z' } });
async function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still waiting after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
const schemaComment = `select obj_description('gl_append(jsonb)'::regprocedure, 'pg_proc') as comment`;

withBackend('DATABASE_URL', 'PostgreSQL event store schema at start-up', (connectionString) => {
  describe('opening the PostgreSQL event store', () => {
    let running: SqlEventStore;
    const driver = createPostgresDriver({ connectionString, poolSize: 4 });
    beforeAll(async () => {
      running = await SqlEventStore.open(driver);
    }, 30_000);
    afterAll(() => running.close());

    it('neither waits for the appends in flight nor holds new ones back, when the schema is already there', async () => {
      // Another process's append, its transaction still open (a long one, or one caught mid-flight).
      const held = await holdSqlAppendOpen(driver, `held-${randomUUID()}`, [event()]);
      try {
        const starting = await within(5_000, SqlEventStore.open(createPostgresDriver({ connectionString, poolSize: 1 })), 'a second process opening the store');
        await within(5_000, running.appendToStream(`live-${randomUUID()}`, [event()], { expectedRevision: ANY }), 'an append while the second process opened the store');
        await starting.close();
      } finally {
        await held.release();
      }
    }, 30_000);

    it('applies the schema again when the database carries another one, and marks it with its fingerprint', async () => {
      await driver.exec(`comment on function gl_append(jsonb) is 'an older schema'`);
      const reopened = await SqlEventStore.open(createPostgresDriver({ connectionString, poolSize: 1 }));
      await reopened.close();
      const [row] = await driver.query<{ comment: string }>(schemaComment, []);
      expect(row?.comment).toBe(`gesture-ledger event store schema ${schemaFingerprint}`);
    }, 30_000);
  });
});
