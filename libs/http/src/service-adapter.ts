import { FastifyAdapter } from '@nestjs/platform-fastify';
import { correlationIdFrom } from './request-context.js';

export interface ServiceAdapterOptions {
  /** Larger bodies are answered 413 before they are parsed. */
  bodyLimitBytes: number;
  /** Whose X-Forwarded-For gives the client address: nobody, every hop, or the proxies at these addresses and ranges. */
  trustProxy: boolean | readonly string[];
}

/** Bounds on the connection itself, so a slow or silent client cannot hold one forever. */
export const connectionLimits = {
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this (above typical load-balancer idle timeouts). */
  keepAliveTimeoutMs: 72_000,
} as const;

/**
 * The Fastify adapter every HTTP service is built on: the request id is the correlation id (the
 * caller's `x-correlation-id` when sane, else a fresh UUID), Fastify gets no logger of its own (one
 * line per request comes from `logRequests`), and while closing it answers 503 to new requests on
 * kept-alive connections and closes idle ones, so a drain ends.
 */
export function createServiceAdapter(options: ServiceAdapterOptions): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes,
    trustProxy: typeof options.trustProxy === 'boolean' ? options.trustProxy : [...options.trustProxy],
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => correlationIdFrom(request.headers['x-correlation-id']),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestTimeout: connectionLimits.requestTimeoutMs,
    keepAliveTimeout: connectionLimits.keepAliveTimeoutMs,
  });
}
