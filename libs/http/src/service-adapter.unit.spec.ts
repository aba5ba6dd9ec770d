import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { createServiceAdapter } from './service-adapter.js';

/** The client address a request carrying `forwardedFor` gets under `trustProxy`, when it reaches the service from 127.0.0.1. */
async function clientAddress(trustProxy: boolean | readonly string[], forwardedFor: string): Promise<string> {
  const fastify = createServiceAdapter({ bodyLimitBytes: 1024, trustProxy }).getInstance();
  fastify.get('/ip', async (request) => request.ip);
  try {
    await fastify.listen({ host: '127.0.0.1', port: 0 });
    const { port } = fastify.server.address() as AddressInfo;
    return await (await fetch(`http://127.0.0.1:${port}/ip`, { headers: { 'x-forwarded-for': forwardedFor } })).text();
  } finally {
    await fastify.close();
  }
}

describe('the client address behind proxies', () => {
  // The client wrote 6.6.6.6 itself; the proxy (here 127.0.0.1) appended the address it saw, 203.0.113.9.
  const spoofed = '6.6.6.6, 203.0.113.9';

  it('is the address the trusted proxy saw, whatever the client put in X-Forwarded-For', async () => {
    expect(await clientAddress(['127.0.0.0/8'], spoofed)).toBe('203.0.113.9');
    expect(await clientAddress(['10.0.0.0/8', 'loopback'], spoofed)).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For from anyone but a trusted proxy, and by default', async () => {
    expect(await clientAddress(['10.0.0.0/8'], spoofed)).toBe('127.0.0.1');
    expect(await clientAddress(false, spoofed)).toBe('127.0.0.1');
  });

  it('believes every hop with true, so the client picks its own address: only where nothing but the proxy reaches the service', async () => {
    expect(await clientAddress(true, spoofed)).toBe('6.6.6.6');
  });
});
