import { describe, expect, it } from '@jest/globals';
import { EventIdConflictError, InvalidAppendError, WrongExpectedRevisionError } from '../errors.js';
import { deterministicEventId } from '../event-id.js';
import { ANY, NO_STREAM, START, type EventToAppend, type RecordedEvent, type SubscriptionMessage } from '../port.js';
import { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb-event-store.js';
import { FakeEventStoreDb, type FakeEventStoreDbOptions } from './fake-eventstoredb-client.js';

function event(stream: string, n: number): EventToAppend {
  return {
    id: deterministicEventId(`${stream}/${n}`),
    type: 'Tested',
    schemaVersion: 3,
    data: { n },
    metadata: { correlationId: 'c', causationId: null, actor: 'unit', recordedAt: '2026-11-23T12:00:00.000Z' },
  };
}

async function open(serverOptions: FakeEventStoreDbOptions = {}, storeOptions: EventStoreDbEventStoreOptions = {}) {
  const server = new FakeEventStoreDb(serverOptions);
  const store = await EventStoreDbEventStore.open(server.asClient(), storeOptions);
  return { server, store };
}

describe('EventStoreDB adapter, over the in-memory stand-in', () => {
  it('reports START for a log holding only system events', async () => {
    const { store } = await open();
    expect(await store.headPosition()).toBe(START);
    expect(await store.readAll({ from: START, limit: 100 })).toEqual([]);
  });

  it('reports the newest application event as the head, past the system events written after it', async () => {
    const { server, store } = await open();
    let last;
    // The stand-in writes a $statsCollected event after every 7th append, and each append also writes claims.
    for (let i = 0; i < 7; i++) last = await store.appendToStream(`s-${i}`, [event(`s-${i}`, 0)], { expectedRevision: NO_STREAM });
    const { event: newestRecord } = await lastOfAll(server);
    expect(newestRecord.type).toBe('$statsCollected');
    expect(await store.headPosition()).toEqual(last!.position);
  });

  it('keeps claims and other system events out of readAll, and stores the schema version', async () => {
    const { server, store } = await open();
    await store.appendToStream('till-1', [event('till-1', 0), event('till-1', 1)], { expectedRevision: NO_STREAM });
    const everything = await allRecords(server);
    expect(everything.some((r) => r.streamId === `$$gl-event-id-${event('till-1', 0).id}` && r.type === '$metadata')).toBe(true);
    expect(everything.find((r) => r.streamId === 'till-1')?.metadata).toMatchObject({ $schemaVersion: 3 });
    const read = await store.readAll({ from: START, limit: 100 });
    expect(read.map((e) => [e.streamName, e.revision, e.schemaVersion])).toEqual([
      ['till-1', 0n, 3],
      ['till-1', 1n, 3],
    ]);
  });

  it('refuses $-prefixed streams and event types before writing anything', async () => {
    const { server, store } = await open();
    const before = (await allRecords(server)).length;
    await expect(store.appendToStream('$ce-till', [event('x', 0)], { expectedRevision: ANY })).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(store.appendToStream('till', [{ ...event('x', 0), type: '$metadata' }], { expectedRevision: ANY })).rejects.toMatchObject({ field: 'events[0].type' });
    expect((await allRecords(server)).length).toBe(before);
  });

  it('refuses a repeat of stored ids with other content that the server takes as idempotent, past the window the adapter looks back over', async () => {
    const { store } = await open({}, { idempotencyWindowEvents: 1 });
    const stream = 'window-1';
    const original = event(stream, 0);
    await store.appendToStream(stream, [original], { expectedRevision: NO_STREAM });
    await store.appendToStream(stream, [event(stream, 1)], { expectedRevision: 0n });
    const changed = { ...original, data: { n: 99 } };
    const error = await store.appendToStream(stream, [changed], { expectedRevision: NO_STREAM }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventIdConflictError);
    expect(error).toMatchObject({ stream, eventId: original.id, reason: 'different_content' });
    expect((await store.readStream(stream)).map((e) => e.data)).toEqual([{ n: 0 }, { n: 1 }]);
  });

  it('keeps an id claimed by the stream of a failed append: claims are not atomic with the append', async () => {
    const { store } = await open();
    const shared = event('a', 0);
    // The append to `a` fails on its expected revision after its claim was written.
    await expect(store.appendToStream('a', [shared], { expectedRevision: 5n })).rejects.toMatchObject({ actual: 'no_stream' });
    await expect(store.appendToStream('b', [shared], { expectedRevision: ANY })).rejects.toEqual(new EventIdConflictError('b', shared.id, 'other_stream'));
    // `a` keeps the id: its own later append goes through.
    await expect(store.appendToStream('a', [shared], { expectedRevision: NO_STREAM })).resolves.toMatchObject({ nextExpectedRevision: 0n });
  });

  it('reports the actual revision of a refused append with throwOnAppendFailure=false, not the revision the client makes up', async () => {
    // Client 6.2.1's batch append resolves such a refusal with nextExpectedRevision 1n for any existing stream.
    const { store } = await open({ throwOnAppendFailure: false });
    await store.appendToStream('t', [0, 1, 2].map((n) => event('t', n)), { expectedRevision: NO_STREAM });
    const stale = store.appendToStream('t', [event('t', 3)], { expectedRevision: 0n });
    await expect(stale).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await expect(stale).rejects.toMatchObject({ stream: 't', expected: 0n, actual: 2n });
    await expect(store.appendToStream('u', [event('u', 0)], { expectedRevision: 4n })).rejects.toMatchObject({ actual: 'no_stream' });
    // A retry refused the same way is still answered with the original result.
    await expect(store.appendToStream('t', [event('t', 1), event('t', 2)], { expectedRevision: 5n })).resolves.toMatchObject({ nextExpectedRevision: 2n });
  });

  it('hands over every event once and in order when the server falls behind and catches up again', async () => {
    const { store } = await open({}, { subscriptionBufferEvents: 1 });
    const subscription = store.subscribeToAll({ from: START, maxBatchSize: 3 });
    const iterator = subscription[Symbol.asyncIterator]();
    expect(((await iterator.next()).value as SubscriptionMessage).kind).toBe('caught_up');
    // Written while nobody reads: the server falls behind (fellBehind) and catches up later (caughtUp again).
    for (let i = 0; i < 30; i++) await store.appendToStream(`live-${i}`, [event(`live-${i}`, 0)], { expectedRevision: NO_STREAM });
    const seen: RecordedEvent[] = [];
    const kinds: string[] = [];
    while (seen.length < 30) {
      const message = (await iterator.next()).value as SubscriptionMessage;
      kinds.push(message.kind);
      if (message.kind === 'events') seen.push(...message.events);
    }
    await subscription.stop();
    expect(seen.map((e) => e.streamName)).toEqual(Array.from({ length: 30 }, (_, i) => `live-${i}`));
    expect(kinds.filter((kind, i) => kind === 'caught_up' && kinds[i - 1] === 'caught_up')).toEqual([]);
  });

  it('finishes the appends already accepted before it closes', async () => {
    const { store } = await open();
    const pending = store.appendToStream('late', [event('late', 0)], { expectedRevision: NO_STREAM });
    await store.close();
    await expect(pending).resolves.toMatchObject({ nextExpectedRevision: 0n });
    await expect(store.appendToStream('late', [event('late', 1)], { expectedRevision: 0n })).rejects.toThrow(/closed/);
  });
});

type RawRecord = { streamId: string; type: string; metadata: unknown };

async function allRecords(server: FakeEventStoreDb): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  for await (const item of server.readAll()) records.push((item as { event: RawRecord }).event);
  return records;
}

async function lastOfAll(server: FakeEventStoreDb): Promise<{ event: RawRecord }> {
  for await (const item of server.readAll({ fromPosition: 'end', direction: 'backwards', maxCount: 1 })) return item as { event: RawRecord };
  throw new Error('empty log');
}
