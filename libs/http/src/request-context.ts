import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '#auth';
import type { RequestContext } from '#ledger';

/** Correlation ids are taken from the caller when sane, else minted, and stamped on every event. */
export function correlationIdFrom(correlationHeader: string | string[] | undefined): string {
  return typeof correlationHeader === 'string' && /^[\x21-\x7e]{1,128}$/.test(correlationHeader) ? correlationHeader : randomUUID();
}

export function requestContext(principal: Principal, correlationHeader: string | undefined): RequestContext {
  return { principal, correlationId: correlationIdFrom(correlationHeader) };
}

/**
 * The authenticated caller (set by `AuthGuard`) and the request's correlation id, as the ledger takes
 * them. The id is Fastify's request id, which `createServiceAdapter` derives with `correlationIdFrom`,
 * so the request's log line and its events carry the same one.
 */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<{ id: string; principal?: Principal }>();
  if (!request.principal) throw new Error('Ctx used on a route without AuthGuard');
  return { principal: request.principal, correlationId: request.id };
});
