/**
 * Set-based writes take each batch's rows as ONE json parameter, unpacked by `json_to_recordset`:
 * one round trip per table per batch, and JSON.stringify is far cheaper in Node than `pg`'s array
 * literal encoder for thousands of values.
 */
export function jsonRows(rows: Iterable<object>): string {
  return JSON.stringify(Array.isArray(rows) ? rows : [...rows]);
}

/** A map key from two ids that cannot collide (ids never contain NUL). */
export function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}
