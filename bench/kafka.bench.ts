import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mintToken } from '#auth';
import { loadKafkaSettings, type KafkaSettings } from '#config';
import { samplePolicy } from '#domain';
import { comparePositions, createPostgresEventStore, positionToString, type EventStore, type Position, type ReadFrom } from '#event-store';
import { GestureLedger, gestureIdFor, type RequestContext } from '#ledger';
import { createKafka, installFastProduceEncoding, KafkaPublisher, KafkaTopicAdmin, SqlCheckpointStore, topicSpecs, toCloudEventMessage, type MessagePublisher, type OutgoingRecord, type TopicMessages } from '#messaging';
import { createPostgresDriver } from '#event-store';
import { CrmRelay } from '../apps/crm-relay/src/crm-relay.js';
import { spawnLedgerApi } from './api-server.js';
import { inParallel, inParallelCount, LatencyRecorder, postJson, profiled, round, serviceNodeFlags, type BenchRow } from './harness.js';
import { runLoad } from './http-load.js';

const jwt = { hs256Secret: 'bench-secret-bench-secret-bench-secret-01', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const storeId = 'nyc-fifth-ave';
const admin: RequestContext = { principal: { subject: 'bench-admin', roles: ['admin'], storeId: null }, correlationId: 'bench' };
/** BENCH_FAST_PRODUCE=false measures kafkajs' own Produce encoding (set for the whole run: the install is per process). */
const fastProduceEncoding = process.env.BENCH_FAST_PRODUCE !== 'false';

/**
 * Kafka in and out, on the real broker:
 * - relay throughput: a pre-seeded log (BENCH_KAFKA_EVENTS, 100,000 by default) to acknowledged writes,
 *   against Kafka's own ProducerPerformance run in the same run with the same record count and size;
 * - end to end: POST /gestures (ledger-api process) → event consumable from the topic (relay process),
 *   paced at 1,000 gestures/s, p50/p99;
 * - inbound: frontline actions consumed and applied by ledger-api, messages/s.
 */
export async function benchKafka(seconds: number, databaseUrl: string | undefined): Promise<BenchRow[]> {
  if (!databaseUrl) {
    console.error('kafka bench: needs DATABASE_URL (the relay and the API share a PostgreSQL event store); skipped');
    return [];
  }
  const brokers = process.env.KAFKA_BROKERS || execFileSync('bash', ['deploy/local/kafka.sh', 'start'], { encoding: 'utf8' }).match(/KAFKA_BROKERS=(\S+)/)![1]!;
  const run = `b${Date.now().toString(36)}`;
  const settings = loadKafkaSettings({
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_EVENTS: `bench.${run}.events`,
    KAFKA_TOPIC_CUSTOMER_LOYALTY: `bench.${run}.loyalty`,
    KAFKA_TOPIC_EMPLOYEE_DISCRETION: `bench.${run}.discretion`,
    KAFKA_TOPIC_ACTIONS: `bench.${run}.actions`,
    KAFKA_TOPIC_ACTIONS_DLQ: `bench.${run}.actions.dlq`,
    KAFKA_ACTIONS_GROUP_ID: `bench.${run}.ledger`,
    CRM_RELAY_NAME: `bench-${run}`,
  });
  const kafka = createKafka({ brokers: settings.brokers, clientId: `bench-${run}`, logLevel: 'nothing', fastProduceEncoding });
  const rows: BenchRow[] = [];
  try {
    const measured = (row: BenchRow) => {
      console.error(`kafka bench: ${row.scenario}: ${row.rate} ${row.unit}${row.p99Ms === undefined ? '' : ` p50 ${row.p50Ms} ms p99 ${row.p99Ms} ms`} ${JSON.stringify(row.extra ?? {})}`);
      rows.push(row);
    };
    const scenarios = (process.env.BENCH_KAFKA_SCENARIOS ?? 'relay,e2e,inbound').split(',');
    if (scenarios.includes('relay')) (await relayThroughput(settings, databaseUrl, run)).forEach(measured);
    if (scenarios.includes('e2e')) measured(await endToEnd(settings, databaseUrl, run, seconds));
    if (scenarios.includes('inbound')) measured(await inbound(settings, databaseUrl, run));
  } finally {
    const a = kafka.admin();
    await a.connect();
    await a.deleteTopics({ topics: [...Object.values(settings.topics), `bench.${run}.perf`] }).catch(() => undefined);
    await a.disconnect();
  }
  return rows;
}

async function seed(store: EventStore, run: string, events: number): Promise<void> {
  const ledger = new GestureLedger(store);
  await ledger.start(samplePolicy());
  const employees = Array.from({ length: 2_000 }, (_, i) => `${run}-e${i}`);
  await inParallel(64, employees, (employeeId) => ledger.allocateBudget({ employeeId, role: 'associate', storeId, allowanceOverrideMinor: 500_000_000, idempotencyKey: `enrol-${employeeId}` }, admin));
  const gestures = Math.max(0, events - employees.length);
  await inParallelCount(64, gestures, (i) => {
    const employeeId = employees[i % employees.length]!;
    return ledger.requestGesture({ employeeId, customerId: `${run}-c${i % 100_000}`, gestureType: 'goodwill_credit', amountMinor: 100 + (i % 400), currency: 'USD', channel: 'pos', storeId, reasonCode: 'service_failure', note: 'late delivery', occurredAt: new Date().toISOString(), idempotencyKey: `${run}-${i}` }, { principal: { subject: employeeId, roles: ['associate'], storeId }, correlationId: 'bench' });
  });
}

async function relayThroughput(settings: KafkaSettings, databaseUrl: string, run: string): Promise<BenchRow[]> {
  const events = Number(process.env.BENCH_KAFKA_EVENTS ?? 100_000);
  const store = await createPostgresEventStore({ connectionString: databaseUrl });
  const start = await store.headPosition();
  await seed(store, run, events);
  const head = (await store.headPosition()) as Position;
  const checkpoints = await SqlCheckpointStore.open(createPostgresDriver({ connectionString: databaseUrl, poolSize: 2 }));
  // Positioned as a previous owner would have left it; the lease is released for the relay to claim.
  await checkpoints.claim(settings.relayName);
  await checkpoints.save(settings.relayName, start);
  await checkpoints.release(settings.relayName);
  // The size of an event's own record (key, value, headers), as the relay sends it.
  const sample = await store.readAll({ from: start, limit: 1_000 });
  const eventRecordBytes = Math.round(sample.map((e) => toCloudEventMessage(e, settings.eventSource)).reduce((s, m) => s + recordSize(m), 0) / sample.length);
  const kafka = createKafka({ brokers: settings.brokers, clientId: `bench-relay-${run}`, fastProduceEncoding });
  const publisher = countingBytes(new KafkaPublisher(kafka));
  const relay = new CrmRelay(store, publisher, new KafkaTopicAdmin(kafka), checkpoints, { name: settings.relayName, source: settings.eventSource, topics: settings.topics, topicSpecs: topicSpecs(settings).relay, log: () => undefined, ...(process.env.BENCH_RELAY_BATCH ? { batchEventsMax: Number(process.env.BENCH_RELAY_BATCH) } : {}) });
  await new KafkaTopicAdmin(kafka).ensureTopics(topicSpecs(settings).relay);
  const encoding = fastProduceEncoding ? installFastProduceEncoding() : { encoded: 0, fellBack: 0 };
  const encodedBefore = { ...encoding };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await profiled('relay', async () => {
    relay.start();
    await relay.until(head, 600_000);
  });
  const elapsedS = (performance.now() - started) / 1000;
  // CPU per event of this process (the relay alone runs in it now): comparable across runs on a busy machine.
  const cpu = process.cpuUsage(cpuBefore);
  await relay.stop();
  await publisher.close();
  await checkpoints.close();
  await store.close();
  const published = relay.stats.eventsPublished;
  const records = relay.stats.recordsPublished;
  // The ceiling writes what the relay wrote: as many records (events' and states'), each of their mean size.
  const recordBytes = Math.round(publisher.bytes / records);
  const perf = JSON.parse(
    execFileSync('bash', ['deploy/local/kafka.sh', 'perf'], { encoding: 'utf8', env: { ...process.env, KAFKA_PORT: settings.brokers[0]!.split(':')[1]!, PERF_TOPIC: `bench.${run}.perf`, PERF_RECORDS: String(records), PERF_RECORD_SIZE: String(recordBytes) } }).trim().split('\n').pop()!,
  ) as { records_per_s: number; p99_ms: number };
  const rate = published / elapsedS;
  const recordsPerS = records / elapsedS;
  const shardCount = Number(process.env.BENCH_RELAY_SHARDS ?? 2);
  const shards = shardCount > 1 ? await shardedRelay(settings, databaseUrl, run, start, head, shardCount) : null;
  return [
    {
      group: 'kafka',
      adapter: 'postgres',
      scenario: `relay: log → acked Kafka writes (${published.toLocaleString('en-US')} events, ${records.toLocaleString('en-US')} records)`,
      rate: round(rate),
      unit: 'events/s',
      // ratio: records/s against the ceiling's records/s (same count, same mean size); eventsRatio: events/s against it.
      extra: { recordsPerS: round(recordsPerS), recordsPerEvent: round(records / published), recordBytes, eventRecordBytes, ceiling: perf.records_per_s, ratio: round(recordsPerS / perf.records_per_s), eventsRatio: round(rate / perf.records_per_s), batches: relay.stats.batchesPublished, fastEncodedRequests: encoding.encoded - encodedBefore.encoded, kafkajsEncodedRequests: encoding.fellBack - encodedBefore.fellBack, cpuUsPerEvent: round((cpu.user + cpu.system) / published) },
    },
    ...(shards
      ? [{ group: 'kafka', adapter: 'postgres', scenario: `relay, ${shardCount} shards side by side (a process each): the same log → acked Kafka writes`, rate: round(shards.events / shards.seconds), unit: 'events/s', extra: { recordsPerS: round(shards.records / shards.seconds), ceiling: perf.records_per_s, ratio: round(shards.records / shards.seconds / perf.records_per_s), eventsRatio: round(shards.events / shards.seconds / perf.records_per_s), eventsPerShard: shards.eventsPerShard.join('/'), cpuUsPerEvent: round(shards.cpuUs / shards.events) } }]
      : []),
    { group: 'kafka', adapter: 'broker', scenario: `ceiling: ProducerPerformance acks=all idempotent, the relay's record count and mean size`, rate: perf.records_per_s, unit: 'records/s', p99Ms: perf.p99_ms, extra: { records, recordBytes } },
  ];
}

/**
 * The same log published again by `count` relay shards, each in a process of its own (bench/relay-shard.main.ts),
 * from the checkpoint the single relay was given: each shard starts there (it has none of its own yet), and
 * all start on one signal once connected. Timed from that signal to the last shard's last acknowledged batch.
 */
/** The bytes of a record as the broker stores them, near enough: key, value, header names and values. */
function recordSize(m: OutgoingRecord): number {
  const bytes = (v: string | Buffer | null) => (v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);
  let size = bytes(m.key) + bytes(m.value);
  for (const [name, value] of Object.entries(m.headers)) size += Buffer.byteLength(name) + (Array.isArray(value) ? value.reduce((s, v) => s + bytes(v), 0) : bytes(value));
  return size;
}

/** `publisher`, counting in `bytes` the bytes (`recordSize`) of the records it got acknowledged. */
function countingBytes(publisher: KafkaPublisher): MessagePublisher & { bytes: number } {
  const counting = {
    bytes: 0,
    async publish(batches: Array<TopicMessages<OutgoingRecord>>) {
      await publisher.publish(batches);
      for (const batch of batches) for (const m of batch.messages) counting.bytes += recordSize(m);
    },
    fence: (writerId: string) => publisher.fence(writerId),
    fenceOthers: (writerIds: readonly string[]) => publisher.fenceOthers(writerIds),
    close: () => publisher.close(),
  };
  return counting;
}

async function shardedRelay(settings: KafkaSettings, databaseUrl: string, run: string, start: ReadFrom, head: Position, count: number): Promise<{ events: number; records: number; seconds: number; cpuUs: number; eventsPerShard: number[] }> {
  const name = `${settings.relayName}-sharded`;
  const store = await createPostgresEventStore({ connectionString: databaseUrl });
  const checkpoints = await SqlCheckpointStore.open(createPostgresDriver({ connectionString: databaseUrl, poolSize: 1 }));
  await checkpoints.claim(name);
  await checkpoints.save(name, start);
  await checkpoints.release(name);
  await checkpoints.close();
  // Each shard is done at the last event of its share up to the head.
  const targets: Position[] = [];
  for (let index = 0; index < count; index++) {
    let last: Position | null = null;
    for (let from: ReadFrom = start; ; ) {
      const page = await store.readAll({ from, limit: 10_000, partition: { count, index } });
      const within = page.filter((e) => comparePositions(e.position, head) <= 0);
      if (within.length > 0) last = within[within.length - 1]!.position;
      if (page.length < 10_000 || within.length < page.length) break;
      from = page[page.length - 1]!.position;
    }
    if (last === null) throw new Error(`relay shard ${index}/${count} has no event to publish`);
    targets.push(last);
  }
  await store.close();
  const env = { ...process.env, EVENT_STORE: 'postgres', DATABASE_URL: databaseUrl, KAFKA_BROKERS: settings.brokers.join(','), KAFKA_TOPIC_EVENTS: settings.topics.events, KAFKA_TOPIC_CUSTOMER_LOYALTY: settings.topics.customerLoyalty, KAFKA_TOPIC_EMPLOYEE_DISCRETION: settings.topics.employeeDiscretion, CRM_RELAY_NAME: name, KAFKA_CLIENT_ID: `bench-${run}` };
  const children = targets.map((target, index) => spawn(process.execPath, [...serviceNodeFlags, 'dist/bench/relay-shard.main.js', positionToString(target)], { env: { ...env, CRM_RELAY_SHARD: `${index}/${count}` }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  try {
    const message = (child: ChildProcess, kind: string) =>
      new Promise<Record<string, number>>((resolve, reject) => {
        child.on('message', (m: { kind: string }) => m.kind === kind && resolve(m as unknown as Record<string, number>));
        child.once('exit', (code) => reject(new Error(`relay shard exited with ${code} before '${kind}'`)));
      });
    await Promise.all(children.map((child) => message(child, 'ready')));
    const done = children.map((child) => message(child, 'done'));
    const goAt = performance.timeOrigin + performance.now();
    for (const child of children) child.send('go');
    const reports = await Promise.all(done);
    return {
      events: reports.reduce((sum, r) => sum + r.events!, 0),
      records: reports.reduce((sum, r) => sum + r.records!, 0),
      seconds: (Math.max(...reports.map((r) => r.at!)) - goAt) / 1000,
      cpuUs: reports.reduce((sum, r) => sum + r.cpuUs!, 0),
      eventsPerShard: reports.map((r) => r.events!),
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  }
}

async function endToEnd(settings: KafkaSettings, databaseUrl: string, run: string, seconds: number): Promise<BenchRow> {
  const ratePerS = 1_000;
  const env = { JWT_SECRET: jwt.hs256Secret, SEED_SAMPLE_POLICY: 'true', NODE_ENV: 'production', EXPIRE_ESCALATIONS: 'false', EVENT_STORE: 'postgres', DATABASE_URL: databaseUrl, KAFKA_BROKERS: settings.brokers.join(','), KAFKA_CONSUME_ACTIONS: 'false', KAFKA_TOPIC_EVENTS: settings.topics.events, KAFKA_TOPIC_CUSTOMER_LOYALTY: settings.topics.customerLoyalty, KAFKA_TOPIC_EMPLOYEE_DISCRETION: settings.topics.employeeDiscretion, CRM_RELAY_NAME: settings.relayName, RATE_LIMIT_REQUESTS: '10000000', OPERATIONS_PORT: '0' };
  // The relay starts at the head of the log: the latency measured is of live events, not of a backlog.
  const headStore = await createPostgresEventStore({ connectionString: databaseUrl });
  const checkpoints = await SqlCheckpointStore.open(createPostgresDriver({ connectionString: databaseUrl, poolSize: 1 }));
  await checkpoints.claim(settings.relayName);
  await checkpoints.save(settings.relayName, await headStore.headPosition());
  await checkpoints.release(settings.relayName);
  await checkpoints.close();
  await headStore.close();
  const api = await spawnLedgerApi(env, 3991);
  const relay = spawn(process.execPath, [...serviceNodeFlags, 'dist/apps/crm-relay/src/main.js'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const kafka = createKafka({ brokers: settings.brokers, clientId: `bench-e2e-${run}`, fastProduceEncoding });
  let consumer: ChildProcess | null = null;
  // Send times as absolute milliseconds (time origin + now): the consumer's process reports the same.
  const sentAt = new Map<string, number>();
  const latency = new LatencyRecorder();
  let received = 0;
  let joined = false;
  const onConsumerMessage = (message: { kind: 'joined' } | { kind: 'consumed'; at: number; gestureIds: string[] }) => {
    if (message.kind === 'joined') joined = true;
    else
      for (const gestureId of message.gestureIds) {
        const t0 = sentAt.get(gestureId);
        if (t0 === undefined) continue;
        latency.record((message.at - t0) * 1e6);
        sentAt.delete(gestureId);
        received++;
      }
  };
  try {
    const employees = Array.from({ length: 200 }, (_, i) => `${run}-l${i}`);
    const adminToken = await mintToken(jwt, { sub: 'bench-admin', roles: ['admin'] });
    const till = await mintToken(jwt, { sub: 'bench-till', roles: ['pos-system'], store: storeId });
    await inParallel(16, employees, (employeeId) => postJson(api.url, '/budgets', adminToken, { employeeId, role: 'associate', storeId, allowanceOverrideMinor: 500_000_000, idempotencyKey: `enrol-${employeeId}` }));
    await new KafkaTopicAdmin(kafka).ensureTopics(topicSpecs(settings).relay);
    consumer = spawn(process.execPath, ['dist/bench/e2e-consumer.main.js', settings.brokers.join(','), settings.topics.events, `bench-${run}-e2e`], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    consumer.on('message', onConsumerMessage);
    for (const deadline = Date.now() + 30_000; !joined; ) {
      if (Date.now() > deadline || consumer.exitCode !== null) throw new Error('e2e consumer did not join its group');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2_000)); // partitions assigned, relay caught up with the enrolments
    // Paced by the benchmark's own HTTP client (as the API benchmark is); each request's send time is noted as it is built.
    let seq = 0;
    const started = performance.now();
    const load = await runLoad({
      url: api.url,
      connections: 32,
      seconds,
      ratePerS,
      next: (sentAtMs) => {
        const i = seq++;
        const employeeId = employees[i % employees.length]!;
        const idempotencyKey = `${run}-e2e-${i}`;
        sentAt.set(gestureIdFor(employeeId, idempotencyKey), performance.timeOrigin + sentAtMs);
        return {
          method: 'POST',
          path: '/gestures',
          bearer: till,
          body: JSON.stringify({ employeeId, customerId: `${run}-c${i}`, gestureType: 'goodwill_credit', amountMinor: 100, currency: 'USD', channel: 'pos', storeId, reasonCode: 'service_failure', note: 'late delivery', occurredAt: new Date().toISOString(), idempotencyKey }),
        };
      },
    });
    const total = load.ok;
    const deadline = Date.now() + 30_000;
    while (received < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const elapsedS = (performance.now() - started) / 1000;
    return { group: 'kafka', adapter: 'postgres', scenario: `end to end: POST /gestures → consumable from the topic, paced ${ratePerS}/s`, rate: round(received / elapsedS), unit: 'gestures/s', p50Ms: latency.p50Ms, p99Ms: latency.p99Ms, extra: { sent: total, received, httpP50Ms: load.p50Ms, httpP99Ms: load.p99Ms, non2xx: load.non2xx, clientCpuUsPerRequest: load.clientCpuUsPerRequest } };
  } finally {
    consumer?.kill('SIGTERM');
    relay.kill('SIGTERM');
    await api.stop();
  }
}

async function inbound(settings: KafkaSettings, databaseUrl: string, run: string): Promise<BenchRow> {
  const messages = Number(process.env.BENCH_KAFKA_ACTIONS ?? 20_000);
  const env = { JWT_SECRET: jwt.hs256Secret, SEED_SAMPLE_POLICY: 'true', NODE_ENV: 'production', EXPIRE_ESCALATIONS: 'false', EVENT_STORE: 'postgres', DATABASE_URL: databaseUrl, KAFKA_BROKERS: settings.brokers.join(','), KAFKA_TOPIC_ACTIONS: settings.topics.actions, KAFKA_TOPIC_ACTIONS_DLQ: settings.topics.actionsDeadLetter, KAFKA_ACTIONS_GROUP_ID: settings.actionsGroupId };
  const api = await spawnLedgerApi(env, 3992);
  const kafka = createKafka({ brokers: settings.brokers, clientId: `bench-inbound-${run}`, fastProduceEncoding });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const a = kafka.admin();
  try {
    const employees = Array.from({ length: 500 }, (_, i) => `${run}-i${i}`);
    const adminToken = await mintToken(jwt, { sub: 'bench-admin', roles: ['admin'] });
    const till = `Bearer ${await mintToken(jwt, { sub: 'bench-till', roles: ['pos-system'], store: storeId })}`;
    await inParallel(16, employees, (employeeId) => postJson(api.url, '/budgets', adminToken, { employeeId, role: 'associate', storeId, allowanceOverrideMinor: 500_000_000, idempotencyKey: `enrol-${employeeId}` }));
    await a.connect();
    for (let stable = false, deadline = Date.now() + 30_000; !stable && Date.now() < deadline; ) {
      stable = (await a.describeGroups([settings.actionsGroupId])).groups[0]?.state === 'Stable';
      if (!stable) await new Promise((r) => setTimeout(r, 200));
    }
    await producer.connect();
    const started = performance.now();
    for (let i = 0; i < messages; i += 1_000) {
      await producer.send({
        topic: settings.topics.actions,
        acks: -1,
        messages: Array.from({ length: Math.min(1_000, messages - i) }, (_, j) => {
          const n = i + j;
          const employeeId = employees[n % employees.length]!;
          return { key: employeeId, headers: { authorization: till }, value: JSON.stringify({ type: 'gesture.requested', data: { employeeId, customerId: `${run}-c${n}`, gestureType: 'goodwill_credit', amountMinor: 100, currency: 'USD', channel: 'pos', storeId, reasonCode: 'service_failure', note: 'late delivery', occurredAt: new Date().toISOString(), idempotencyKey: `${run}-in-${n}` } }) };
        }),
      });
    }
    const ends = await a.fetchTopicOffsets(settings.topics.actions);
    const deadline = Date.now() + 300_000;
    for (;;) {
      const [committed] = await a.fetchOffsets({ groupId: settings.actionsGroupId, topics: [settings.topics.actions] });
      const done = ends.every((e) => committed!.partitions.find((p) => p.partition === e.partition)?.offset === e.high);
      if (done || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const elapsedS = (performance.now() - started) / 1000;
    return { group: 'kafka', adapter: 'postgres', scenario: `inbound: frontline actions applied by ledger-api (${messages.toLocaleString('en-US')} gestures)`, rate: round(messages / elapsedS), unit: 'messages/s', extra: { seconds: round(elapsedS) } };
  } finally {
    await producer.disconnect();
    await a.disconnect();
    await api.stop();
  }
}


