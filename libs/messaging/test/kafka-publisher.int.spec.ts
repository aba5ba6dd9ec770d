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
    const fencedTopic = `test.${run}.fenced`;

    afterAll(async () => {
      await publisher.close();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [...topics, oneKeyTopic, smallTopic, fencedTopic] }).catch(() => undefined);
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

    describe('fenced', () => {
      const writerId = `test-${run}-writer`;
      const records = (tag: string, count: number, bytes = 1_000): OutgoingMessage[] => Array.from({ length: count }, (_, i) => ({ key: `emp-${i % 7}`, value: 'v'.repeat(bytes), headers: { ce_id: `${tag}-${i}` } }));
      const idsOf = (...batches: OutgoingMessage[][]) => batches.flat().map((m) => m.headers.ce_id).sort();
      const published = async () => (await readTopic(kafka, fencedTopic)).map((r) => r.headers.ce_id).sort();

      it('publishes all of a publish or none of it: requests the broker took are not seen when a later one fails, once fenced again', async () => {
        await new KafkaTopicAdmin(kafka).ensureTopics([{ name: fencedTopic, partitions: 3, replicationFactor: 1, config: { 'max.message.bytes': '50000' } }]);
        const publisher = new KafkaPublisher(kafka, { maxRequestBytes: 20_000 });
        try {
          await publisher.fence(writerId);
          const before = records('before', 30);
          await publisher.publish([{ topic: fencedTopic, messages: before }]);
          // Several requests the broker accepts, then a record larger than the topic takes, alone in its request.
          await expect(publisher.publish([{ topic: fencedTopic, messages: [...records('torn', 60), ...records('too-large', 1, 60_000)] }])).rejects.toThrow(/max\.message\.bytes/);
          // The relay's retry: fence again (which aborts what was left open), publish again.
          await publisher.fence(writerId);
          const after = records('after', 5);
          await publisher.publish([{ topic: fencedTopic, messages: after }]);
          expect(await published()).toEqual(idsOf(before, after));
        } finally {
          await publisher.close();
        }
      }, 60_000);

      it('aborts a publish that failed half-way at once: consumers of committed records do not wait for a fence or the transaction timeout', async () => {
        const torn = new KafkaPublisher(kafka, { maxRequestBytes: 20_000 });
        const plain = new KafkaPublisher(kafka);
        try {
          const seen = await published();
          await torn.fence(`${writerId}-torn`);
          await expect(torn.publish([{ topic: fencedTopic, messages: [...records('left-open', 60), ...records('too-large-again', 1, 60_000)] }])).rejects.toThrow(/max\.message\.bytes/);
          // Nobody fences that writer again (it stopped): records written after its failure are readable at once.
          const after = records('after-torn', 5);
          await plain.publish([{ topic: fencedTopic, messages: after }]);
          expect(await published()).toEqual([...seen, ...idsOf(after)].sort());
        } finally {
          await torn.close();
          await plain.close();
        }
      }, 60_000);

      it('fails every publish of an earlier writer of the id, and does not fence back on its own after that failure', async () => {
        const [earlier, later] = [new KafkaPublisher(kafka), new KafkaPublisher(kafka)];
        try {
          const seen = await published();
          await earlier.fence(writerId);
          await later.fence(writerId);
          await expect(earlier.publish([{ topic: fencedTopic, messages: records('stale', 10) }])).rejects.toThrow(/epoch|fenced/i);
          // A new producer would take the id back from `later`: only a fence, its caller's decision, does that.
          await expect(earlier.publish([{ topic: fencedTopic, messages: records('stale-again', 1) }])).rejects.toThrow(/fence it again/);
          const fresh = records('later', 10);
          await later.publish([{ topic: fencedTopic, messages: fresh }]);
          expect(await published()).toEqual([...seen, ...idsOf(fresh)].sort());
        } finally {
          await earlier.close();
          await later.close();
        }
      }, 60_000);
    });
  });
});
