/**
 * The message-bus port: what the relay and the inbound consumer need from a broker, and nothing more.
 * The kafkajs adapter lives in `kafka/`; tests that need no broker use `testing/in-memory-bus.ts`.
 */

/** One record to write: bytes, a key that picks the partition, and string headers. */
export interface OutgoingMessage {
  key: string;
  /** `null` is a tombstone on a compacted topic. */
  value: Buffer | string | null;
  headers: Record<string, string>;
}

/**
 * Any record a publisher writes: an `OutgoingMessage`, or one as a broker may have delivered it, without a
 * key, with header bytes or a header repeated (a dead letter repeats the original's).
 */
export interface OutgoingRecord {
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers: Record<string, HeaderValue>;
}

/** Text or bytes; several values under one name are written as that header repeated. */
export type HeaderValue = string | Buffer | Array<string | Buffer>;

/** The broker refused a message as larger than its topic accepts: publishing it again is refused again. */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
}

export interface TopicMessages<Message extends OutgoingRecord = OutgoingMessage> {
  topic: string;
  messages: Message[];
}

export interface MessagePublisher {
  /**
   * Writes every message of every topic and resolves only once the broker acknowledged all of them
   * with every in-sync replica (acks = all). On a rejection some may have been written: callers that
   * retry rely on consumers dropping repeats by event id (at-least-once).
   */
  publish(batches: Array<TopicMessages<OutgoingRecord>>): Promise<void>;
  /**
   * Makes this publisher the one writer named `writerId`, where the broker can fence (Kafka: a
   * transactional producer of that id): from then on each publish is all or nothing, and a publish by
   * any earlier writer of that name, under way or to come, fails and is never seen by consumers that
   * read committed records only. After a failed publish, publishing fails until this is called again:
   * fencing the others is a decision its caller takes, not something a retry may do on its own.
   */
  fence?(writerId: string): Promise<void>;
  /**
   * Fences the writers named `writerIds` without becoming any of them (where `fence` is supported): what each
   * has under way is never seen by consumers that read committed records, and each one's next publish fails.
   * For writers of another name that must not publish beside this one (a relay of another shard layout).
   */
  fenceOthers?(writerIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** How a topic is created when it is missing; existing topics are never altered. */
export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Broker topic configs, e.g. `cleanup.policy: compact`. */
  config: Record<string, string>;
}

export interface TopicAdmin {
  /** Creates the topics that do not exist yet; resolves with the names it created. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<string[]>;
  close(): Promise<void>;
}
