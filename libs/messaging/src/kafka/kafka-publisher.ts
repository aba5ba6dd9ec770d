import kafkajs, { type Kafka, type Producer } from 'kafkajs';
import { MessageTooLargeError, type MessagePublisher, type OutgoingRecord, type TopicMessages } from '../port.js';
import { JavaCompatiblePartitioner } from './java-compatible-partitioner.js';
import { defaultMaxRequestBytes, splitIntoRequests } from './produce-requests.js';

export interface KafkaPublisherOptions {
  /** Limit for the broker's acknowledgement of one batch (acks = all). */
  ackTimeoutMs?: number;
  /** Estimated bytes of one produce request at most; a larger publish goes as several, in order (1,000,000). */
  maxRequestBytes?: number;
}

/**
 * The publisher on kafkajs: an idempotent producer (the broker drops a retried batch it already has,
 * so kafkajs' own retries add no duplicates), acks from every in-sync replica, no compression (kafkajs
 * has only gzip built in, which costs more CPU than it saves on loopback), and Java's murmur2
 * partitioner (kafkajs' DefaultPartitioner, recomputed cheaply), so a key lands on the partition any
 * other Kafka client would choose. A publish larger than `maxRequestBytes` goes as several requests,
 * one after another, so no partition's batch outgrows what the broker accepts. After a failure the producer is replaced: a fresh producer id cannot
 * be stuck on an old sequence number.
 */
export class KafkaPublisher implements MessagePublisher {
  private producer: Producer | null = null;
  private connecting: Promise<Producer> | null = null;
  private readonly ackTimeoutMs: number;
  private readonly maxRequestBytes: number;

  constructor(
    private readonly kafka: Kafka,
    options: KafkaPublisherOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.maxRequestBytes = options.maxRequestBytes ?? defaultMaxRequestBytes;
  }

  async publish(batches: Array<TopicMessages<OutgoingRecord>>): Promise<void> {
    const topicMessages = batches.filter((b) => b.messages.length > 0);
    if (topicMessages.length === 0) return;
    const producer = await this.connected();
    try {
      for (const request of splitIntoRequests(topicMessages, this.maxRequestBytes)) {
        await producer.sendBatch({ topicMessages: request, acks: -1, timeout: this.ackTimeoutMs, compression: kafkajs.CompressionTypes.None });
      }
    } catch (error) {
      await this.reset();
      throw (error as { type?: string }).type === 'MESSAGE_TOO_LARGE' ? this.tooLarge(error as Error) : error;
    }
  }

  /** Says which limit to change: retrying the same publish would be refused the same way, forever. */
  private tooLarge(error: Error): MessageTooLargeError {
    return new MessageTooLargeError(
      `${error.message}: a produce request carries up to ${this.maxRequestBytes} bytes (KAFKA_MAX_REQUEST_BYTES); the broker's message.max.bytes and each topic's max.message.bytes must be at least that, or the setting lowered`,
      { cause: error },
    );
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private connected(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: JavaCompatiblePartitioner,
      });
      try {
        await producer.connect();
      } catch (error) {
        await producer.disconnect().catch(() => undefined);
        throw error;
      }
      this.producer = producer;
      return producer;
    })().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect().catch(() => undefined);
  }
}
