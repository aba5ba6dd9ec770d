import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failuresListedMax, runLoyaltyExpiry } from './loyalty-expiry.js';

/**
 * The run against a stand-in for the two APIs on loopback: what it retries, what it gives up on, and how
 * much of a failure it keeps. The real APIs are exercised by test/loyalty-expiry.e2e.spec.ts.
 */
type Answer = (customerId: string, attempt: number) => { status: number; body?: object; headers?: Record<string, string> } | 'hang-up';

async function standIn(customers: string[], answer: Answer): Promise<{ url: string; attempts: Map<string, number>; server: Server }> {
  const attempts = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    if (req.method === 'GET' && url.pathname === '/read/customers') {
      const after = url.searchParams.get('after');
      const limit = Number(url.searchParams.get('limit'));
      const rest = customers.filter((c) => after === null || c > after);
      const page = rest.slice(0, limit);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ customers: page.map((customerId) => ({ customerId })), next: rest.length > limit ? page.at(-1) : null }));
      return;
    }
    const customerId = decodeURIComponent(/^\/customers\/([^/]+)\/loyalty\/expiry$/.exec(url.pathname)![1]!);
    const attempt = (attempts.get(customerId) ?? 0) + 1;
    attempts.set(customerId, attempt);
    const reply = answer(customerId, attempt);
    if (reply === 'hang-up') return void req.socket.destroy();
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(reply.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, attempts, server };
}

const expired = (points: number) => ({ status: 200, body: { pointsExpired: points, tierChanged: null } });
const quick = { backoff: { initialMs: 1, maxMs: 5 }, pageSize: 3 };

describe('loyalty expiry run', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });
  const run = async (customers: string[], answer: Answer, options: Partial<Parameters<typeof runLoyaltyExpiry>[0]> = {}) => {
    const api = await standIn(customers, answer);
    servers.push(api.server);
    const summary = await runLoyaltyExpiry({ ledgerUrl: api.url, readUrl: api.url, bearer: 't', ...quick, ...options });
    return { summary, attempts: api.attempts };
  };

  it('retries transient answers (429 with Retry-After, 503, a dropped connection) and counts the customer once', async () => {
    const transient: Record<string, Array<ReturnType<Answer>>> = {
      'c-1': [{ status: 429, headers: { 'retry-after': '0' } }],
      'c-2': [{ status: 503 }, { status: 502 }],
      'c-3': ['hang-up'],
    };
    const { summary, attempts } = await run(['c-1', 'c-2', 'c-3', 'c-4'], (c, attempt) => transient[c]?.[attempt - 1] ?? expired(10));
    expect(summary).toMatchObject({ reviewed: 4, pointsExpired: 40, failures: 0, failed: [] });
    expect(Object.fromEntries(attempts)).toEqual({ 'c-1': 2, 'c-2': 3, 'c-3': 2, 'c-4': 1 });
  });

  it('does not retry an answer that will not change (400, 403) and gives up on a transient one after attemptsMax tries', async () => {
    const { summary, attempts } = await run(['bad', 'busy', 'ok'], (c) => (c === 'bad' ? { status: 403, body: { reason: 'role_not_allowed' } } : c === 'busy' ? { status: 503 } : expired(5)), { attemptsMax: 3 });
    expect(summary.reviewed).toBe(1);
    expect(summary.failures).toBe(2);
    expect(summary.failed).toEqual(
      expect.arrayContaining([
        { customerId: 'bad', status: 403, body: JSON.stringify({ reason: 'role_not_allowed' }) },
        { customerId: 'busy', status: 503, body: '{}' },
      ]),
    );
    expect(attempts.get('bad')).toBe(1);
    expect(attempts.get('busy')).toBe(3);
  });

  it('counts every failure but names only the first hundred', async () => {
    const customers = Array.from({ length: failuresListedMax + 20 }, (_, i) => `c-${String(i).padStart(4, '0')}`);
    const { summary } = await run(customers, () => ({ status: 500 }), { pageSize: 50 });
    expect(summary.failures).toBe(customers.length);
    expect(summary.failed).toHaveLength(failuresListedMax);
    expect(summary.reviewed).toBe(0);
  });
});
