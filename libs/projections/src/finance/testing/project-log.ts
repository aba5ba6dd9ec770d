import { START, type EventStore, type RecordedEvent } from '#event-store';
import type { SqlDriver } from '#event-store';
import type { Projection } from '../../projection.js';
import { createIndexesSql } from '../../runtime/checkpoint.js';
import { assertSchemaName } from '../../sql-names.js';

/** A fresh schema with the projections' tables and indexes (tests only; the projector does this for real). */
export async function createProjectionSchema(db: SqlDriver, schema: string, projections: readonly Projection[]): Promise<void> {
  await db.exec(`drop schema if exists ${assertSchemaName(schema)} cascade; create schema ${schema};`);
  for (const projection of projections) {
    await db.exec(projection.createTables(schema));
    await db.exec(createIndexesSql(schema, [projection]));
  }
}

/** Applies `events` in batches of `batchSize`, one transaction per batch, like the projector does. */
export async function applyInBatches(db: SqlDriver, schema: string, projections: readonly Projection[], events: readonly RecordedEvent[], batchSize: number): Promise<void> {
  for (let at = 0; at < events.length; at += batchSize) {
    const batch = events.slice(at, at + batchSize);
    await db.transaction(async (query) => {
      for (const projection of projections) await projection.apply(batch, query, schema);
    });
  }
}

/** Every event of the store, in log order (test logs are small). */
export async function readWholeLog(store: EventStore, pageSize = 1_000): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readAll({ from: events.length === 0 ? START : events[events.length - 1]!.position, limit: pageSize });
    events.push(...page);
    if (page.length < pageSize) return events;
  }
}
