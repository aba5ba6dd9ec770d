import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { samplePolicy } from '#domain';
import { createPgliteDriver, SqlEventStore, START, type EventStore, type ReadFrom, type RecordedEvent, type SqlDriver } from '#event-store';
import { GestureLedger, type RequestContext } from '#ledger';
import { coreProjections } from '../registry.js';
import { applyBatch } from './apply-batch.js';
import { advanceCheckpoint, createSchemaSql, insertCheckpoint, versionsOf } from './checkpoint.js';
import { measureLag } from './lag.js';

const schema = 'rm_lag';
const admin: RequestContext = { principal: { subject: 'admin-1', roles: ['admin'], storeId: null }, correlationId: 'lag' };
const ana: RequestContext = { principal: { subject: 'ana', roles: ['associate'], storeId: 'nyc-fifth-ave' }, correlationId: 'lag' };
const at = (iso: string, plusSeconds = 0) => new Date(Date.parse(iso) + plusSeconds * 1000);

describe('projection lag', () => {
  let db: SqlDriver;
  let store: SqlEventStore;
  let ledger: GestureLedger;
  let now = at('2026-11-25T15:00:00.000Z');
  let from: ReadFrom = START;

  const gesture = (key: string) =>
    ledger.requestGesture(
      { employeeId: 'ana', customerId: 'c-1', gestureType: 'goodwill_credit', amountMinor: 500, currency: 'USD', channel: 'pos', storeId: 'nyc-fifth-ave', reasonCode: 'service_failure', note: null, occurredAt: now.toISOString(), idempotencyKey: key },
      ana,
    );
  const catchUp = async () => {
    for (;;) {
      const events = await store.readAll({ from, limit: 100 });
      if (events.length === 0) return;
      const outcome = await applyBatch(db, schema, coreProjections, events, from);
      if (outcome.kind === 'outdated') throw new Error('read models of other projection versions');
      from = outcome.checkpoint;
    }
  };

  beforeAll(async () => {
    db = await createPgliteDriver({ dataDir: 'memory://' });
    store = await SqlEventStore.open(db);
    ledger = new GestureLedger(store, { clock: () => now });
    await ledger.start(samplePolicy());
    await db.exec(createSchemaSql(schema, coreProjections));
    await db.transaction((query) => insertCheckpoint(query, schema, versionsOf(coreProjections)));
    expect((await ledger.allocateBudget({ employeeId: 'ana', role: 'associate', storeId: 'nyc-fifth-ave', idempotencyKey: 'enrol-ana' }, admin)).kind).toBe('ok');
    expect((await gesture('g-1')).kind).toBe('ok');
  }, 30_000);
  afterAll(async () => store?.close());

  it('is 0 events and 0 seconds when caught up, however long ago the last event was', async () => {
    await catchUp();
    expect(await measureLag(store, db, schema, at('2026-11-25T18:00:00.000Z'))).toMatchObject({ eventsBehind: 0, secondsBehind: 0 });
  });

  it('counts seconds from the oldest event not yet applied, not from the last one applied', async () => {
    await catchUp();
    // An idle hour, then one new event: it has waited two seconds, not an hour.
    now = at('2026-11-25T16:00:00.000Z');
    expect((await gesture('g-2')).kind).toBe('ok');
    expect(await measureLag(store, db, schema, at('2026-11-25T16:00:00.000Z', 2))).toMatchObject({ eventsBehind: 1, secondsBehind: 2 });
    now = at('2026-11-25T16:00:05.000Z');
    expect((await gesture('g-3')).kind).toBe('ok');
    expect(await measureLag(store, db, schema, at('2026-11-25T16:00:00.000Z', 9))).toMatchObject({ eventsBehind: 2, secondsBehind: 9 });
    await catchUp();
    expect(await measureLag(store, db, schema, at('2026-11-25T16:00:00.000Z', 9))).toMatchObject({ eventsBehind: 0, secondsBehind: 0 });
  });

  it("is behind while an event waits even when its sequence number is below the checkpoint's (log order is the transaction first)", async () => {
    // A transaction that took sequence 12 committed (and was applied) before one holding 11 became visible.
    const waiting = { metadata: { recordedAt: '2026-11-25T16:59:30.000Z' }, position: { commit: 100n, prepare: 11n } } as unknown as RecordedEvent;
    const reordered = { readAll: async () => [waiting], headPosition: async () => waiting.position } as unknown as EventStore;
    const other = `${schema}_xid`;
    await db.exec(createSchemaSql(other, coreProjections));
    await db.transaction(async (query) => {
      await insertCheckpoint(query, other, versionsOf(coreProjections));
      await advanceCheckpoint(query, other, { commit: 99n, prepare: 12n }, 12, '2026-11-25T16:00:00.000Z');
    });
    expect(await measureLag(reordered, db, other, at('2026-11-25T17:00:00.000Z'))).toMatchObject({ eventsBehind: 1, secondsBehind: 30 });
  });
});
