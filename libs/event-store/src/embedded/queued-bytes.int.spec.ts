import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { EventStoreOverloadedError } from '../errors.js';
import { NO_STREAM, type EventStore, type EventToAppend } from '../port.js';
import { createEmbeddedEventStore } from './index.js';

/** The embedded store shares the SQL store's group commit: its queue is bounded by bytes as well as by count. */
describe('embedded (PGlite) event store under a burst of large appends', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await createEmbeddedEventStore({ dataDir: 'memory://', groupCommit: { queuedBytesMax: 25_000 } });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });

  // ~10 kB of JSON each: the first three fill the queue past 25 kB, well under the 50,000 appends it counts.
  const large = (): EventToAppend => ({ id: randomUUID(), type: 'Noted', schemaVersion: 1, data: { text: 'x'.repeat(10_000) }, metadata: { correlationId: 'queued-bytes', causationId: null, actor: 'test', recordedAt: new Date().toISOString() } });

  it('refuses appends once the queued ones hold the bytes allowed, writes nothing of them, and takes them once the queue has drained', async () => {
    const streams = Array.from({ length: 6 }, () => `queued-bytes-${randomUUID()}`);
    const events = streams.map(() => large());
    // Submitted in one turn of the event loop: all wait in the queue until the first batch leaves.
    const outcomes = await Promise.allSettled(streams.map((s, i) => store.appendToStream(s, [events[i]!], { expectedRevision: NO_STREAM })));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
    for (const o of outcomes.slice(3)) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreOverloadedError);
    expect(await Promise.all(streams.map(async (s) => (await store.readStream(s)).length))).toEqual([1, 1, 1, 0, 0, 0]);

    await Promise.all(streams.slice(3).map((s, i) => store.appendToStream(s, [events[3 + i]!], { expectedRevision: NO_STREAM })));
    expect(await Promise.all(streams.map(async (s) => (await store.readStream(s)).map((e) => e.id)))).toEqual(events.map((e) => [e.id]));
  }, 30_000);
});
