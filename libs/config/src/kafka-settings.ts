import { ConfigurationError, integer } from './settings.js';

type Env = Record<string, string | undefined>;

/** Topic names; each can be overridden (tests use unique names per run). */
export interface KafkaTopicNames {
  /** Inbound: frontline actions from tills, call-center desktops and the CRM. */
  actions: string;
  /** Inbound messages that cannot be processed, with the reason in their headers. */
  actionsDeadLetter: string;
  /** Outbound: every domain event, CloudEvents binary mode. */
  events: string;
  /** Outbound, compacted: the latest loyalty summary per customer. */
  customerLoyalty: string;
  /** Outbound, compacted: the latest discretion-budget summary per employee. */
  employeeDiscretion: string;
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topics: KafkaTopicNames;
  /** Whether the ledger API consumes the actions topic (when brokers are configured). */
  consumeActions: boolean;
  actionsGroupId: string;
  /** Partitions consumed at once by one ledger-api instance (messages of one partition stay in order). */
  actionsPartitionsConcurrently: number;
  /** Created-if-missing settings; a 1-node dev broker needs replication 1 and min ISR 1. */
  eventsPartitions: number;
  statePartitions: number;
  actionsPartitions: number;
  replicationFactor: number;
  minInsyncReplicas: number;
  /**
   * Bytes of one produce request at most (estimated from above); a larger publish goes as several, in
   * order. Keep it under the broker's `message.max.bytes`, which bounds each partition's batch.
   */
  maxRequestBytes: number;
  /** CloudEvents `source` of everything the relay publishes. */
  eventSource: string;
  /** Name of the relay's checkpoint; two relays with different names can feed different clusters. */
  relayName: string;
  /** The share of the log this relay instance publishes (`CRM_RELAY_SHARD=index/count`, default 0/1: all of it). */
  relayShard: { index: number; count: number };
  /** Memory for the budget and loyalty states the relay keeps folded, in MB (`CRM_RELAY_STATE_CACHE_MB`). */
  relayStateCacheMb: number;
  /** At the head of the log, the wait after starting a publish before reading the next batch (`CRM_RELAY_LINGER_MS`). */
  relayLingerMs: number;
}

export function loadKafkaSettings(env: Env): KafkaSettings {
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  for (const broker of brokers) {
    if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(broker)) throw new ConfigurationError('KAFKA_BROKERS', `must be a comma-separated list of host:port, got ${JSON.stringify(broker)}`);
  }
  return {
    brokers,
    clientId: name(env, 'KAFKA_CLIENT_ID', 'gesture-ledger'),
    topics: {
      actions: name(env, 'KAFKA_TOPIC_ACTIONS', 'frontline.actions.v1'),
      actionsDeadLetter: name(env, 'KAFKA_TOPIC_ACTIONS_DLQ', 'frontline.actions.v1.dlq'),
      events: name(env, 'KAFKA_TOPIC_EVENTS', 'gesture-ledger.events.v1'),
      customerLoyalty: name(env, 'KAFKA_TOPIC_CUSTOMER_LOYALTY', 'gesture-ledger.customer-loyalty.v1'),
      employeeDiscretion: name(env, 'KAFKA_TOPIC_EMPLOYEE_DISCRETION', 'gesture-ledger.employee-discretion.v1'),
    },
    consumeActions: flag(env, 'KAFKA_CONSUME_ACTIONS', true),
    actionsGroupId: name(env, 'KAFKA_ACTIONS_GROUP_ID', 'gesture-ledger.frontline-actions'),
    actionsPartitionsConcurrently: integer(env, 'KAFKA_ACTIONS_CONCURRENCY', 6, 1, 64),
    eventsPartitions: integer(env, 'KAFKA_EVENTS_PARTITIONS', 12, 1, 1000),
    statePartitions: integer(env, 'KAFKA_STATE_PARTITIONS', 6, 1, 1000),
    actionsPartitions: integer(env, 'KAFKA_ACTIONS_PARTITIONS', 12, 1, 1000),
    replicationFactor: integer(env, 'KAFKA_REPLICATION_FACTOR', 1, 1, 10),
    minInsyncReplicas: integer(env, 'KAFKA_MIN_INSYNC_REPLICAS', 1, 1, 10),
    maxRequestBytes: integer(env, 'KAFKA_MAX_REQUEST_BYTES', 1_000_000, 10_000, 100_000_000),
    eventSource: name(env, 'KAFKA_EVENT_SOURCE', '/gesture-ledger'),
    relayName: name(env, 'CRM_RELAY_NAME', 'crm-relay'),
    relayShard: shard(env, 'CRM_RELAY_SHARD'),
    relayStateCacheMb: integer(env, 'CRM_RELAY_STATE_CACHE_MB', 128, 8, 65_536),
    relayLingerMs: integer(env, 'CRM_RELAY_LINGER_MS', 10, 0, 1_000),
  };
}

/** Relays side by side: `index/count`, 0 ≤ index < count ≤ 64 (the event store's limit on log partitions). */
function shard(env: Env, variable: string): { index: number; count: number } {
  const raw = env[variable]?.trim();
  if (!raw) return { index: 0, count: 1 };
  const match = /^(\d{1,2})\/(\d{1,2})$/.exec(raw);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > 64 || index >= count) throw new ConfigurationError(variable, `must be index/count with 0 <= index < count <= 64, e.g. 0/2, got ${JSON.stringify(raw)}`);
  return { index, count };
}

/** Kafka topic, group and client names: 1-249 of [A-Za-z0-9._-] (a CloudEvents source may add '/'). */
function name(env: Env, variable: string, fallback: string): string {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  if (!/^[A-Za-z0-9._\-/]{1,249}$/.test(raw)) throw new ConfigurationError(variable, `must be 1-249 letters, digits, '.', '_', '-' or '/', got ${JSON.stringify(raw)}`);
  return raw;
}

function flag(env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigurationError(variable, `must be true or false, got ${JSON.stringify(raw)}`);
  return raw === 'true';
}

