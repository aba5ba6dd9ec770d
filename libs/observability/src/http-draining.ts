import type { Lifecycle } from './lifecycle.js';

interface OnSendHost {
  addHook(name: 'onSend', hook: (request: unknown, reply: { header(name: string, value: string): unknown }, payload: unknown, done: (error: null, payload: unknown) => void) => void): unknown;
}

/**
 * Once draining, every answer says `Connection: close`, so a keep-alive connection that was busy when
 * the server began closing is closed after its last answer instead of idling until its timeout and
 * holding the shutdown up (Fastify closes only the connections idle at that moment, and answers 503
 * to requests arriving on the others).
 */
export function closeConnectionsWhenDraining(fastify: OnSendHost, lifecycle: Lifecycle): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (lifecycle.draining) reply.header('connection', 'close');
    done(null, payload);
  });
}
