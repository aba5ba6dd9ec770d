import { afterAll, describe, expect, it } from '@jest/globals';
import kafkajs, { type PartitionerArgs } from 'kafkajs';
import { createKafka, installFastProduceEncoding, KafkaPublisher, KafkaTopicAdmin, readTopic, type OutgoingMessage } from '#messaging';
import { withBackend } from '../../event-store/src/testing/infra.js';

withBackend('KAFKA_BROKERS', 'Kafka publisher', (brokers) => {
  describe('KafkaPublisher with the fast produce encoding (real broker)', () => {
    const run = `p${Date.now().toString(36)}${process.pid}`;
    const kafka = createKafka({ brokers: brokers.split(','), clientId: `test-${run}`, logLevel: 'nothing' });
    const publisher = new KafkaPublisher(kafka);
    const topics = [`test.${run}.a`, `test.${run}.b`];
    const oneKeyTopic = `test.${run}.one-key`;
    const smallTopic = `test.${run}.small-batches`;

    afterAll(async () => {
      await publisher.close();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [...topics, oneKeyTopic, smallTopic] }).catch(() => undefined);
      await admin.disconnect();
    });

    it('writes records the broker accepts and a kafkajs consumer reads back unchanged, on kafkajs partitions', async () => {
      await new KafkaTopicAdmin(kafka).ensureTopics(topics.map((name) => ({ name, partitions: 5, replicationFactor: 1, config: {} })));
      const stats = installFastProduceEncoding();
      const before = stats.encoded;
      const message = (i: number): OutgoingMessage => ({
        key: i % 3 === 0 ? `clé-${i % 17}-日本` : `emp-${i % 23}`,
        value: i % 50 === 0 ? 'x'.repeat(20_000 + i) : JSON.stringify({ i, note: i % 7 === 0 ? 'ünïcødé 😀' : 'late delivery' }),
        headers: { ce_specversion: '1.0', ce_id: `id-${i}`, ce_streamrevision: String(i), ...(i % 5 === 0 ? { 'x-ümlaut-😀': 'wert ✓' } : {}), 'content-type': 'application/json' },
      });
      const sent = topics.map((topic, t) => ({ topic, messages: Array.from({ length: 400 + t * 100 }, (_, i) => message(i)) }));
      await publisher.publish(sent);
      expect(stats.encoded).toBeGreaterThan(before);

      const partitionOf = kafkajs.Partitioners.DefaultPartitioner();
      const partitionMetadata = Array.from({ length: 5 }, (_, partitionId) => ({ partitionId, leader: 1 }));
      for (const { topic, messages } of sent) {
        const read = await readTopic(kafka, topic);
        expect(read).toHaveLength(messages.length);
        const byId = new Map(read.map((r) => [r.headers.ce_id, r]));
        for (const m of messages) {
          const r = byId.get(m.headers.ce_id!)!;
          expect({ key: r.key, value: r.value, headers: r.headers }).toEqual({ key: m.key, value: m.value, headers: m.headers });
          expect(r.partition).toBe(partitionOf({ topic, partitionMetadata, message: { key: m.key, value: '' } } as PartitionerArgs));
        }
        // One key's records stay in the order they were sent.
        for (const key of new Set(messages.map((m) => m.key))) {
          const revisions = read.filter((r) => r.key === key).map((r) => Number(r.headers.ce_streamrevision));
          expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
        }
      }
    }, 60_000);

    it('writes a publish several times the broker\'s batch limit, all for one key, as requests it accepts, in order', async () => {
      // A relay catching up after an outage: ~3 MB for one partition, where the broker refuses a
      // record batch above message.max.bytes (1,048,588 by default) with MESSAGE_TOO_LARGE.
      await new KafkaTopicAdmin(kafka).ensureTopics([{ name: oneKeyTopic, partitions: 1, replicationFactor: 1, config: {} }]);
      const body = JSON.stringify({ note: 'n'.repeat(900) });
      const messages: OutgoingMessage[] = Array.from({ length: 3_000 }, (_, i) => ({ key: 'emp-1', value: body, headers: { ce_id: `big-${i}`, ce_streamrevision: String(i) } }));
      await publisher.publish([{ topic: oneKeyTopic, messages }]);
      const read = await readTopic(kafka, oneKeyTopic);
      expect(read.map((r) => r.headers.ce_id)).toEqual(messages.map((m) => m.headers.ce_id));
    }, 60_000);

    it('names the setting to change when a topic accepts less than a request carries', async () => {
      await new KafkaTopicAdmin(kafka).ensureTopics([{ name: smallTopic, partitions: 1, replicationFactor: 1, config: { 'max.message.bytes': '50000' } }]);
      const messages: OutgoingMessage[] = Array.from({ length: 200 }, (_, i) => ({ key: 'emp-1', value: 'v'.repeat(1_000), headers: { ce_id: `small-${i}` } }));
      await expect(publisher.publish([{ topic: smallTopic, messages }])).rejects.toThrow(/KAFKA_MAX_REQUEST_BYTES.*max\.message\.bytes/);
      // Within the topic's limit, the same messages go through.
      const fitting = new KafkaPublisher(kafka, { maxRequestBytes: 40_000 });
      try {
        await fitting.publish([{ topic: smallTopic, messages }]);
      } finally {
        await fitting.close();
      }
      expect((await readTopic(kafka, smallTopic)).map((r) => r.headers.ce_id)).toEqual(messages.map((m) => m.headers.ce_id));
    }, 60_000);
  });
});
