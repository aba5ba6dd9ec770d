import { isIsoInstant } from '#domain';
import { partyIdPattern, partyIdRule } from '#ledger';
import type { FinancePeriod } from './gesture-lines.js';

export interface ParamError {
  field: string;
  reasons: string[];
}

const dayMs = 86_400_000;

/**
 * Reads a request's query string against what an endpoint accepts: every problem is collected with
 * the parameter's name and reason, and parameters the endpoint does not know are refused too.
 */
export class QueryParams {
  readonly errors: ParamError[] = [];
  private readonly known = new Set<string>();

  constructor(private readonly raw: Readonly<Record<string, unknown>>) {}

  /** An ISO-8601 instant with an offset, normalised to UTC milliseconds. */
  instant(name: string, required: boolean): string | null {
    const text = this.text(name);
    if (text === undefined) {
      if (required) this.fail(name, 'is required (an ISO-8601 instant such as 2025-03-01T00:00:00Z)');
      return null;
    }
    if (!isIsoInstant(text)) return this.fail(name, 'must be an ISO-8601 instant with an offset, of a date and time that exist, such as 2025-03-01T00:00:00Z');
    return new Date(text).toISOString();
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T | null): T | null {
    const text = this.text(name);
    if (text === undefined) {
      if (fallback === null) this.fail(name, `is required: one of ${values.join(', ')}`);
      return fallback;
    }
    return (values as readonly string[]).includes(text) ? (text as T) : this.fail(name, `must be one of ${values.join(', ')}`);
  }

  id(name: string): string | null {
    const text = this.text(name);
    if (text === undefined) return null;
    return partyIdPattern.test(text) ? text : this.fail(name, `must be ${partyIdRule}`);
  }

  integer(name: string, min: number, max: number, fallback: number): number {
    const text = this.text(name);
    if (text === undefined) return fallback;
    const value = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
    return value >= min && value <= max ? value : (this.fail(name, `must be an integer from ${min} to ${max}`) ?? fallback);
  }

  /** `from` (inclusive) and `to` (exclusive), at most `maxDays` apart, and an optional `asOf`. */
  period(maxDays: number): FinancePeriod {
    const from = this.instant('from', true);
    const to = this.instant('to', true);
    const asOf = this.instant('asOf', false);
    if (from !== null && to !== null) {
      const span = Date.parse(to) - Date.parse(from);
      if (span <= 0) this.fail('to', 'must be after from');
      else if (span > maxDays * dayMs) this.fail('to', `must be at most ${maxDays} days after from`);
    }
    return { from: from ?? '', to: to ?? '', asOf };
  }

  /** Call last: refuses any parameter nothing asked for. */
  finish(): ParamError[] {
    for (const name of Object.keys(this.raw)) if (!this.known.has(name)) this.fail(name, 'is not a parameter of this endpoint');
    return this.errors;
  }

  private text(name: string): string | undefined {
    this.known.add(name);
    const value = this.raw[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return this.fail(name, 'must be given once') ?? undefined;
    if (value.length > 128) return this.fail(name, 'must be at most 128 characters') ?? undefined;
    return value;
  }

  private fail(field: string, reason: string): null {
    const known = this.errors.find((e) => e.field === field);
    if (known) known.reasons.push(reason);
    else this.errors.push({ field, reasons: [reason] });
    return null;
  }
}
