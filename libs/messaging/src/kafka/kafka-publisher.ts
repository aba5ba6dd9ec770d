import kafkajs, { type Kafka, type Producer, type ProducerBatch, type RetryOptions, type Transaction } from 'kafkajs';
import { MessageTooLargeError, type MessagePublisher, type OutgoingRecord, type TopicMessages } from '../port.js';
import { JavaCompatiblePartitioner } from './java-compatible-partitioner.js';
import { defaultMaxRequestBytes, splitIntoRequests } from './produce-requests.js';

export interface KafkaPublisherOptions {
  /** Limit for the broker's acknowledgement of one batch (acks = all). */
  ackTimeoutMs?: number;
  /** Estimated bytes of one produce request at most; a larger publish goes as several, in order (1,000,000). */
  maxRequestBytes?: number;
  /**
   * Once fenced: how long the broker lets a publish's transaction stay open before aborting it (60 s).
   * Longer than a publish takes (its requests, each up to `ackTimeoutMs`); it bounds how long a writer
   * that stalls mid-publish holds back consumers reading committed records, when no new writer of its
   * id fences it sooner.
   */
  transactionTimeoutMs?: number;
}

/**
 * A transaction's first AddPartitionsToTxn is refused (CONCURRENT_TRANSACTIONS) until the broker has
 * written the previous commit's markers, a few milliseconds: the Java client retries that after 20 ms,
 * while the client's own first retry (200 ms) would be paid on nearly every publish. Nine retries from
 * 10 ms, doubling, keep close to the client's budget (some 6 s) for every other retriable failure.
 */
const transactionalRetry: RetryOptions = { initialRetryTime: 10, retries: 9 };

/**
 * The publisher on kafkajs: an idempotent producer (the broker drops a retried batch it already has,
 * so kafkajs' own retries add no duplicates), acks from every in-sync replica, no compression (kafkajs
 * has only gzip built in, which costs more CPU than it saves on loopback), and Java's murmur2
 * partitioner (kafkajs' DefaultPartitioner, recomputed cheaply), so a key lands on the partition any
 * other Kafka client would choose. A publish larger than `maxRequestBytes` goes as several requests,
 * one after another, so no partition's batch outgrows what the broker accepts. After a failure the producer is replaced: a fresh producer id cannot
 * be stuck on an old sequence number.
 *
 * Fenced (`fence`), it is a transactional producer whose transactional id is the writer's: initialising
 * it bumps the id's epoch, which aborts the previous holder's open transaction and makes its every later
 * produce and commit fail (INVALID_PRODUCER_EPOCH). Each publish is then one transaction, all its
 * requests and the commit, so a consumer reading committed records sees all of it or none. After a
 * failure it publishes again only once fenced again: a new producer of that id would fence whichever
 * writer holds the id by then, which is its caller's decision.
 */
export class KafkaPublisher implements MessagePublisher {
  private producer: Producer | null = null;
  private connecting: Promise<Producer> | null = null;
  /** The transactional id, once fenced. */
  private writerId: string | null = null;
  private readonly ackTimeoutMs: number;
  private readonly maxRequestBytes: number;
  private readonly transactionTimeoutMs: number;

  constructor(
    private readonly kafka: Kafka,
    options: KafkaPublisherOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.maxRequestBytes = options.maxRequestBytes ?? defaultMaxRequestBytes;
    this.transactionTimeoutMs = options.transactionTimeoutMs ?? 60_000;
  }

  async publish(batches: Array<TopicMessages<OutgoingRecord>>): Promise<void> {
    const topicMessages = batches.filter((b) => b.messages.length > 0);
    if (topicMessages.length === 0) return;
    const producer = await this.connected();
    let transaction: Transaction | null = null;
    try {
      const requests = splitIntoRequests(topicMessages, this.maxRequestBytes).map((request): ProducerBatch => ({ topicMessages: request, acks: -1, timeout: this.ackTimeoutMs, compression: kafkajs.CompressionTypes.None }));
      if (this.writerId === null) {
        for (const request of requests) await producer.sendBatch(request);
      } else {
        transaction = await producer.transaction();
        for (const request of requests) await transaction.sendBatch(request);
        await transaction.commit();
      }
    } catch (error) {
      // Aborted at once where the broker still takes it: left open, it would hold back every consumer reading
      // committed records of the partitions it touched until the next fence, or the broker's timeout
      // (transactionTimeoutMs) when the writer stops instead.
      if (transaction?.isActive()) await transaction.abort().catch(() => undefined);
      await this.reset();
      throw (error as { type?: string }).type === 'MESSAGE_TOO_LARGE' ? this.tooLarge(error as Error) : error;
    }
  }

  async fence(writerId: string): Promise<void> {
    await this.reset();
    this.writerId = writerId;
    const producer = this.newProducer(writerId);
    try {
      await producer.connect();
      // kafkajs asks the coordinator for the id's epoch (the bump that fences the previous holder) only
      // when a first transaction begins: one is begun and ended here, empty (ending it sends nothing),
      // so the fence is up when this resolves rather than at the first publish.
      await (await producer.transaction()).abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    this.producer = producer;
  }

  async fenceOthers(writerIds: readonly string[]): Promise<void> {
    for (const writerId of writerIds) {
      // The same bump as `fence`, by a producer of that id that is closed at once: this publisher keeps its own id.
      const producer = this.newProducer(writerId);
      try {
        await producer.connect();
        await (await producer.transaction()).abort();
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
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
    // Initialising a new transactional producer would fence whichever writer holds the id now.
    if (this.writerId !== null) return Promise.reject(new Error(`the publisher of ${this.writerId} failed or was closed: fence it again before publishing`));
    this.connecting ??= (async () => {
      const producer = this.newProducer();
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

  private newProducer(transactionalId?: string): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: JavaCompatiblePartitioner,
      ...(transactionalId === undefined ? {} : { transactionalId, transactionTimeout: this.transactionTimeoutMs, retry: transactionalRetry }),
    });
  }

  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect().catch(() => undefined);
  }
}
