import { loadKafkaSettings } from '#config';
import { createPostgresDriver, createPostgresEventStore, parsePosition, type Position } from '#event-store';
import { createKafka, KafkaPublisher, KafkaTopicAdmin, SqlCheckpointStore, topicSpecs } from '#messaging';
import { CrmRelay } from '../apps/crm-relay/src/crm-relay.js';

/**
 * One shard of the relay throughput benchmark, in a process of its own as a deployed shard is. Connects,
 * says `ready` over IPC, starts publishing on `go`, and reports when its checkpoint reaches `target` (the
 * last event of its share): the absolute end time (`performance.timeOrigin + performance.now()`), the
 * events it published and the CPU it used. The relay's settings come from the environment, as in the service.
 * argv: database URL, shard as index/count, target position.
 */
const [databaseUrl, shardArg, targetArg] = process.argv.slice(2);
if (!databaseUrl || !shardArg || !targetArg || !process.send) throw new Error('usage (as a child with IPC): relay-shard.main.js <database url> <index/count> <target position>');
const send = process.send.bind(process);
const settings = loadKafkaSettings({ ...process.env, CRM_RELAY_SHARD: shardArg });
const target = parsePosition(targetArg) as Position;
const store = await createPostgresEventStore({ connectionString: databaseUrl });
const checkpoints = await SqlCheckpointStore.open(createPostgresDriver({ connectionString: databaseUrl, poolSize: 2, synchronousCommit: false }));
const kafka = createKafka({ brokers: settings.brokers, clientId: `${settings.relayName}-${settings.relayShard.index}`, logLevel: 'nothing' });
const publisher = new KafkaPublisher(kafka);
const relay = new CrmRelay(store, publisher, new KafkaTopicAdmin(kafka), checkpoints, { name: settings.relayName, shard: settings.relayShard, source: settings.eventSource, topics: settings.topics, topicSpecs: topicSpecs(settings).relay, log: () => undefined });
process.once('message', () => {
  const cpuBefore = process.cpuUsage();
  relay.start();
  void relay.until(target, 600_000).then(async () => {
    const cpu = process.cpuUsage(cpuBefore);
    send({ kind: 'done', at: performance.timeOrigin + performance.now(), events: relay.stats.eventsPublished, cpuUs: cpu.user + cpu.system });
    await relay.stop();
    await publisher.close();
    await checkpoints.close();
    await store.close();
    process.exit(0);
  });
});
send({ kind: 'ready' });
