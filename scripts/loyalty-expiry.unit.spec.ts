import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failuresListedMax, runLoyaltyExpiry } from './loyalty-expiry.js';

/**
 * The run against a stand-in for the two APIs on loopback: what it retries, what it gives up on, and how
 * much of a failure it keeps. The real APIs are exercised by test/loyalty-expiry.e2e.spec.ts.
 */
type Answer = (customerId: string, attempt: number) => { status: number; body?: object; headers?: Record<string, string> } | 'hang-up';
/** How the list answers its `request`-th call (from 1) instead of with the page; undefined: with the page. */
type ListAnswer = (request: number) => { status: number } | 'hang-up' | undefined;

async function standIn(customers: string[], answer: Answer, listAnswer: ListAnswer = () => undefined): Promise<{ url: string; attempts: Map<string, number>; server: Server }> {
  const attempts = new Map<string, number>();
  let listRequests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    if (req.method === 'GET' && url.pathname === '/read/customers') {
      const instead = listAnswer(++listRequests);
      if (instead === 'hang-up') return void req.socket.destroy();
      if (instead) return void res.writeHead(instead.status).end();
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
  const run = async (customers: string[], answer: Answer, options: Partial<Parameters<typeof runLoyaltyExpiry>[0]> = {}, listAnswer?: ListAnswer) => {
    const api = await standIn(customers, answer, listAnswer);
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

  it('retries a page of the list that answers transiently (the query API restarting), missing and repeating no customer', async () => {
    const customers = ['c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6', 'c-7'];
    // The second page's first two tries fail: a dropped connection, then 503 while the projector starts.
    const { summary, attempts } = await run(customers, () => expired(1), {}, (request) => (request === 2 ? 'hang-up' : request === 3 ? { status: 503 } : undefined));
    expect(summary).toMatchObject({ reviewed: 7, pointsExpired: 7, failures: 0 });
    expect(Object.fromEntries(attempts)).toEqual(Object.fromEntries(customers.map((c) => [c, 1])));
  });

  it('stops when the list keeps failing, rather than reporting a run over part of the customers as done', async () => {
    await expect(run(['c-1', 'c-2', 'c-3', 'c-4'], () => expired(1), { attemptsMax: 2 }, (request) => (request >= 2 ? { status: 503 } : undefined))).rejects.toThrow(/answered 503/);
  });

  it('counts every failure but names only the first hundred', async () => {
    const customers = Array.from({ length: failuresListedMax + 20 }, (_, i) => `c-${String(i).padStart(4, '0')}`);
    const { summary } = await run(customers, () => ({ status: 500 }), { pageSize: 50 });
    expect(summary.failures).toBe(customers.length);
    expect(summary.failed).toHaveLength(failuresListedMax);
    expect(summary.reviewed).toBe(0);
  });
});
