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

/** One line per kafkajs log entry on stderr, prefixed with the client id. */
const stderrLog: logCreator = () => ({ namespace, label, log }) => {
  const { message, ...rest } = log as { message: string; [key: string]: unknown };
  delete rest.timestamp;
  delete rest.logger;
  process.stderr.write(`kafkajs ${label} [${namespace}] ${message} ${JSON.stringify(rest)}\n`);
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
