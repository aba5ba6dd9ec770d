import type { RecordedEvent } from '#event-store';
import type { BulkLoad, BulkLoadOptions, BulkMerge } from '../projection.js';
import type { BulkTarget } from './bulk-append.js';
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

/**
 * A staging bulk load's fold and writes: pages folded into one set of deltas until `batchEvents` events (or the
 * end of the log), then written as one staging batch (numbered from 0) while fresh deltas gather the next.
 */
export function stagedBatches<D>(
  options: BulkLoadOptions,
  empty: () => D,
  fold: (events: readonly RecordedEvent[], into: D) => unknown,
  write: (target: BulkTarget, deltas: D, batch: number) => Promise<void>,
): Pick<BulkLoad, 'fold' | 'writes'> {
  let deltas = empty();
  let folded = 0;
  let batch = 0;
  return {
    fold(events) {
      fold(events, deltas);
      folded += events.length;
    },
    writes(end) {
      if (folded === 0 || (!end && folded < options.batchEvents)) return null;
      const gathered = deltas;
      const number = batch++;
      deltas = empty();
      folded = 0;
      return (target) => write(target, gathered, number);
    },
  };
}

/** Appends one batch's rows: plain appends (no conflict to check), each row tagged with its batch. */
export async function appendStaged(target: BulkTarget, schema: string, table: StagingTable, batch: number, rows: Iterable<object>): Promise<void> {
  const list = (Array.isArray(rows) ? rows : [...rows]) as readonly Record<string, unknown>[];
  const keys = table.columns.map(([c]) => c);
  await target.append(stagingName(schema, table), [['batch', 'int'], ...table.columns], list, (row, i) => (i === 0 ? batch : row[keys[i - 1]!]));
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
  return keys.map((key) => arrayLiteral(rows.map((row) => row[key])));
}

/** The array literal of one column's values (see `arrayLiterals`). */
export function arrayLiteral(values: readonly unknown[]): string {
  // A JSON array of numbers, null and strings whose only escapes are \" and \\ reads the same as an array
  // literal between braces (PostgreSQL takes NULL in any case); anything else is quoted value by value.
  const json = JSON.stringify(values);
  if (!values.some(isObject) && !otherJsonEscape.test(json)) return `{${json.slice(1, -1)}}`;
  return `{${values.map(arrayItem).join(',')}}`;
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

/** A merge that is one statement filling one table. */
export function mergeInto(table: string, sql: string): BulkMerge {
  return { tables: [table], run: (query) => query(sql, []) };
}
