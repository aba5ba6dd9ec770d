import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEmbeddedEventStore,
  createPostgresEventStore,
  deterministicEventId,
  NO_STREAM,
  START,
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type ReadFrom,
} from '#event-store';
import { LatencyRecorder, runFor, withPeakRss, type BenchRow } from './harness.js';

const WRITERS = 16;

export async function benchEventStores(seconds: number, databaseUrl: string | undefined): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (databaseUrl) rows.push(...(await benchAdapter('postgres', () => createPostgresEventStore({ connectionString: databaseUrl, poolSize: 8 }), seconds)));
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-'));
  try {
    rows.push(...(await benchAdapter('embedded', () => createEmbeddedEventStore({ dataDir: dir }), seconds)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function benchAdapter(adapter: string, open: () => Promise<EventStore>, seconds: number): Promise<BenchRow[]> {
  const store = await open();
  const run = `${adapter}-${Date.now().toString(36)}`;
  try {
    return [await distinctStreams(store, adapter, run, seconds), await sameStream(store, adapter, run, seconds), await catchUp(store, adapter, run)];
  } finally {
    await store.close();
  }
}

function gesture(key: string): EventToAppend {
  return {
    id: deterministicEventId(key),
    type: 'GestureGranted',
    schemaVersion: 1,
    data: { amountMinor: 100, currency: 'USD', employeeId: 'e', customerId: 'c' },
    metadata: { correlationId: key, causationId: null, actor: 'bench', recordedAt: new Date().toISOString() },
  };
}

async function distinctStreams(store: EventStore, adapter: string, run: string, seconds: number): Promise<BenchRow> {
  const latency = new LatencyRecorder();
  let appended = 0;
  const elapsed = await runFor(seconds, WRITERS, async (w, i) => {
    const stream = `bench-${run}-${w}-${i}`;
    await latency.time(() => store.appendToStream(stream, [gesture(stream)], { expectedRevision: NO_STREAM }));
    appended++;
  });
  return { group: 'event store', adapter, scenario: `append 1 event, ${WRITERS} writers, distinct streams`, rate: appended / elapsed, unit: 'events/s', p50Ms: latency.p50Ms, p99Ms: latency.p99Ms };
}

async function sameStream(store: EventStore, adapter: string, run: string, seconds: number): Promise<BenchRow> {
  const stream = `bench-${run}-hot`;
  const latency = new LatencyRecorder();
  let appended = 0;
  let conflicts = 0;
  let known: bigint | typeof NO_STREAM = NO_STREAM;
  const elapsed = await runFor(seconds, WRITERS, async (w, i) => {
    const expected = known;
    try {
      const result = await latency.time(() => store.appendToStream(stream, [gesture(`${stream}-${w}-${i}`)], { expectedRevision: expected }));
      appended++;
      if (known === NO_STREAM || result.nextExpectedRevision > known) known = result.nextExpectedRevision;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      conflicts++;
      if (typeof error.actual === 'bigint' && (known === NO_STREAM || error.actual > known)) known = error.actual;
    }
  });
  return {
    group: 'event store',
    adapter,
    scenario: `append 1 event, ${WRITERS} writers, one stream (expected revision)`,
    rate: appended / elapsed,
    unit: 'appends/s',
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    extra: { conflicts_per_s: Math.round(conflicts / elapsed) },
  };
}

/** Reads the whole log from the start in pages, as a projection rebuild or a new subscriber does. */
async function catchUp(store: EventStore, adapter: string, run: string): Promise<BenchRow> {
  await seed(store, run, 200_000);
  const { result, peakRssMb } = await withPeakRss(async () => {
    const started = performance.now();
    let from: ReadFrom = START;
    let read = 0;
    for (;;) {
      const page = await store.readAll({ from, limit: 5000 });
      if (page.length === 0) break;
      read += page.length;
      from = page[page.length - 1]!.position;
    }
    return { read, seconds: (performance.now() - started) / 1000 };
  });
  return { group: 'event store', adapter, scenario: `catch-up read of the global log (${result.read} events)`, rate: result.read / result.seconds, unit: 'events/s', extra: { peak_rss_mb: peakRssMb } };
}

/** Tops the log up to `total` events with 50-event appends, so the catch-up figure reads a real volume. */
async function seed(store: EventStore, run: string, total: number): Promise<void> {
  let have = 0;
  for (let from: ReadFrom = START; ; ) {
    const page = await store.readAll({ from, limit: 10_000 });
    if (page.length === 0) break;
    have += page.length;
    from = page[page.length - 1]!.position;
  }
  const appends = Math.ceil(Math.max(0, total - have) / 50);
  for (let a = 0; a < appends; a += 16) {
    await Promise.all(
      Array.from({ length: Math.min(16, appends - a) }, (_, k) => {
        const stream = `seed-${run}-${a + k}`;
        return store.appendToStream(stream, Array.from({ length: 50 }, (_, i) => gesture(`${stream}-${i}`)), { expectedRevision: NO_STREAM });
      }),
    );
  }
}
