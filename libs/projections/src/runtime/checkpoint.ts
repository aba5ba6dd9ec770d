import { parsePosition, positionToString, START, type ReadFrom } from '#event-store';
import type { Projection, Query } from '../projection.js';
import { assertSchemaName } from '../sql-names.js';

/** What the projector stores beside the read models, in the same schema, moved by the same transactions. */
export interface Checkpoint {
  /** The last event applied; `START` before the first batch. */
  position: ReadFrom;
  eventsApplied: number;
  /** The `recordedAt` of the last event applied (for lag in seconds), null before the first. */
  lastRecordedAt: string | null;
  /** The version of each projection the tables were built with; a difference means a rebuild. */
  versions: Record<string, number>;
}

export function checkpointTableSql(schema: string): string {
  assertSchemaName(schema);
  return `
create table if not exists ${schema}.projector_checkpoint (
  id               smallint primary key check (id = 1),
  position         text,
  events_applied   bigint not null default 0,
  last_recorded_at timestamptz,
  versions         jsonb not null,
  updated_at       timestamptz not null default now()
);`;
}

export function versionsOf(projections: readonly Projection[]): Record<string, number> {
  return Object.fromEntries(projections.map((p) => [p.name, p.version]));
}

export function sameVersions(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** The whole schema a projector needs, tables first; indexes come separately so bulk loads stay fast. */
export function createSchemaSql(schema: string, projections: readonly Projection[]): string {
  assertSchemaName(schema);
  return [`create schema if not exists ${schema};`, checkpointTableSql(schema), ...projections.map((p) => p.createTables(schema))].join('\n');
}

export function createIndexesSql(schema: string, projections: readonly Projection[]): string {
  return projections.flatMap((p) => p.createIndexes(assertSchemaName(schema)).map((statement) => `${statement};`)).join('\n');
}

/** The same insert as a script line, for `exec` scripts that create a schema in one transaction. */
export function insertCheckpointSql(schema: string, versions: Record<string, number>): string {
  const literal = JSON.stringify(versions).replace(/'/g, "''");
  return `insert into ${assertSchemaName(schema)}.projector_checkpoint (id, versions) values (1, '${literal}'::jsonb) on conflict (id) do nothing;`;
}

export async function insertCheckpoint(query: Query, schema: string, versions: Record<string, number>): Promise<void> {
  await query(`insert into ${assertSchemaName(schema)}.projector_checkpoint (id, versions) values (1, $1::jsonb) on conflict (id) do nothing`, [JSON.stringify(versions)]);
}

interface CheckpointRow {
  position: string | null;
  events_applied: string;
  last_recorded_at: Date | string | null;
  versions: Record<string, number>;
}

/**
 * Reads the checkpoint; `forUpdate` locks its row for the rest of the transaction, which is what
 * keeps two projector instances (or a projector and a swap) from ever applying the same batch twice.
 */
export async function readCheckpoint(query: Query, schema: string, forUpdate: boolean): Promise<Checkpoint | null> {
  const rows = await query<CheckpointRow>(
    `select position, events_applied::text, last_recorded_at, versions from ${assertSchemaName(schema)}.projector_checkpoint where id = 1${forUpdate ? ' for update' : ''}`,
    [],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    position: row.position === null ? START : parsePosition(row.position),
    eventsApplied: Number(row.events_applied),
    lastRecordedAt: row.last_recorded_at === null ? null : new Date(row.last_recorded_at).toISOString(),
    versions: row.versions,
  };
}

export async function advanceCheckpoint(query: Query, schema: string, position: ReadFrom, applied: number, lastRecordedAt: string | null): Promise<void> {
  await query(
    `update ${assertSchemaName(schema)}.projector_checkpoint
        set position = $1, events_applied = events_applied + $2::bigint,
            last_recorded_at = coalesce($3::timestamptz, last_recorded_at), updated_at = now()
      where id = 1`,
    [position === START ? null : positionToString(position), applied, lastRecordedAt],
  );
}

export async function schemaExists(query: Query, schema: string): Promise<boolean> {
  const rows = await query<{ n: number }>(`select count(*)::int as n from pg_namespace where nspname = $1`, [schema]);
  return (rows[0]?.n ?? 0) > 0;
}
