import { ForbiddenException } from '@nestjs/common';
import type { Principal } from '#auth';
import { validationFailed } from '#http';
import { mayReadFinance, QueryParams } from '#projections';

/** Reads the query string with `read`, then answers 400 naming every bad or unknown parameter. */
export function parseQuery<T>(raw: Record<string, unknown> | undefined, read: (params: QueryParams) => T): T {
  const params = new QueryParams(raw ?? {});
  const value = read(params);
  const errors = params.finish();
  if (errors.length > 0) throw validationFailed(errors);
  return value;
}

export function forbidden(reason: string): ForbiddenException {
  return new ForbiddenException({ statusCode: 403, error: 'Forbidden', reason });
}

export function assertFinanceReader(principal: Principal): void {
  const refusal = mayReadFinance(principal);
  if (refusal) throw forbidden(refusal);
}

/** Longest periods per view, in days: bounded so one request cannot ask for an unbounded scan. */
export const periodDaysMax = { journal: 3_660, spend: 3_660, spendByDay: 400, export: 3_660, anomalies: 400, recognition: 3_660 } as const;
