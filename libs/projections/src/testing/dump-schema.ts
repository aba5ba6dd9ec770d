import type { SqlDriver } from '#event-store';
import { assertSchemaName } from '../sql-names.js';

/**
 * Every table of a read-model schema as ordered JSON text (the checkpoint's bookkeeping columns left out),
 * so two schemas built from the same log can be compared for equality.
 */
export async function dumpSchema(db: SqlDriver, schema: string): Promise<Record<string, string>> {
  assertSchemaName(schema);
  const tables = await db.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = $1 order by tablename`, [schema]);
  const dump: Record<string, string> = {};
  for (const { tablename } of tables) {
    const columns = tablename === 'projector_checkpoint' ? 'position, events_applied, last_recorded_at, versions' : '*';
    const rows = await db.query<{ v: unknown }>(
      `select coalesce(json_agg(r order by r::text), '[]'::json)::text as v from (select ${columns} from ${schema}."${tablename}") r`,
      [],
    );
    dump[tablename] = String(rows[0]?.v);
  }
  return dump;
}
