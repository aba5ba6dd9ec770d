import pg from 'pg';
import { backoffDelayMs } from '../backoff.js';
import { keepAlive } from './keep-alive.js';

export interface ListenerOptions {
  connectionString: string;
  channel: string;
  onNotify: () => void;
  /** Wait before reconnecting after a failure, doubled (with jitter) up to `retryMaxMs`. */
  retryInitialMs?: number;
  retryMaxMs?: number;
}

/**
 * A LISTEN on a connection of its own (outside the pool, so it never holds a slot that appends need).
 * When the connection fails it is re-established with a bounded backoff, and `onNotify` is called once
 * it listens again: a notification sent while it was away is lost, and the wake-up makes the listener's
 * owner look for itself. Polling stays the safety net; this only makes waking immediate.
 */
export function listen(options: ListenerOptions): () => Promise<void> {
  const retryInitialMs = options.retryInitialMs ?? 250;
  const retryMaxMs = options.retryMaxMs ?? 10_000;
  let stopped = false;
  let client: pg.Client | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let failures = 0;

  const connect = async () => {
    if (stopped) return;
    const next = new pg.Client({ connectionString: options.connectionString, ...keepAlive });
    client = next;
    next.on('notification', (message) => {
      if (message.channel === options.channel) options.onNotify();
    });
    next.on('error', () => reconnect(next));
    next.on('end', () => reconnect(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(options.channel)}`);
      if (failures > 0) options.onNotify();
      failures = 0;
    } catch {
      reconnect(next);
    }
  };

  const reconnect = (failed: pg.Client) => {
    if (stopped || client !== failed) return;
    client = null;
    failed.end().catch(() => undefined);
    retryTimer = setTimeout(() => void connect(), backoffDelayMs(failures++, { initialMs: retryInitialMs, maxMs: retryMaxMs }));
    retryTimer.unref();
  };

  void connect();
  return async () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    const current = client;
    client = null;
    await current?.end().catch(() => undefined);
  };
}
