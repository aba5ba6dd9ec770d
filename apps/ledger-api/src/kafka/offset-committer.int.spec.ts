import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin, Consumer } from 'kafkajs';
import { createKafka } from '#messaging';
import { withBackend } from '../../../../libs/event-store/src/testing/infra.js';
import { OffsetCommitter } from './offset-committer.js';

withBackend('KAFKA_BROKERS', 'offset committer', (brokers) => {
  describe('OffsetCommitter on a kafkajs consumer (real broker)', () => {
    const run = `${Date.now().toString(36)}-${process.pid}`;
    const topic = `test.${run}.committer`;
    const groupId = `test.${run}.committer`;
    const kafka = createKafka({ brokers: brokers.split(','), clientId: `test-${run}`, logLevel: 'nothing' });
    let admin: Admin;
    let consumer: Consumer | null = null;

    beforeAll(async () => {
      admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
      // Messages up to past the offsets committed below: a committed offset beyond a partition's end makes the
      // consumer's first fetch out of range, and kafkajs then commits its default offset over ours.
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [0, 1].flatMap((partition) => Array.from({ length: 10 }, (_, i) => ({ partition, value: `m${i}` }))) });
      await producer.disconnect();
    }, 30_000);

    afterAll(async () => {
      await consumer?.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }, 30_000);

    it('keeps what it could not commit while the consumer was (re)joining its group, and commits it once in it', async () => {
      const committer = new OffsetCommitter(60_000, () => undefined);
      consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
      committer.attach(consumer);
      // Finished before the consumer (re)joins, as after a crash kafkajs restarts from or a supervisor restart.
      committer.done(consumer, topic, 0, '4');
      committer.done(consumer, topic, 1, '7');
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const joined = consumer.run({ autoCommit: false, eachMessage: async () => undefined });
      // kafkajs answers a commit made while it joins with success, and sends nothing.
      await committer.flush();
      await joined;
      await committer.flush();

      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(committed!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset)).toEqual(['5', '8']);
      await committer.close();
    }, 30_000);
  });
});
