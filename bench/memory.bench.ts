import { samplePolicy } from '#domain';
import { createPostgresEventStore, createEmbeddedEventStore, type EventStore } from '#event-store';
import { GestureLedger, type RequestContext } from '#ledger';
import { inParallelCount, withPeakRss, type BenchRow } from './harness.js';

/**
 * What the API keeps in memory stays bounded: 100,000 employees enrolled and making a gesture each,
 * and 1,000,000 customers making a purchase, all through one ledger (the application service the API
 * runs), reporting the process's peak RSS. BENCH_MEMORY_SCALE scales both counts down for a quick look.
 */
export async function benchMemory(databaseUrl: string | undefined): Promise<BenchRow[]> {
  const scale = Number(process.env.BENCH_MEMORY_SCALE ?? 1);
  const employees = Math.round(100_000 * scale);
  const customers = Math.round(1_000_000 * scale);
  const store: EventStore = databaseUrl ? await createPostgresEventStore({ connectionString: databaseUrl }) : await createEmbeddedEventStore({ dataDir: `/tmp/gl-bench-mem-${Date.now()}` });
  const run = Date.now().toString(36);
  const stores = Object.keys(samplePolicy().stores).sort();
  const admin: RequestContext = { principal: { subject: 'bench-admin', roles: ['admin'], storeId: null }, correlationId: `bench-${run}` };
  const till = (s: string): RequestContext => ({ principal: { subject: `till-${s}`, roles: ['pos-system'], storeId: s }, correlationId: `bench-${run}` });
  try {
    const ledger = new GestureLedger(store);
    await ledger.start(samplePolicy());
    const { result, peakRssMb } = await withPeakRss(async () => {
      const started = performance.now();
      await inParallelCount(512, employees, async (i) => {
        const employeeId = `m${run}-e${i}`;
        const home = stores[i % stores.length]!;
        const enrolled = await ledger.allocateBudget({ employeeId, role: 'associate', storeId: home, idempotencyKey: `enrol-${i}` }, admin);
        if (enrolled.kind !== 'ok') throw new Error(`enrolment refused: ${JSON.stringify(enrolled)}`);
        const at = new Date().toISOString();
        const gesture = await ledger.requestGesture(
          { employeeId, customerId: `m${run}-c${(i * 7919) % customers}`, gestureType: 'goodwill_credit', amountMinor: 500, currency: 'USD', channel: 'pos', storeId: home, reasonCode: 'service_failure', note: 'late', occurredAt: at, idempotencyKey: `g-${i}` },
          till(home),
        );
        if (gesture.kind !== 'ok') throw new Error(`gesture refused: ${JSON.stringify(gesture)}`);
      });
      await inParallelCount(512, customers, async (i) => {
        const home = stores[i % stores.length]!;
        const bought = await ledger.recordPurchase({ customerId: `m${run}-c${i}`, purchaseId: `p-${i}`, amountMinor: 2500, currency: 'USD', channel: 'pos', storeId: home, occurredAt: new Date().toISOString() }, till(home));
        if (bought.kind !== 'ok') throw new Error(`purchase refused: ${JSON.stringify(bought)}`);
      });
      return { commands: employees * 2 + customers, seconds: (performance.now() - started) / 1000, cached: ledger.cachedStreams };
    });
    return [
      {
        group: 'memory',
        adapter: databaseUrl ? 'postgres' : 'embedded',
        scenario: `${employees.toLocaleString('en-US')} employees (enrol + gesture), ${customers.toLocaleString('en-US')} customers (purchase), in-process ledger`,
        rate: result.commands / result.seconds,
        unit: 'commands/s',
        extra: { peak_rss_mb: peakRssMb, cached_streams: result.cached, within_300mb: peakRssMb < 300 },
      },
    ];
  } finally {
    await store.close();
  }
}

