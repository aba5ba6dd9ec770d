import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createEmbeddedEventStore, type EventStore, type RecordedEvent } from '#event-store';
import { StreamBusyError, StreamCommandProcessor, type StreamModel } from './stream-command-processor.js';
import { stateCache } from './state-cache.js';

/** A wallet that must never go below zero: the smallest model with an invariant worth racing for. */
type WalletEvent = { type: 'Debited' | 'Refused'; schemaVersion: 1; data: { amount: number; key: string } };
type WalletState = { balance: number; seen: Set<string> };
type Debit = { key: string; amount: number };

const wallet: StreamModel<WalletState, Debit, WalletEvent, string> = {
  initialState: () => ({ balance: 100, seen: new Set() }),
  evolve: (s, e) => ({ balance: e.type === 'Debited' ? s.balance - e.data.amount : s.balance, seen: new Set(s.seen).add(e.data.key) }),
  decide: (c, s) => {
    // A look at the balance: decides nothing, appends nothing.
    if (c.amount === 0) return { events: [], outcome: (after) => `balance ${after.balance}` };
    if (s.seen.has(c.key)) return { events: [], outcome: () => 'repeat' };
    const ok = s.balance >= c.amount;
    return { events: [{ type: ok ? 'Debited' : 'Refused', schemaVersion: 1, data: { amount: c.amount, key: c.key } }], outcome: () => (ok ? 'debited' : 'refused') };
  },
  fromRecorded: (r: RecordedEvent) => ({ type: r.type as WalletEvent['type'], schemaVersion: 1, data: r.data as WalletEvent['data'] }),
};

const envelope = (key: string, amount: number) => ({
  command: { key, amount },
  idempotencyKey: key,
  metadata: { correlationId: key, causationId: null, actor: 'test', recordedAt: '2026-11-23T10:00:00.000Z' },
});

describe('StreamCommandProcessor', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await createEmbeddedEventStore({ dataDir: 'memory://' });
  }, 60_000);
  afterAll(() => store.close());

  it('decides concurrent commands for one stream in order on the evolving state, never overspending, in few appends', async () => {
    const processor = new StreamCommandProcessor(store, wallet);
    const stream = `wallet-${randomUUID()}`;
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => processor.handle(stream, envelope(`${stream}-${i}`, 3))));
    expect(outcomes.filter((o) => o === 'debited')).toHaveLength(33);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(7);
    const events = await store.readStream(stream);
    expect(events).toHaveLength(40);
    const appends = new Set(events.map((e) => `${e.position.commit}`));
    expect(appends.size).toBeLessThan(10);
    expect((await processor.current(stream)).balance).toBe(1);
  });

  it('appends none of a command whose events cannot all be folded (a decider and evolve at odds), and the rest of its batch', async () => {
    // Debits of 13 decide two events; evolve refuses the second, as an assertion in a real fold would.
    const twoStep: typeof wallet = {
      ...wallet,
      decide: (c, s) => (c.amount === 13 ? { events: [{ type: 'Debited', schemaVersion: 1, data: { amount: 1, key: c.key } }, { type: 'Debited', schemaVersion: 1, data: { amount: 12, key: `${c.key}/2` } }], outcome: () => 'debited' } : wallet.decide(c, s)),
      evolve: (s, e) => {
        if (e.data.key.endsWith('/2')) throw new Error('cannot fold the second event');
        return wallet.evolve(s, e);
      },
    };
    const processor = new StreamCommandProcessor(store, twoStep);
    const stream = `wallet-${randomUUID()}`;
    const [broken, fine] = await Promise.allSettled([processor.handle(stream, envelope(`${stream}-broken`, 13)), processor.handle(stream, envelope(`${stream}-fine`, 5))]);
    expect(broken.status).toBe('rejected');
    expect(fine).toEqual({ status: 'fulfilled', value: 'debited' });
    expect((await store.readStream(stream)).map((e) => e.data)).toEqual([{ amount: 5, key: `${stream}-fine` }]);
  });

  it('answers a retried command with its first outcome and appends nothing', async () => {
    const processor = new StreamCommandProcessor(store, wallet);
    const stream = `wallet-${randomUUID()}`;
    expect(await processor.handle(stream, envelope('k1', 10))).toBe('debited');
    expect(await processor.handle(stream, envelope('k1', 10))).toBe('repeat');
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('reloads and decides again when another process wrote to the stream meanwhile', async () => {
    const stream = `wallet-${randomUUID()}`;
    const here = new StreamCommandProcessor(store, wallet);
    const elsewhere = new StreamCommandProcessor(store, wallet);
    await here.handle(stream, envelope('a', 60));
    await elsewhere.handle(stream, envelope('b', 30));
    // `here` still caches balance 40; the store says 10, so this debit must be refused, not overspent.
    expect(await here.handle(stream, envelope('c', 20))).toBe('refused');
    expect((await here.current(stream)).balance).toBe(10);
    const parallel = await Promise.all([here.handle(stream, envelope('d', 10)), elsewhere.handle(stream, envelope('e', 10))]);
    expect(parallel.filter((o) => o === 'debited')).toHaveLength(1);
    const debited = (await store.readStream(stream)).filter((e) => e.type === 'Debited').reduce((sum, e) => sum + (e.data.amount as number), 0);
    expect(debited).toBe(100);
  });

  it('brings a state another process moved on up to date before answering without an append, or showing it', async () => {
    // The embedded database is one process's; this store stands for a server that replicas share.
    const shared: EventStore = {
      appendToStream: store.appendToStream.bind(store),
      readStream: store.readStream.bind(store),
      readLastEvent: store.readLastEvent.bind(store),
      readEvent: store.readEvent.bind(store),
      readAll: store.readAll.bind(store),
      subscribeToAll: store.subscribeToAll.bind(store),
      headPosition: store.headPosition.bind(store),
      sharedWithOtherProcesses: true,
      close: store.close.bind(store),
    };
    const stream = `wallet-${randomUUID()}`;
    const here = new StreamCommandProcessor(shared, wallet);
    const elsewhere = new StreamCommandProcessor(shared, wallet);
    await here.handle(stream, envelope(`${stream}-a`, 60));
    await elsewhere.handle(stream, envelope(`${stream}-b`, 30));
    // `here` caches balance 40; nothing it appends would find out that the store says 10.
    expect(await here.handle(stream, envelope(`${stream}-look`, 0))).toBe('balance 10');
    await elsewhere.handle(stream, envelope(`${stream}-c`, 5));
    expect((await here.current(stream)).balance).toBe(5);
    expect((await store.readStream(stream)).map((e) => e.data.key)).toEqual([`${stream}-a`, `${stream}-b`, `${stream}-c`]);
  });

  it('fails only the command whose events the store refuses, not those batched with it', async () => {
    const processor = new StreamCommandProcessor(store, wallet);
    const stream = `wallet-${randomUUID()}`;
    const first = processor.handle(stream, envelope(`${stream}-a`, 10));
    // Queued behind the first append, so decided together and written in one append.
    const batched = [`${stream}-b`, `${stream}-bad\u0000`, `${stream}-c`].map((key) => processor.handle(stream, envelope(key, 10)));
    expect(await first).toBe('debited');
    const settled = await Promise.allSettled(batched);
    expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).name))).toEqual(['debited', 'InvalidAppendError', 'debited']);
    expect((await store.readStream(stream)).map((e) => e.data.key)).toEqual([`${stream}-a`, `${stream}-b`, `${stream}-c`]);
    expect((await processor.current(stream)).balance).toBe(70);
  });

  it('refuses at once when a stream has too many commands queued', async () => {
    const processor = new StreamCommandProcessor(store, wallet, { queuedCommandsPerStreamMax: 5 });
    const stream = `wallet-${randomUUID()}`;
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => processor.handle(stream, envelope(`${stream}-${i}`, 1))));
    expect(results.some((r) => r.status === 'rejected' && r.reason instanceof StreamBusyError)).toBe(true);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(5);
  });

  it('keeps no more stream states than its limit', async () => {
    const processor = new StreamCommandProcessor(store, wallet, {}, undefined, stateCache({ cachedStreamsMax: 3, cachedWeightMax: 1_000 }));
    for (let i = 0; i < 10; i++) await processor.handle(`wallet-${randomUUID()}`, envelope(`k-${i}`, 1));
    expect(processor.cachedStreams).toBe(3);
  });

  it('keeps the states of processors sharing a cache within its weight together, each weighed by its own model', async () => {
    // A wallet weighs a unit per debit it remembers: ten debits, ten units.
    const heavy = { ...wallet, weigh: (s: WalletState) => s.seen.size };
    const light = { ...wallet, weigh: () => 1 };
    const shared = stateCache({ cachedStreamsMax: 100, cachedWeightMax: 25 });
    const wallets = new StreamCommandProcessor(store, heavy, {}, undefined, shared);
    const purses = new StreamCommandProcessor(store, light, {}, undefined, shared);
    const rich = `wallet-${randomUUID()}`;
    for (let i = 0; i < 10; i++) await wallets.handle(rich, envelope(`${rich}-${i}`, 1));
    expect(shared.weight).toBe(10);
    for (let i = 0; i < 15; i++) await purses.handle(`purse-${randomUUID()}`, envelope(`p-${i}`, 1));
    expect(shared.weight).toBe(25);
    // One more purse passes the bound: the least recently used state goes, and that is the heavy wallet.
    await purses.handle(`purse-${randomUUID()}`, envelope('p-last', 1));
    expect(shared.weight).toBe(16);
    expect(purses.cachedStreams).toBe(16);
    // Evicted is not forgotten: the wallet is read back from the store with its history.
    expect(await wallets.handle(rich, envelope(`${rich}-0`, 1))).toBe('repeat');
  });
});
