import { randomUUID } from 'node:crypto';
import type { Principal } from '#auth';
import type { RequestContext } from '#ledger';

/** Correlation ids are taken from the caller when sane, else minted, and stamped on every event. */
export function requestContext(principal: Principal, correlationHeader: string | undefined): RequestContext {
  const correlationId = correlationHeader && /^[\x21-\x7e]{1,128}$/.test(correlationHeader) ? correlationHeader : randomUUID();
  return { principal, correlationId };
}
