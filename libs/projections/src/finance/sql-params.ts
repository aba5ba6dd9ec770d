/**
 * Collects bind parameters while SQL text is assembled, so an optional filter is an absent condition
 * rather than `$n is null or …`: PostgreSQL's generic plans (which prepared statements switch to) cannot
 * see through the latter and scan everything. Each filter combination is its own statement text.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
