import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Everything in `topic` up to its end offsets (high watermarks) as of the call, in partition then offset
 * order (tests and benchmarks), as a consumer reading committed records sees it: waits for transactions
 * committed before the call to become visible. Reads with a throwaway consumer group;
 * fails after `timeoutMs`.
 */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const ends = await highWatermarks(kafka, topic);
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  if (remaining.size === 0) return [];
  const records: ReadRecord[] = [];
  const groupId = `read-topic-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`readTopic ${topic}: partitions ${[...remaining].join(',')} not read to the end within ${timeoutMs} ms`)), timeoutMs);
      // A partition is read once a fetched batch ends at its last offset, not once a message does: on a
      // topic written in transactions the last offsets are commit markers, or aborted records, which the
      // consumer never hands over (it reads committed records only, as kafkajs does by default).
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (!remaining.has(payload.partition) || BigInt(payload.lastOffset) < ends.get(payload.partition)! - 1n) return;
        remaining.delete(payload.partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      void consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (BigInt(message.offset) >= ends.get(partition)!) return;
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
            records.push({ topic, partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const admin2 = kafka.admin();
    await admin2.connect();
    await admin2.deleteGroups([groupId]).catch(() => undefined);
    await admin2.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** What kafkajs 2.2.4's `Kafka` makes its clients' clusters with; no public client lists high watermarks. */
type CreateCluster = (options: { allowAutoTopicCreation: boolean; isolationLevel: number }) => {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number }>;
  fetchTopicsOffset(topics: Array<{ topic: string; fromBeginning: boolean; partitions: Array<{ partition: number }> }>): Promise<Array<{ partitions: Array<{ partition: number; offset: string }> }>>;
};
const readUncommitted = 0;

/**
 * Each partition's high watermark: the end of everything acknowledged. Not the admin's end offsets:
 * kafkajs' admin lists last stable offsets, which stop short of a transaction committed a moment ago
 * while the broker still writes its markers, and it has no way to ask for anything else.
 */
async function highWatermarks(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!key) throw new Error('readTopic: kafkajs no longer has the cluster factory it relies on (see highWatermarks)');
  const cluster = (kafka as unknown as Record<symbol, CreateCluster>)[key]!({ allowAutoTopicCreation: false, isolationLevel: readUncommitted });
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => ({ partition: p.partitionId }));
    const [offsets] = await cluster.fetchTopicsOffset([{ topic, fromBeginning: false, partitions }]);
    return new Map(offsets!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await cluster.disconnect();
  }
}
