import { ForbiddenException, HttpException, NotFoundException } from '@nestjs/common';
import type { Result } from '#ledger';

/** Domain refusals that are about the request itself rather than a state conflict. */
const forbiddenRefusals = new Set(['self_approval_forbidden', 'approver_role_insufficient', 'not_authorized', 'self_allocation_forbidden', 'self_adjustment_forbidden']);
const notFoundRefusals = new Set(['unknown_gesture', 'no_budget']);
const badRequestRefusals = new Set(['invalid_policy', 'approved_amount_invalid', 'invalid_score', 'currency_mismatch']);

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
      const status = forbiddenRefusals.has(result.reason) ? 403 : notFoundRefusals.has(result.reason) ? 404 : badRequestRefusals.has(result.reason) ? 400 : 409;
      throw new HttpException({ statusCode: status, error: 'Refused', reason: result.reason, details: result.details }, status);
    }
  }
}
