/** The schema the query API reads and the live projector writes. */
export const liveSchema = 'read_models';

/** Where a rebuild is built before it is swapped in; the suffix keeps concurrent attempts apart. */
export const rebuildSchemaPrefix = 'read_models_rebuild_';
/** Where the replaced schema briefly goes during a swap, before it is dropped in the same transaction. */
export const retiredSchemaPrefix = 'read_models_retired_';

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Schema names are spliced into SQL text (PostgreSQL cannot bind identifiers), so only plain
 * lower-case identifiers are accepted: anything else is a programmer's error.
 */
export function assertSchemaName(schema: string): string {
  if (!identifier.test(schema)) throw new Error(`not a plain schema name: ${JSON.stringify(schema)}`);
  return schema;
}

/** `schema."table"`: a table name quoted as PostgreSQL quotes identifiers (`pg_tables` may hold any). */
export function qualifiedTable(schema: string, table: string): string {
  return `${assertSchemaName(schema)}."${table.replace(/"/g, '""')}"`;
}
