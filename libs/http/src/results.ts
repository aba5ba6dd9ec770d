import { ForbiddenException, HttpException, NotFoundException } from '@nestjs/common';
import type { Result } from '#ledger';

/** Domain refusals that are about the request itself rather than a state conflict. */
const forbiddenRefusals = new Set(['self_approval_forbidden', 'self_reversal_forbidden', 'approver_role_insufficient', 'not_authorized', 'self_allocation_forbidden', 'self_adjustment_forbidden']);
const notFoundRefusals = new Set(['unknown_gesture', 'no_budget']);
const badRequestRefusals = new Set(['invalid_policy', 'approved_amount_invalid', 'invalid_score', 'currency_mismatch']);

/**
 * What a domain refusal is to its caller, whatever the transport: not theirs to ask (`forbidden`), about
 * something that does not exist (`not_found`), a request the domain cannot take as made (`invalid`), or a
 * conflict with the state (`conflict`). HTTP answers 403/404/400/409; Kafka dead-letters by the same verdict.
 */
export function refusalKind(reason: string): 'forbidden' | 'not_found' | 'invalid' | 'conflict' {
  return forbiddenRefusals.has(reason) ? 'forbidden' : notFoundRefusals.has(reason) ? 'not_found' : badRequestRefusals.has(reason) ? 'invalid' : 'conflict';
}

const refusalStatus = { forbidden: 403, not_found: 404, invalid: 400, conflict: 409 } as const;

/** The one place where an application result becomes an HTTP answer. */
export function unwrap<T>(result: Result<T>): T {
  switch (result.kind) {
    case 'ok':
      return result.value;
    case 'forbidden':
      throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', reason: result.reason });
    case 'not_found':
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `${result.what} not found` });
    case 'refused': {
      const status = refusalStatus[refusalKind(result.reason)];
      throw new HttpException({ statusCode: status, error: 'Refused', reason: result.reason, details: result.details }, status);
    }
  }
}
