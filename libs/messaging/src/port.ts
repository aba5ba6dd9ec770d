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

export interface TopicMessages {
  topic: string;
  messages: OutgoingMessage[];
}

export interface MessagePublisher {
  /**
   * Writes every message of every topic and resolves only once the broker acknowledged all of them
   * with every in-sync replica (acks = all). On a rejection some may have been written: callers that
   * retry rely on consumers dropping repeats by event id (at-least-once).
   */
  publish(batches: TopicMessages[]): Promise<void>;
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
