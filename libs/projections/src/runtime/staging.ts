import type { Query } from '../projection.js';
import { assertSchemaName } from '../sql-names.js';

/** A rebuild's staging table: the columns of one projection's per-batch deltas, plus the batch they came from. */
export interface StagingTable {
  readonly name: string;
  /** `[column, type]`, in the order of the final table's columns where it has them; a column is read from the row's key of the same name. */
  readonly columns: ReadonlyArray<readonly [string, string]>;
}

export function stagingName(schema: string, table: StagingTable): string {
  return `${assertSchemaName(schema)}.stage_${table.name}`;
}

/** Unlogged and without any key or index: staged rows are only ever appended, then read once by a GROUP BY. */
export function stagingTablesSql(schema: string, tables: readonly StagingTable[]): string {
  return tables.map((t) => `create unlogged table ${stagingName(schema, t)} (batch int not null, ${t.columns.map(([c, type]) => `${c} ${type}`).join(', ')});`).join('\n');
}

export function dropStagingSql(schema: string, tables: readonly StagingTable[]): string {
  return `drop table if exists ${tables.map((t) => stagingName(schema, t)).join(', ')}`;
}

/** Appends one batch's rows: a plain INSERT (no conflict to check) from one typed array per column. */
export async function appendStaged(query: Query, schema: string, table: StagingTable, batch: number, rows: Iterable<object>): Promise<void> {
  const list = (Array.isArray(rows) ? rows : [...rows]) as readonly Record<string, unknown>[];
  if (list.length === 0) return;
  await query(`insert into ${stagingName(schema, table)} select $1::int, * from ${unnestColumns(table.columns.map(([, type]) => type), 2)}`, [batch, ...arrayLiterals(list, table.columns.map(([c]) => c))]);
}

/** `unnest($first::type[], ...)`: the rows of the column arrays `arrayLiterals` encodes, one per type. */
export function unnestColumns(types: readonly string[], first: number): string {
  return `unnest(${types.map((type, i) => `$${first + i}::${type}[]`).join(', ')})`;
}

/**
 * One PostgreSQL array literal per key, every value quoted (numbers aside) and null as NULL: for thousands of
 * rows PostgreSQL reads typed arrays with fewer cycles than `json_to_recordset`, and this is as cheap in Node
 * as JSON.stringify (pg's own array encoder is several times slower). Objects are stored as their JSON.
 */
export function arrayLiterals(rows: readonly Record<string, unknown>[], keys: readonly string[]): string[] {
  return keys.map((key) => {
    const values = rows.map((row) => row[key]);
    // A JSON array of numbers, null and strings whose only escapes are \" and \\ reads the same as an array
    // literal between braces (PostgreSQL takes NULL in any case); anything else is quoted value by value.
    const json = JSON.stringify(values);
    if (!values.some(isObject) && !otherJsonEscape.test(json)) return `{${json.slice(1, -1)}}`;
    return `{${values.map(arrayItem).join(',')}}`;
  });
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function arrayItem(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `"${text.replace(escaped, '\\$&')}"`;
}

const otherJsonEscape = /\\[^"\\]/;
const escaped = /["\\]/g;

/** The latest non-null value of a column over the batches (what the live path's `coalesce(excluded.x, x)` leaves). */
export const latestSet = (column: string) => `(array_agg(${column} order by batch desc) filter (where ${column} is not null))[1]`;
/** The value of the last batch (overwritten by every upsert) and of the first (only ever inserted). */
export const last = (column: string) => `(array_agg(${column} order by batch desc))[1]`;
export const first = (column: string) => `(array_agg(${column} order by batch))[1]`;
