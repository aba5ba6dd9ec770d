import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { EventStoreTimeoutError } from '../errors.js';
import { NO_STREAM, type EventToAppend } from '../port.js';
import { SqlEventStore } from '../sql/sql-event-store.js';
import { withBackend } from '../testing/infra.js';
import { visibleThrough } from '../testing/visible-through.js';
import { createPostgresDriver } from './postgres-driver.js';

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL whose open connections can die silently, as when the
 * server's host vanishes or a NAT drops the flow: bytes stop passing (both ways, or only the answers) while
 * neither end sees a reset or a close. Connections opened afterwards pass, like a new flow would.
 */
async function silenceableProxy(connectionString: string) {
  const target = new URL(connectionString);
  const port = Number(target.port || 5432);
  const socketDir = target.searchParams.get('host');
  const upstreamOf = () => (socketDir?.startsWith('/') ? net.connect({ path: `${socketDir}/.s.PGSQL.${port}` }) : net.connect({ host: target.hostname, port }));
  const links: Array<{ client: net.Socket; server: net.Socket; silent: 'no' | 'both' | 'answers' }> = [];
  let closedByClient = 0;
  const proxy = net.createServer((client) => {
    const link = { client, server: upstreamOf(), silent: 'no' as 'no' | 'both' | 'answers' };
    links.push(link);
    client.on('data', (chunk) => link.silent === 'both' || link.server.write(chunk));
    link.server.on('data', (chunk) => link.silent === 'no' && client.write(chunk));
    client.on('close', () => {
      closedByClient++;
      // A silenced flow tells the server nothing: it would find out much later, if ever.
      if (link.silent === 'no') link.server.destroy();
    });
    link.server.on('close', () => link.silent === 'no' && client.destroy());
    client.on('error', () => undefined);
    link.server.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = new URL(connectionString);
  url.searchParams.delete('host');
  url.hostname = '127.0.0.1';
  url.port = String((proxy.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    /** Connections the driver opened through the proxy so far. */
    get opened() {
      return links.length;
    },
    /** Connections the driver closed itself. */
    get closedByClient() {
      return closedByClient;
    },
    /** From now on nothing passes on the connections open now (`answers`: the queries still reach the server). */
    silence(what: 'both' | 'answers') {
      for (const link of links) link.silent = what;
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.server.destroy();
      }
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

/** How `promise` settled within `ms`, or 'still pending': a hang fails the assertion instead of the test's timeout. */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'still pending'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still pending'>((resolve) => (timer = setTimeout(() => resolve('still pending'), ms)));
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; !condition() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
  return condition();
}

const event = (): EventToAppend => ({ id: randomUUID(), type: 'Noted', schemaVersion: 1, data: {}, metadata: { correlationId: 'dead-connection', causationId: null, actor: 'test', recordedAt: new Date().toISOString() } });

// Far below the default (statement timeout + 5 s), so that the test stays short.
const queryTimeoutMs = 1_000;

withBackend('DATABASE_URL', 'PostgreSQL connection that dies silently', (connectionString) => {
  describe('a PostgreSQL connection that dies silently (no reset, no close)', () => {
    /** A store whose only connection so far goes through the proxy, with one event appended on it. */
    async function storeBehindProxy() {
      const proxy = await silenceableProxy(connectionString);
      const store = await SqlEventStore.open(createPostgresDriver({ connectionString: proxy.url, poolSize: 2, queryTimeoutMs }));
      const stream = `dead-connection-${randomUUID()}`;
      const first = event();
      await store.appendToStream(stream, [first], { expectedRevision: NO_STREAM });
      expect(proxy.opened).toBe(1);
      return { proxy, store, stream, first };
    }

    it.each([
      ['never reached the server: the append was not written', 'both' as const, false],
      ['reached the server but its answer was lost: the append was written', 'answers' as const, true],
    ])('fails the batch on it within the query timeout (the query %s), drops the connection, and the same append retried on a fresh one is stored once', async (_, silenced, written) => {
      const { proxy, store, stream, first } = await storeBehindProxy();
      try {
        proxy.silence(silenced);
        const second = event();
        const started = performance.now();
        const outcome = await settledWithin(store.appendToStream(stream, [second], { expectedRevision: 0n }), 5_000);
        expect(outcome).toEqual({ error: expect.any(EventStoreTimeoutError) });
        expect(performance.now() - started).toBeGreaterThanOrEqual(queryTimeoutMs - 50);
        // Destroyed, not put back in the pool: the next query must not queue behind the lost one.
        expect(await eventually(() => proxy.closedByClient === 1, 2_000)).toBe(true);
        expect((await store.readStream(stream)).map((e) => e.id)).toEqual(written ? [first.id, second.id] : [first.id]);

        // The caller retries with the same event: written now, or found written (same revision either way).
        const retried = await settledWithin(store.appendToStream(stream, [second], { expectedRevision: 0n }), 5_000);
        expect(retried).toEqual({ value: expect.objectContaining({ nextExpectedRevision: 1n }) });
        expect(proxy.opened).toBe(2);
        expect((await store.readStream(stream)).map((e) => e.id)).toEqual([first.id, second.id]);
      } finally {
        // The proxy first: before the fix the append hangs, and closing the store waits for it.
        await proxy.close();
        await store.close();
      }
    }, 20_000);

    it.each([
      ["the pool's (the query timeout)", undefined, queryTimeoutMs],
      ['its own statement timeout and 5 s more', 500, 5_500],
    ])('fails a transaction whose connection goes silent half-way within its deadline, %s, and drops the connection', async (_, statementTimeoutMs, deadlineMs) => {
      const proxy = await silenceableProxy(connectionString);
      const driver = createPostgresDriver({ connectionString: proxy.url, poolSize: 1, queryTimeoutMs });
      try {
        await driver.transaction((query) => query('select 1', []));
        expect(proxy.opened).toBe(1);
        let started = 0;
        const outcome = await settledWithin(
          driver.transaction(
            async (query) => {
              await query('select 1', []);
              proxy.silence('both');
              started = performance.now();
              return query('select 2', []);
            },
            statementTimeoutMs === undefined ? undefined : { statementTimeoutMs },
          ),
          deadlineMs + 3_000,
        );
        expect(outcome).toEqual({ error: expect.any(EventStoreTimeoutError) });
        expect((outcome as { error: EventStoreTimeoutError }).error.timeoutMs).toBe(deadlineMs);
        expect(performance.now() - started).toBeGreaterThanOrEqual(deadlineMs - 50);
        // Destroyed, not put back in the pool (its only connection): the next transaction gets a fresh one.
        expect(await eventually(() => proxy.closedByClient === 1, 2_000)).toBe(true);
        expect(await settledWithin(driver.transaction((query) => query<{ n: number }>('select 3 as n', [])), 5_000)).toEqual({ value: [{ n: 3 }] });
        expect(proxy.opened).toBe(2);
      } finally {
        // The proxy first: before the fix the transaction hangs, and closing the pool waits for it.
        await proxy.close();
        await driver.close();
      }
    }, 20_000);

    it("fails a COPY (a rebuild's bulk load) whose connection goes silent within the pool's deadline, and drops the connection", async () => {
      const proxy = await silenceableProxy(connectionString);
      const driver = createPostgresDriver({ connectionString: proxy.url, poolSize: 1, queryTimeoutMs });
      try {
        await driver.exec('create temporary table if not exists copied (n int)');
        expect(proxy.opened).toBe(1);
        proxy.silence('both');
        const started = performance.now();
        const outcome = await settledWithin(driver.copyIn!('copy pg_temp.copied (n) from stdin', '1\n2\n'), queryTimeoutMs + 3_000);
        expect(outcome).toEqual({ error: expect.any(Error) });
        expect(performance.now() - started).toBeGreaterThanOrEqual(queryTimeoutMs - 50);
        expect(await eventually(() => proxy.closedByClient === 1, 2_000)).toBe(true);
        expect(await settledWithin(driver.query<{ n: number }>('select 3 as n', []), 5_000)).toEqual({ value: [{ n: 3 }] });
        expect(proxy.opened).toBe(2);
      } finally {
        await proxy.close();
        await driver.close();
      }
    }, 20_000);

    it("does not freeze the log's readers for long when a transaction holding a transaction id loses its connection silently: the server ends the session", async () => {
      const proxy = await silenceableProxy(connectionString);
      const driver = createPostgresDriver({ connectionString: proxy.url, poolSize: 1, queryTimeoutMs });
      // Another process's store, on a connection of its own.
      const direct = await SqlEventStore.open(createPostgresDriver({ connectionString, poolSize: 2 }));
      try {
        const outcome = await settledWithin(
          driver.transaction(async (query) => {
            await query('select pg_current_xact_id()', []);
            proxy.silence('both');
            return query('select 2', []);
          }),
          queryTimeoutMs + 3_000,
        );
        expect(outcome).toEqual({ error: expect.any(EventStoreTimeoutError) });
        expect(await eventually(() => proxy.closedByClient === 1, 2_000)).toBe(true);

        // Readers read below the oldest transaction id still running: the lost one's, until the server ends its
        // session (idle in transaction past the query timeout and 5 s), not hours later when its OS gives up.
        const stream = `dead-connection-${randomUUID()}`;
        await direct.appendToStream(stream, [event()], { expectedRevision: NO_STREAM });
        const [appended] = await direct.readStream(stream);
        await expect(visibleThrough(direct, appended!.position, 20_000)).resolves.toBeDefined();
      } finally {
        // The proxy first: it ends the lost session (before the fix, the only thing that would).
        await proxy.close();
        await driver.close();
        await direct.close();
      }
    }, 40_000);

    it("holds a transaction's statements to its own statement timeout, on the server and on the client: a rebuild's merge runs for minutes", async () => {
      const proxy = await silenceableProxy(connectionString);
      const driver = createPostgresDriver({ connectionString: proxy.url, poolSize: 1, queryTimeoutMs });
      try {
        // Longer than the pool's deadline, within the transaction's own.
        const rows = await driver.transaction(
          async (query) => {
            expect(await query('show statement_timeout', [])).toEqual([{ statement_timeout: '10s' }]);
            return query<{ n: number }>('select 1 as n from pg_sleep($1)', [(queryTimeoutMs * 1.5) / 1000]);
          },
          { statementTimeoutMs: 10_000 },
        );
        expect(rows).toEqual([{ n: 1 }]);
        // Shorter: cancelled by the server, which keeps the connection, back at the pool's statement timeout.
        const cancelled = await driver.transaction((query) => query('select pg_sleep(1)', []), { statementTimeoutMs: 200 }).catch((error: unknown) => error);
        expect(cancelled).toMatchObject({ code: '57014' });
        expect(await driver.query('show statement_timeout', [])).toEqual([{ statement_timeout: '30s' }]);
        expect(proxy.opened).toBe(1);
        expect(proxy.closedByClient).toBe(0);
      } finally {
        await proxy.close();
        await driver.close();
      }
    }, 20_000);
  });
});
