/**
 * Pins down the behaviour of the real client (@eventstore/db-client 6.2.1) and server (EventStoreDB
 * 23.10+ / KurrentDB) that the in-memory stand-in reproduces, so a change to the stand-in cannot quietly
 * make the adapter's life easier than the real server does. Each test names its source.
 */
import { describe, expect, it } from '@jest/globals';
import { DeadlineExceededError, excludeSystemEvents, jsonEvent, StreamNotFoundError, WrongExpectedVersionError } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import type { Position } from '../position.js';
import { rejection } from '../testing/event-store-contract.js';
import { FakeEventStoreDb } from './fake-eventstoredb-client.js';

type Item = { event: { streamId: string; id: string; type: string; revision: bigint; position: Position } };

const proposed = (n: number, id: string = randomUUID()) => jsonEvent({ id, type: 'Tested', data: { n }, metadata: { m: n } });

async function collect(read: AsyncIterable<unknown>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of read) items.push(item as Item);
  return items;
}

describe('stand-in for @eventstore/db-client: appends', () => {
  it('refuses a stale revision with WrongExpectedVersionError: type, stream, expected, actual (bigint or no_stream)', async () => {
    // CommandError.js WrongExpectedVersionError.fromWrongExpectedVersion, used by batchAppend via unpackError.js.
    const server = new FakeEventStoreDb();
    const missing = await rejection(server.appendToStream('s', [proposed(0)], { expectedRevision: 3n }));
    expect(missing).toBeInstanceOf(WrongExpectedVersionError);
    expect(missing).toMatchObject({ type: 'wrong-expected-version', streamName: 's', expectedVersion: 3n, actualVersion: 'no_stream' });
    await server.appendToStream('s', [proposed(0), proposed(1), proposed(2)], { expectedRevision: 'no_stream' });
    expect(await rejection(server.appendToStream('s', [proposed(3)], { expectedRevision: 'no_stream' }))).toMatchObject({ expectedVersion: 'no_stream', actualVersion: 2n });
    expect(await rejection(server.appendToStream('t', [proposed(3)], { expectedRevision: 'stream_exists' }))).toMatchObject({ actualVersion: 'no_stream' });
  });

  it('with throwOnAppendFailure=false resolves the refusal, with the revision client 6.2.1 computes (1n for any existing stream)', async () => {
    // batchAppend.js:28-29: `BigInt(wrongExpectedVersion.hasCurrentStreamRevision())`.
    const server = new FakeEventStoreDb({ throwOnAppendFailure: false });
    expect(await server.appendToStream('s', [proposed(0)], { expectedRevision: 0n })).toEqual({ success: false, nextExpectedRevision: -1n, position: undefined });
    await server.appendToStream('s', [proposed(0), proposed(1), proposed(2), proposed(3)], { expectedRevision: 'no_stream' });
    expect(await server.appendToStream('s', [proposed(4)], { expectedRevision: 1n })).toEqual({ success: false, nextExpectedRevision: 1n, position: undefined });
  });

  it('answers a repeat at the same revision as idempotent, with the original last revision and no position', async () => {
    // IndexWriter.CheckCommit: expected < current and the same ids follow the expected revision.
    const server = new FakeEventStoreDb();
    const batch = [proposed(0), proposed(1)];
    await server.appendToStream('s', batch, { expectedRevision: 'no_stream' });
    await server.appendToStream('s', [proposed(2)], { expectedRevision: 1n });
    expect(await server.appendToStream('s', batch, { expectedRevision: 'no_stream' })).toEqual({ success: true, nextExpectedRevision: 1n, position: undefined });
    // Ids are compared, never content.
    const changed = batch.map((e) => ({ ...e, data: { other: true } }));
    expect(await server.appendToStream('s', changed, { expectedRevision: 'no_stream' })).toMatchObject({ success: true, nextExpectedRevision: 1n });
    // Other ids at a stale revision: refused.
    expect(await rejection(server.appendToStream('s', [proposed(9)], { expectedRevision: 'no_stream' }))).toMatchObject({ actualVersion: 2n });
    expect(await collect(server.readStream('s'))).toHaveLength(3);
  });

  it('with any: a full repeat is idempotent, new ids are written, and a partial repeat is refused (CorruptedIdempotency)', async () => {
    const server = new FakeEventStoreDb();
    const [a, b, c] = [proposed(0), proposed(1), proposed(2)];
    await server.appendToStream('s', [a, b], { expectedRevision: 'any' });
    expect(await server.appendToStream('s', [a, b], { expectedRevision: 'any' })).toMatchObject({ success: true, nextExpectedRevision: 1n, position: undefined });
    expect(await rejection(server.appendToStream('s', [a, c], { expectedRevision: 'any' }))).toMatchObject({ type: 'wrong-expected-version', actualVersion: 1n });
    // The server checks the first id only to decide "new": a batch starting with a new id is written, repeats and all.
    await server.appendToStream('s', [c, a], { expectedRevision: 'any' });
    expect((await collect(server.readStream('s'))).map((item) => item.event.id)).toEqual([a.id, b.id, c.id, a.id]);
  });

  it('drops a repeat sent before its original is indexed, which then times out with DeadlineExceededError', async () => {
    // IndexWriter.CheckCommit: IdempotentNotReady while the index trails the writer; StorageWriterService drops
    // the write unanswered; Streams.BatchAppend.cs answers Status.Timeout; unpackError.js: DeadlineExceededError.
    for (const expectedRevision of ['no_stream', 'any'] as const) {
      const server = new FakeEventStoreDb({ commitTimeoutMs: 1 });
      const batch = [proposed(0)];
      const [original, repeat] = await Promise.all([
        server.appendToStream('s', batch, { expectedRevision }),
        rejection(server.appendToStream('s', batch, { expectedRevision })),
      ]);
      expect(original).toMatchObject({ success: true, nextExpectedRevision: 0n });
      expect(repeat).toBeInstanceOf(DeadlineExceededError);
      expect(repeat).toMatchObject({ type: 'deadline-exceeded' });
      // Once indexed, the same repeat is answered as idempotent.
      expect(await server.appendToStream('s', batch, { expectedRevision })).toMatchObject({ success: true, nextExpectedRevision: 0n });
      expect(await collect(server.readStream('s'))).toHaveLength(1);
    }
  });

  it('reports the first position of a multi-event write', async () => {
    const server = new FakeEventStoreDb();
    const result = await server.appendToStream('s', [proposed(0), proposed(1)], { expectedRevision: 'no_stream' });
    const stored = await collect(server.readStream('s'));
    expect(result.position).toEqual(stored[0]!.event.position);
    expect(result.position).not.toEqual(stored[1]!.event.position);
  });
});

describe('stand-in for @eventstore/db-client: reads', () => {
  it('fails the read of a missing stream on iteration, with StreamNotFoundError', async () => {
    // ReadStream.js: the server's StreamNotFound message destroys the gRPC stream with StreamNotFoundError.
    const server = new FakeEventStoreDb();
    const read = server.readStream('missing');
    await expect(collect(read)).rejects.toBeInstanceOf(StreamNotFoundError);
    await expect(collect(server.readStream('missing'))).rejects.toMatchObject({ type: 'stream-not-found' });
  });

  it('gives every event commit = prepare = its own offset, the same in $all and stream reads, offsets not consecutive', async () => {
    // StorageWriterService writes each event with PrepareFlags.IsCommitted; ResolvedEvent.CalculatePosition.
    const server = new FakeEventStoreDb();
    await server.appendToStream('s', [proposed(0), proposed(1), proposed(2)], { expectedRevision: 'no_stream' });
    const inStream = (await collect(server.readStream('s'))).map((item) => item.event.position);
    const inAll = (await collect(server.readAll())).filter((item) => item.event.streamId === 's').map((item) => item.event.position);
    expect(inAll).toEqual(inStream);
    for (const p of inStream) expect(p.commit).toBe(p.prepare);
    expect(inStream[1]!.commit - inStream[0]!.commit).toBeGreaterThan(1n);
  });

  it('reads $all forwards from a position including the record at it, and refuses a position with commit < prepare', async () => {
    const server = new FakeEventStoreDb();
    await server.appendToStream('s', [proposed(0), proposed(1)], { expectedRevision: 'no_stream' });
    const all = await collect(server.readAll());
    const from = all[all.length - 1]!.event.position;
    expect((await collect(server.readAll({ fromPosition: from }))).map((item) => item.event.position)).toEqual([from]);
    await expect(collect(server.readAll({ fromPosition: { commit: 1n, prepare: 2n } }))).rejects.toThrow(/commit position cannot be less/);
  });
});

describe('stand-in for @eventstore/db-client: subscriptions', () => {
  it('starts after fromPosition, keeps only what the filter allows, and emits caughtUp as an event', async () => {
    const server = new FakeEventStoreDb();
    await server.appendToStream('s', [proposed(0), proposed(1), proposed(2)], { expectedRevision: 'no_stream' });
    await server.setStreamMetadata('s', { owner: 'x' });
    const ours = (await collect(server.readAll())).filter((item) => item.event.streamId === 's');
    const subscription = server.subscribeToAll({ fromPosition: ours[0]!.event.position, filter: excludeSystemEvents() });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      subscription.on('data', (item: Item) => seen.push(`${item.event.streamId}:${item.event.revision}`));
      subscription.on('caughtUp', () => resolve());
    });
    await subscription.unsubscribe();
    expect(seen).toEqual(['s:1', 's:2']);
  });

  it('says fellBehind when a live reader cannot keep up, and caughtUp again once it has', async () => {
    const server = new FakeEventStoreDb();
    const subscription = server.subscribeToAll({ fromPosition: 'end', filter: excludeSystemEvents() }, { highWaterMark: 1 });
    const signals: string[] = [];
    subscription.on('caughtUp', () => signals.push('caughtUp'));
    subscription.on('fellBehind', () => signals.push('fellBehind'));
    subscription.read();
    await new Promise((resolve) => setImmediate(resolve));
    expect(signals).toEqual(['caughtUp']);
    for (let i = 0; i < 10; i++) await server.appendToStream(`s-${i}`, [proposed(i)], { expectedRevision: 'no_stream' });
    const received: Item[] = [];
    while (received.length < 10) {
      const item = subscription.read() as Item | null;
      if (item) received.push(item);
      else await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setImmediate(resolve));
    await subscription.unsubscribe();
    expect(received.map((item) => item.event.streamId)).toEqual(Array.from({ length: 10 }, (_, i) => `s-${i}`));
    expect(signals).toEqual(['caughtUp', 'fellBehind', 'caughtUp']);
  });
});
