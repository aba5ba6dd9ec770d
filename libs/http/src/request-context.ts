import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '#auth';
import type { RequestContext } from '#ledger';

/** Correlation ids are taken from the caller when sane, else minted, and stamped on every event. */
export function requestContext(principal: Principal, correlationHeader: string | undefined): RequestContext {
  const correlationId = correlationHeader && /^[\x21-\x7e]{1,128}$/.test(correlationHeader) ? correlationHeader : randomUUID();
  return { principal, correlationId };
}

/** The authenticated caller (set by `AuthGuard`) and the request's correlation id, as the ledger takes them. */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<{ principal?: Principal; headers: Record<string, string | undefined> }>();
  if (!request.principal) throw new Error('Ctx used on a route without AuthGuard');
  return requestContext(request.principal, request.headers['x-correlation-id']);
});
