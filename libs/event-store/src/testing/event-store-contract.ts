/**
 * The one contract every event store adapter passes. A spec file per adapter calls
 * `eventStoreContract(name, setup)`; a capability an adapter lacks is declared in `setup.features`
 * and changes what a test can demand, never whether the test runs.
 *
 * Tests share one store per file (PGlite takes seconds to start) and never assume an empty log:
 * every test writes streams under its own random prefix and reads the log from the head it saw first.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { EventIdConflictError, InvalidAppendError, WrongExpectedRevisionError } from '../errors.js';
import { deterministicEventId } from '../event-id.js';
import { visibleThrough } from './visible-through.js';
import { waitFor } from './wait-for.js';
import { logPartitionOf } from '../log-partition.js';
import { comparePositions, positionToString, type Position } from '../position.js';
import { ANY, NO_STREAM, START, STREAM_EXISTS, type EventStore, type EventToAppend, type JsonObject, type ReadFrom, type RecordedEvent } from '../port.js';

export interface HeldAppend {
  /** Commits the held transaction. */
  release(): Promise<void>;
}

export interface ContractSetup {
  open(): Promise<EventStore>;
  features: {
    /** Whether writers can commit while another transaction is open (false for single-connection PGlite). */
    concurrentTransactions: boolean;
    /** Appends inside a transaction that stays open until `release` (for the skip-trap test). */
    holdAppendOpen?: (stream: string, events: EventToAppend[]) => Promise<HeldAppend>;
  };
}

export function eventStoreContract(adapter: string, setup: ContractSetup): void {
  describe(`event store contract: ${adapter}`, () => {
    let store: EventStore;
    beforeAll(async () => {
      store = await setup.open();
    }, 60_000);
    afterAll(async () => {
      await store?.close();
    });

    describe('appendToStream and readStream', () => {
      it('appends to a new stream and reads back every field', async () => {
        const stream = newStream();
        const events = [event(stream, 0, { amountMinor: 500, currency: 'USD' }), event(stream, 1)];
        const result = await store.appendToStream(stream, events, { expectedRevision: NO_STREAM });
        expect(result.nextExpectedRevision).toBe(1n);
        const read = await store.readStream(stream);
        expect(read.map((e) => e.revision)).toEqual([0n, 1n]);
        expect(read[0]).toMatchObject({ id: events[0]!.id, type: 'Tested', schemaVersion: 1, data: events[0]!.data, metadata: events[0]!.metadata, streamName: stream });
        expect(comparePositions(read[1]!.position, result.position)).toBe(0);
        expect(comparePositions(read[0]!.position, read[1]!.position)).toBe(-1);
      });

      it('reads back events whose JSON carries every field, the metadata included, as from the log', async () => {
        const stream = newStream();
        const head = await store.headPosition();
        const events = [event(stream, 0, { amountMinor: 700, currency: 'EUR' })];
        const { position } = await store.appendToStream(stream, events, { expectedRevision: NO_STREAM });
        await visibleThrough(store, position);
        const [fromStream] = await store.readStream(stream);
        const [fromLog] = await readOurs(store, head, stream, 1);
        const plain = (e: unknown) => JSON.parse(JSON.stringify(e, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)));
        expect(plain(fromStream)).toEqual({
          id: events[0]!.id,
          type: 'Tested',
          schemaVersion: 1,
          data: events[0]!.data,
          metadata: events[0]!.metadata,
          streamName: stream,
          revision: '0',
          position: { commit: String(fromStream!.position.commit), prepare: String(fromStream!.position.prepare) },
        });
        expect(plain(fromLog)).toEqual(plain(fromStream));
      }, 60_000);

      it('reads a missing stream as empty and honours fromRevision', async () => {
        const stream = newStream();
        expect(await store.readStream(stream)).toEqual([]);
        await store.appendToStream(stream, [0, 1, 2, 3].map((i) => event(stream, i)), { expectedRevision: NO_STREAM });
        expect((await store.readStream(stream, { fromRevision: 2n })).map((e) => e.revision)).toEqual([2n, 3n]);
        expect((await store.readStream(stream, { fromRevision: 1n, maxCount: 2 })).map((e) => e.revision)).toEqual([1n, 2n]);
      });

      it('reads the last event of a stream, and null for a missing stream or one whose first append was refused', async () => {
        const stream = newStream();
        expect(await store.readLastEvent(stream)).toBeNull();
        await rejection(store.appendToStream(stream, [event(stream, 0)], { expectedRevision: 3n }));
        expect(await store.readLastEvent(stream)).toBeNull();
        await store.appendToStream(stream, [0, 1, 2].map((i) => event(stream, i)), { expectedRevision: NO_STREAM });
        const appended = await store.appendToStream(stream, [event(stream, 3, { last: true })], { expectedRevision: 2n });
        const last = await store.readLastEvent(stream);
        expect(last).toMatchObject({ streamName: stream, revision: 3n, data: { last: true } });
        expect(comparePositions(last!.position, appended.position)).toBe(0);
      });

      it('reads an event by its id within its stream, and null for an id of another stream, an id never appended or one that is no UUID', async () => {
        const stream = newStream();
        const other = newStream();
        const events = [0, 1, 2].map((i) => event(stream, i));
        await store.appendToStream(stream, events, { expectedRevision: NO_STREAM });
        await store.appendToStream(other, [event(other, 0)], { expectedRevision: NO_STREAM });
        const found = await store.readEvent(stream, events[1]!.id);
        expect(found).toMatchObject({ id: events[1]!.id, streamName: stream, revision: 1n, type: events[1]!.type, data: events[1]!.data });
        expect(found).toEqual((await store.readStream(stream))[1]);
        expect(await store.readEvent(other, events[1]!.id)).toBeNull();
        expect(await store.readEvent(stream, randomUUID())).toBeNull();
        expect(await store.readEvent(newStream(), events[0]!.id)).toBeNull();
        expect(await store.readEvent(stream, 'not-a-uuid')).toBeNull();
      });

      it('accepts an exact expected revision and refuses a stale one with stream, expected and actual', async () => {
        const stream = newStream();
        await store.appendToStream(stream, [event(stream, 0)], { expectedRevision: NO_STREAM });
        await store.appendToStream(stream, [event(stream, 1)], { expectedRevision: 0n });
        const error = await rejection(store.appendToStream(stream, [event(stream, 2)], { expectedRevision: 0n }));
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ stream, expected: 0n, actual: 1n });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('reports actual "no_stream" when the stream is missing', async () => {
        const stream = newStream();
        expect(await rejection(store.appendToStream(stream, [event(stream, 0)], { expectedRevision: 3n }))).toMatchObject({ actual: 'no_stream', expected: 3n });
        expect(await rejection(store.appendToStream(stream, [event(stream, 0)], { expectedRevision: STREAM_EXISTS }))).toMatchObject({ actual: 'no_stream', expected: STREAM_EXISTS });
        expect(await store.readStream(stream)).toEqual([]);
      });

      it('refuses no_stream on an existing stream, and accepts any and stream_exists', async () => {
        const stream = newStream();
        await store.appendToStream(stream, [event(stream, 0)], { expectedRevision: ANY });
        expect(await rejection(store.appendToStream(stream, [event(stream, 1)], { expectedRevision: NO_STREAM }))).toMatchObject({ actual: 0n });
        await store.appendToStream(stream, [event(stream, 1)], { expectedRevision: STREAM_EXISTS });
        const last = await store.appendToStream(stream, [event(stream, 2)], { expectedRevision: ANY });
        expect(last.nextExpectedRevision).toBe(2n);
      });
    });

    describe('idempotency', () => {
      it('returns the original result for a repeated append and writes nothing, even after the stream moved on', async () => {
        const stream = newStream();
        const first = [event(stream, 0), event(stream, 1)];
        const original = await store.appendToStream(stream, first, { expectedRevision: NO_STREAM });
        await store.appendToStream(stream, [event(stream, 2)], { expectedRevision: 1n });
        const retried = await store.appendToStream(stream, first, { expectedRevision: NO_STREAM });
        expect(retried.nextExpectedRevision).toBe(original.nextExpectedRevision);
        expect(comparePositions(retried.position, original.position)).toBe(0);
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it('treats the same id with other content as a conflict, never an overwrite', async () => {
        const stream = newStream();
        const original = event(stream, 0, { amountMinor: 100 });
        await store.appendToStream(stream, [original], { expectedRevision: NO_STREAM });
        const changed = { ...original, data: { amountMinor: 999 } };
        const error = await rejection(store.appendToStream(stream, [changed], { expectedRevision: ANY }));
        expect(error).toBeInstanceOf(EventIdConflictError);
        expect(error).toMatchObject({ stream, eventId: original.id });
        expect((await store.readStream(stream)).map((e) => e.data)).toEqual([{ n: 0, amountMinor: 100 }]);
      });

      it('treats an id already used in another stream as a conflict', async () => {
        const a = newStream();
        const b = newStream();
        const shared = event(a, 0);
        await store.appendToStream(a, [shared], { expectedRevision: NO_STREAM });
        expect(await rejection(store.appendToStream(b, [shared], { expectedRevision: ANY }))).toBeInstanceOf(EventIdConflictError);
        expect(await store.readStream(b)).toEqual([]);
      });

      it('treats an id already used in another stream as a conflict whatever the expected revision, failing no other append', async () => {
        const a = newStream();
        const shared = event(a, 0);
        await store.appendToStream(a, [shared], { expectedRevision: NO_STREAM });
        const fresh = newStream();
        const existing = newStream();
        await store.appendToStream(existing, [event(existing, 0)], { expectedRevision: NO_STREAM });
        const bystanders = Array.from({ length: 4 }, () => newStream());
        // Sent together, so that adapters which commit appends in groups put them in one.
        const [onFresh, onExisting, ...others] = await Promise.all([
          rejection(store.appendToStream(fresh, [event(fresh, 0), shared], { expectedRevision: NO_STREAM })),
          rejection(store.appendToStream(existing, [shared], { expectedRevision: 0n })),
          ...bystanders.map((s) => store.appendToStream(s, [event(s, 0)], { expectedRevision: NO_STREAM })),
        ]);
        expect(onFresh).toBeInstanceOf(EventIdConflictError);
        expect(onFresh).toMatchObject({ stream: fresh, eventId: shared.id });
        expect(onExisting).toBeInstanceOf(EventIdConflictError);
        expect(others.map((r) => r.nextExpectedRevision)).toEqual(bystanders.map(() => 0n));
        expect(await store.readStream(fresh)).toEqual([]);
        expect(await store.readStream(existing)).toHaveLength(1);
        // The refused first append left no stream behind: the stream can still be created.
        expect((await store.appendToStream(fresh, [event(fresh, 0)], { expectedRevision: NO_STREAM })).nextExpectedRevision).toBe(0n);
      });

      it('treats an id already used in another stream as a conflict when the append goes alone, at no_stream or an exact revision', async () => {
        const a = newStream();
        const shared = event(a, 0);
        await store.appendToStream(a, [shared], { expectedRevision: NO_STREAM });
        // Each awaited before the next is sent: an adapter that commits appends in groups sends each as a group of one.
        const fresh = newStream();
        const onFresh = await rejection(store.appendToStream(fresh, [shared], { expectedRevision: NO_STREAM }));
        expect(onFresh).toBeInstanceOf(EventIdConflictError);
        expect(onFresh).toMatchObject({ stream: fresh, eventId: shared.id });
        const existing = newStream();
        await store.appendToStream(existing, [event(existing, 0)], { expectedRevision: NO_STREAM });
        const onExisting = await rejection(store.appendToStream(existing, [shared], { expectedRevision: 0n }));
        expect(onExisting).toBeInstanceOf(EventIdConflictError);
        expect(onExisting).toMatchObject({ stream: existing, eventId: shared.id });
        expect(await store.readStream(fresh)).toEqual([]);
        expect(await store.readStream(existing)).toHaveLength(1);
      });

      it.each([['no_stream', NO_STREAM] as const, ['any', ANY] as const])('settles concurrent retries of one append at %s to one write, each given its result', async (_, expectedRevision) => {
        const stream = newStream();
        const events = [event(stream, 0)];
        const results = await Promise.all(Array.from({ length: 8 }, () => store.appendToStream(stream, events, { expectedRevision }).catch((e: unknown) => e)));
        expect(results.filter((r) => r instanceof Error)).toEqual([]);
        const [stored, ...more] = await store.readStream(stream);
        expect(more).toEqual([]);
        for (const result of results as Array<{ nextExpectedRevision: bigint; position: Position }>) {
          expect(result.nextExpectedRevision).toBe(0n);
          expect(positionToString(result.position)).toBe(positionToString(stored!.position));
        }
      });
    });

    describe('bad input', () => {
      const cases: Array<[string, (stream: string) => [string, unknown, unknown], string]> = [
        ['an empty stream name', (s) => ['', [event(s, 0)], ANY], 'stream'],
        ['an empty event list', (s) => [s, [], ANY], 'events'],
        ['a bigint in the payload', (s) => [s, [{ ...event(s, 0), data: { amount: 5n } }], ANY], 'events[0].data.amount'],
        ['NaN in the payload', (s) => [s, [{ ...event(s, 0), data: { amount: NaN } }], ANY], 'events[0].data.amount'],
        ['a Date in the payload', (s) => [s, [{ ...event(s, 0), data: { at: new Date() } }], ANY], 'events[0].data.at'],
        ['a function in the payload', (s) => [s, [{ ...event(s, 0), data: { f: () => 1 } }], ANY], 'events[0].data.f'],
        ['an unknown expected revision', (s) => [s, [event(s, 0)], 'latest'], 'expectedRevision'],
        ['a negative expected revision', (s) => [s, [event(s, 0)], -1n], 'expectedRevision'],
        ['a number instead of a bigint revision', (s) => [s, [event(s, 0)], 3], 'expectedRevision'],
        ['an id that is not a UUID', (s) => [s, [{ ...event(s, 0), id: 'k-1' }], ANY], 'events[0].id'],
        // Text PostgreSQL's jsonb cannot hold; every adapter refuses it alike.
        ['a NUL character in a string', (s) => [s, [{ ...event(s, 0), data: { why: { note: 'a\u0000b' } } }], ANY], 'events[0].data.why.note'],
        ['an unpaired surrogate in a string', (s) => [s, [{ ...event(s, 0), data: { note: 'a\ud800b' } }], ANY], 'events[0].data.note'],
        ['a NUL character in a key', (s) => [s, [{ ...event(s, 0), metadata: { 'a\u0000': 1 } }], ANY], 'events[0].metadata."a\\u0000"'],
      ];
      it.each(cases)('rejects %s with a typed error naming the field, and writes nothing', async (_, build, field) => {
        const stream = newStream();
        const [name, events, expectedRevision] = build(stream);
        const error = await rejection(store.appendToStream(name, events as EventToAppend[], { expectedRevision } as never));
        expect(error).toBeInstanceOf(InvalidAppendError);
        expect((error as InvalidAppendError).field).toBe(field);
        expect(await store.readStream(stream)).toEqual([]);
      });

      it('writes none of an append whose later event is bad', async () => {
        const stream = newStream();
        const error = await rejection(store.appendToStream(stream, [event(stream, 0), { ...event(stream, 1), data: { cyclic: 1n } as never }], { expectedRevision: ANY }));
        expect(error).toBeInstanceOf(InvalidAppendError);
        expect(await store.readStream(stream)).toEqual([]);
      });
    });

    describe('concurrency and group commit', () => {
      it('appends from 16 concurrent writers on distinct streams, each once, in one global order', async () => {
        const prefix = newStream();
        const head = await store.headPosition();
        let last = head;
        await Promise.all(
          Array.from({ length: 16 }, async (_, w) => {
            for (let i = 0; i < 20; i++) {
              const { position } = await store.appendToStream(`${prefix}-${w}`, [event(`${prefix}-${w}`, i)], { expectedRevision: i === 0 ? NO_STREAM : BigInt(i - 1) });
              if (last === START || comparePositions(position, last) > 0) last = position;
            }
          }),
        );
        await visibleThrough(store, last);
        const seen = await readOurs(store, head, prefix, 320);
        expect(seen).toHaveLength(320);
        expect(new Set(seen.map((e) => e.id)).size).toBe(320);
        for (let w = 0; w < 16; w++) {
          expect(seen.filter((e) => e.streamName === `${prefix}-${w}`).map((e) => e.revision)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
        }
      }, 60_000);

      it('lets one stale append in a concurrent burst fail alone', async () => {
        const stale = newStream();
        await store.appendToStream(stale, [event(stale, 0)], { expectedRevision: NO_STREAM });
        const others = Array.from({ length: 30 }, () => newStream());
        const outcomes = await Promise.allSettled([
          ...others.map((s) => store.appendToStream(s, [event(s, 0)], { expectedRevision: NO_STREAM })),
          store.appendToStream(stale, [event(stale, 1)], { expectedRevision: 5n }),
        ]);
        expect(outcomes.slice(0, 30).every((o) => o.status === 'fulfilled')).toBe(true);
        expect(outcomes[30]).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedRevisionError) });
      });

      it('keeps one stream consistent under 16 contending writers: contiguous revisions, conflicts typed', async () => {
        const stream = newStream();
        let conflicts = 0;
        const perWriter = 10;
        await Promise.all(
          Array.from({ length: 16 }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) {
              for (let attempt = 0; ; attempt++) {
                const current = await store.readStream(stream);
                const expected = current.length === 0 ? NO_STREAM : current[current.length - 1]!.revision;
                try {
                  await store.appendToStream(stream, [event(stream, w * 1000 + i)], { expectedRevision: expected });
                  break;
                } catch (error) {
                  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
                  conflicts++;
                  if (attempt > 500) throw error;
                }
              }
            }
          }),
        );
        const read = await store.readStream(stream);
        expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 16 * perWriter }, (_, i) => BigInt(i)));
        expect(new Set(read.map((e) => e.id)).size).toBe(16 * perWriter);
        // The 16 writers read the empty stream before any of them appends: the race was run, not avoided.
        expect(conflicts).toBeGreaterThan(0);
      }, 60_000);
    });

    describe('readAll and subscribeToAll', () => {
      it('pages through the log in global order from a checkpoint, each event exactly once', async () => {
        const prefix = newStream();
        const head = await store.headPosition();
        let last = head;
        for (let i = 0; i < 25; i++) last = (await store.appendToStream(`${prefix}-${i % 3}`, [event(prefix, i)], { expectedRevision: ANY })).position;
        await visibleThrough(store, last);
        const pages: RecordedEvent[] = [];
        let from: ReadFrom = head;
        for (;;) {
          const page = await store.readAll({ from, limit: 4 });
          if (page.length === 0) break;
          pages.push(...page);
          from = page[page.length - 1]!.position;
        }
        const ours = pages.filter((e) => e.streamName.startsWith(prefix));
        expect(ours.map((e) => (e.data as { n: number }).n)).toEqual(Array.from({ length: 25 }, (_, i) => i));
        for (let i = 1; i < pages.length; i++) expect(comparePositions(pages[i - 1]!.position, pages[i]!.position)).toBe(-1);
      }, 60_000);

      it('catches up, says so, goes live, and resumes after its checkpoint', async () => {
        const prefix = newStream();
        const head = await store.headPosition();
        for (let i = 0; i < 5; i++) await store.appendToStream(`${prefix}-a`, [event(prefix, i)], { expectedRevision: ANY });
        const subscription = store.subscribeToAll({ from: head, maxBatchSize: 2 });
        const seen: RecordedEvent[] = [];
        let caughtUp = false;
        let checkpoint: ReadFrom = head;
        let wroteLive = false;
        let live: ReadFrom = head;
        for await (const message of subscription) {
          if (message.kind === 'caught_up') {
            caughtUp = true;
            if (!wroteLive) {
              wroteLive = true;
              for (let i = 5; i < 8; i++) live = (await store.appendToStream(`${prefix}-a`, [event(prefix, i)], { expectedRevision: ANY })).position;
            }
            continue;
          }
          expect(message.events.length).toBeLessThanOrEqual(2);
          seen.push(...message.events.filter((e) => e.streamName.startsWith(prefix)));
          checkpoint = message.checkpoint;
          if (seen.length >= 6) break;
        }
        await subscription.stop();
        expect(caughtUp).toBe(true);
        const numbers = (events: RecordedEvent[]) => events.map((e) => (e.data as { n: number }).n);
        expect(numbers(seen)).toEqual(Array.from({ length: seen.length }, (_, i) => i));
        await visibleThrough(store, live);
        const resumed = await readOurs(store, checkpoint, prefix, 8 - seen.length);
        expect(numbers(resumed)).toEqual(Array.from({ length: 8 - seen.length }, (_, i) => seen.length + i));
      }, 60_000);

      it('never lets a subscriber skip an event whose transaction commits after later ones (the skip trap)', async () => {
        const prefix = newStream();
        const head = await store.headPosition();
        const received: RecordedEvent[] = [];
        const subscription = store.subscribeToAll({ from: head, maxBatchSize: 7 });
        const consuming = (async () => {
          for await (const message of subscription) {
            if (message.kind === 'events') received.push(...message.events.filter((e) => e.streamName.startsWith(prefix)));
          }
        })();
        const writers = 12;
        const perWriter = 10;
        const heldStream = `${prefix}-held`;
        const hold = setup.features.holdAppendOpen;
        const held = hold ? await hold(heldStream, [event(heldStream, -1)]) : undefined;
        const writing = Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) await store.appendToStream(`${prefix}-${w}`, [event(prefix, w * 100 + i)], { expectedRevision: ANY });
          }),
        );
        if (held && setup.features.concurrentTransactions) {
          // The later writers have committed while the earlier transaction is still open: the trap is set.
          await writing;
          await sleep(100);
          expect(received.some((e) => e.streamName === heldStream)).toBe(false);
          await held.release();
        } else {
          await sleep(100);
          await held?.release();
          await writing;
        }
        const expected = writers * perWriter + (held ? 1 : 0);
        await waitFor(() => received.length >= expected, 20_000);
        await sleep(100);
        await subscription.stop();
        await consuming;
        expect(received).toHaveLength(expected);
        expect(new Set(received.map((e) => e.id)).size).toBe(expected);
        if (held) expect(received.filter((e) => e.streamName === heldStream)).toHaveLength(1);
        for (let i = 1; i < received.length; i++) expect(comparePositions(received[i - 1]!.position, received[i]!.position)).toBe(-1);
      }, 60_000);

      it('cuts the log into shares by stream: together every event once, each share in log order, a stream in one share', async () => {
        const prefix = newStream();
        const head = await store.headPosition();
        const streams = streamsOverEveryShare(prefix, 3);
        let last = head;
        for (let i = 0; i < 24; i++) last = (await store.appendToStream(streams[i % streams.length]!, [event(prefix, i)], { expectedRevision: ANY })).position;
        await visibleThrough(store, last);
        const shares = await Promise.all(
          [0, 1, 2].map(async (index) => {
            const read: RecordedEvent[] = [];
            let from: ReadFrom = head;
            for (;;) {
              const page = await store.readAll({ from, limit: 3, partition: { count: 3, index } });
              if (page.length === 0) break;
              read.push(...page);
              from = page[page.length - 1]!.position;
            }
            return read;
          }),
        );
        for (const [index, share] of shares.entries()) {
          for (const e of share) expect({ stream: e.streamName, share: logPartitionOf(e.streamName, 3) }).toEqual({ stream: e.streamName, share: index });
          for (let i = 1; i < share.length; i++) expect(comparePositions(share[i - 1]!.position, share[i]!.position)).toBe(-1);
          expect(share.filter((e) => e.streamName.startsWith(prefix)).length).toBeGreaterThan(0);
        }
        const numbers = shares.flat().filter((e) => e.streamName.startsWith(prefix)).map((e) => (e.data as { n: number }).n);
        expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
        expect(await rejection(store.readAll({ from: head, limit: 3, partition: { count: 3, index: 3 } }))).toBeInstanceOf(RangeError);
        expect(await rejection(store.readAll({ from: head, limit: 3, partition: { count: 0, index: 0 } }))).toBeInstanceOf(RangeError);
      }, 60_000);

      it('follows one share of the log: its events only, in log order, live after catching up', async () => {
        const prefix = newStream();
        const head = await store.headPosition();
        const streams = streamsOverEveryShare(prefix, 2);
        const mine = (stream: string) => logPartitionOf(stream, 2) === 1;
        for (let i = 0; i < 10; i++) await store.appendToStream(streams[i % streams.length]!, [event(prefix, i)], { expectedRevision: ANY });
        const expected = (upTo: number) => Array.from({ length: upTo }, (_, i) => i).filter((i) => mine(streams[i % streams.length]!));
        const subscription = store.subscribeToAll({ from: head, maxBatchSize: 2, partition: { count: 2, index: 1 } });
        const seen: RecordedEvent[] = [];
        let wroteLive = false;
        for await (const message of subscription) {
          if (message.kind === 'caught_up') {
            if (!wroteLive) {
              wroteLive = true;
              for (let i = 10; i < 16; i++) await store.appendToStream(streams[i % streams.length]!, [event(prefix, i)], { expectedRevision: ANY });
            }
            continue;
          }
          for (const e of message.events) expect(logPartitionOf(e.streamName, 2)).toBe(1);
          seen.push(...message.events.filter((e) => e.streamName.startsWith(prefix)));
          if (seen.length >= expected(16).length) break;
        }
        await subscription.stop();
        expect(seen.map((e) => (e.data as { n: number }).n)).toEqual(expected(16));
      }, 30_000);

      it('reports the head of the log as the position of the newest event', async () => {
        const stream = newStream();
        const result = await store.appendToStream(stream, [event(stream, 0)], { expectedRevision: NO_STREAM });
        // The head is the newest event readers may see: on PostgreSQL, once every older transaction of the cluster ended.
        const head = await visibleThrough(store, result.position);
        expect(head).not.toBe('start');
        expect(comparePositions(head as never, result.position)).toBeGreaterThanOrEqual(0);
        expect(positionToString(head as never)).toMatch(/^\d+\/\d+$/);
      }, 60_000);
    });
  });
}

/** At least six stream names under `prefix`, covering every one of `count` shares of the log. */
function streamsOverEveryShare(prefix: string, count: number): string[] {
  const streams: string[] = [];
  for (let k = 0; streams.length < 6 || new Set(streams.map((s) => logPartitionOf(s, count))).size < count; k++) streams.push(`${prefix}-${k}`);
  return streams;
}

function newStream(): string {
  return `contract-${randomUUID().slice(0, 12)}`;
}

function event(stream: string, n: number, data: JsonObject = {}): EventToAppend {
  return {
    id: deterministicEventId(`${stream}/${n}`),
    type: 'Tested',
    schemaVersion: 1,
    data: { n, ...data },
    metadata: { correlationId: `corr-${stream}`, causationId: null, actor: 'contract-suite', recordedAt: '2026-11-23T12:00:00.000Z' },
  };
}

/** Reads the log from `from` until `want` events of `prefix` came or the log ends (wait for `visibleThrough` first). */
async function readOurs(store: EventStore, from: ReadFrom, prefix: string, want: number): Promise<RecordedEvent[]> {
  const ours: RecordedEvent[] = [];
  let cursor = from;
  for (let guard = 0; guard < 10_000 && ours.length < want; guard++) {
    const page = await store.readAll({ from: cursor, limit: 500 });
    if (page.length === 0) break;
    ours.push(...page.filter((e) => e.streamName.startsWith(prefix)));
    cursor = page[page.length - 1]!.position;
  }
  return ours;
}

/** The error `promise` rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be refused, but it succeeded');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

