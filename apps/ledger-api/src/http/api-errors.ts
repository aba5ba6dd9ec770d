import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from './error-body.dto.js';

const meanings = {
  400: 'bad input: every bad field named in errors, or a refusal about the request itself',
  401: 'no bearer token, or one that is invalid or expired',
  403: 'the caller may not do this; reason says why',
  404: 'no such budget, gesture or customer',
  409: 'refused by the ledger in its current state (reason), or an idempotency key reused for a different request',
  413: 'the body is over the size limit',
  415: 'the body is not JSON (Content-Type application/json)',
  429: 'over the rate limit; Retry-After says when to try again',
  503: 'overloaded or no policy published yet; Retry-After says when to try again',
} as const;

export type ErrorStatus = keyof typeof meanings;

/** Documents the error answers of a route, each with the one error body shape (`ErrorBodyDto`). */
export function ApiErrors(...statuses: ErrorStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: meanings[status], type: ErrorBodyDto })));
}
