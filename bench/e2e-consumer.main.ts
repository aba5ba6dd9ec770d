import { createKafka } from '#messaging';

/**
 * The end-to-end benchmark's CRM stand-in, in a process of its own as a real CRM consumer is: the load
 * generator's event loop then delays neither the consumer nor the other way round. Reads the event
 * topic from its end and reports, per granted gesture, its id and the absolute time it was consumable
 * (`performance.timeOrigin + performance.now()`, comparable across processes on one machine).
 * argv: brokers (comma-separated), topic, group id.
 */
const [brokers, topic, groupId] = process.argv.slice(2);
if (!brokers || !topic || !groupId || !process.send) throw new Error('usage (as a child with IPC): e2e-consumer.main.js <brokers> <topic> <group>');
const send = process.send.bind(process);
const kafka = createKafka({ brokers: brokers.split(','), clientId: `${groupId}-consumer`, logLevel: 'nothing' });
const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50, sessionTimeout: 10_000 });
consumer.on(consumer.events.GROUP_JOIN, () => send({ kind: 'joined' }));
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: false });
await consumer.run({
  eachBatch: async ({ batch }) => {
    const at = performance.timeOrigin + performance.now();
    const seen: string[] = [];
    for (const message of batch.messages) {
      if (!message.headers?.ce_type?.toString().includes('GestureGranted')) continue;
      const gestureId = (JSON.parse(message.value!.toString()) as { gestureId?: string }).gestureId;
      if (gestureId !== undefined) seen.push(gestureId);
    }
    if (seen.length > 0) send({ kind: 'consumed', at, gestureIds: seen });
  },
});
process.on('SIGTERM', () => void consumer.disconnect().finally(() => process.exit(0)));
