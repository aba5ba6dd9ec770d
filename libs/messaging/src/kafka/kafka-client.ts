import kafkajs, { type Kafka, type logCreator } from 'kafkajs';
import { installFastProduceEncoding } from './fast-produce/kafkajs-fast-produce.js';

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  /** TCP connect limit per broker. */
  connectionTimeoutMs?: number;
  /** Limit per request (produce, metadata, commit...). */
  requestTimeoutMs?: number;
  /** kafkajs' own retries of one operation; callers add an outer loop with their own backoff. */
  retries?: number;
  /** 'error' by default: a broker outage is reported by the caller once per attempt, not per socket. */
  logLevel?: 'nothing' | 'error' | 'warn' | 'info';
  /**
   * Encode uncompressed Produce requests with `fast-produce` (byte-identical to kafkajs', several times
   * cheaper); true by default. It is installed into kafkajs once per process, for every client.
   */
  fastProduceEncoding?: boolean;
}

const levels = { nothing: kafkajs.logLevel.NOTHING, error: kafkajs.logLevel.ERROR, warn: kafkajs.logLevel.WARN, info: kafkajs.logLevel.INFO } as const;

/**
 * The broker's answer to a transaction's first request for a few milliseconds after the previous commit
 * (CONCURRENT_TRANSACTIONS), which kafkajs retries by design: it logs it as an error all the same, which a
 * transactional relay at a low rate would turn into a stream of false alarms.
 */
const expectedRetries = ['another concurrent operation on the same transaction was ongoing'];

/** The stderr line of one kafkajs log entry, prefixed with its level and namespace; null for a retry that is part of the protocol. */
export function kafkaLogLine(namespace: string, label: string, log: { message: string; [key: string]: unknown }): string | null {
  const { message, ...rest } = log;
  if (expectedRetries.some((text) => message.includes(text) || (typeof rest.error === 'string' && rest.error.includes(text)))) return null;
  delete rest.timestamp;
  delete rest.logger;
  return `kafkajs ${label} [${namespace}] ${message} ${JSON.stringify(rest)}\n`;
}

const stderrLog: logCreator = () => ({ namespace, label, log }) => {
  const line = kafkaLogLine(namespace, label, log as { message: string; [key: string]: unknown });
  if (line !== null) process.stderr.write(line);
};

/** A kafkajs client with every limit explicit (no library defaults are relied on). */
export function createKafka(options: KafkaClientOptions): Kafka {
  if (options.brokers.length === 0) throw new Error('createKafka: at least one broker (host:port) is required');
  if (options.fastProduceEncoding ?? true) installFastProduceEncoding();
  return new kafkajs.Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 200, maxRetryTime: 5_000, factor: 0.2, multiplier: 2 },
    logLevel: levels[options.logLevel ?? 'error'],
    logCreator: stderrLog,
  });
}
