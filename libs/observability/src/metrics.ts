import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The named metrics of every Gesture Ledger service, on one registry. Services set only the ones that
 * concern them (the API the command metrics and its consumer's DLQ and crashes, the projector its lag, the relay its lag); the
 * rest stay at zero. Label values are always from small fixed sets, never ids.
 */
export function createMetrics(registry: Registry = new Registry()) {
  const metric = { registers: [registry] };
  return {
    registry,
    commands: new Counter({ ...metric, name: 'gesture_ledger_commands_total', help: 'Commands answered, by command type and outcome', labelNames: ['type', 'outcome'] as const }),
    decisionSeconds: new Histogram({
      ...metric,
      name: 'gesture_ledger_decision_seconds',
      help: 'Seconds from a command reaching the ledger to its answer (queueing, decision and append)',
      labelNames: ['type'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    appends: new Counter({ ...metric, name: 'gesture_ledger_appends_total', help: 'Appends to the event store (one per batch of commands on one stream)' }),
    appendedEvents: new Counter({ ...metric, name: 'gesture_ledger_appended_events_total', help: 'Events appended to the event store' }),
    commandsPerAppend: new Histogram({ ...metric, name: 'gesture_ledger_commands_per_append', help: 'Commands of one stream decided together and written in one append', buckets: [1, 2, 5, 10, 20, 50, 100, 200] }),
    conflicts: new Counter({ ...metric, name: 'gesture_ledger_append_conflicts_total', help: 'Appends refused because another process wrote to the stream first' }),
    retries: new Counter({ ...metric, name: 'gesture_ledger_append_retries_total', help: 'Batches decided again on reloaded state after a conflict' }),
    budgetUtilisation: new Histogram({
      ...metric,
      name: 'gesture_ledger_budget_utilisation_ratio',
      help: "Share of the period's allowance spent or reserved, observed each time a gesture is charged",
      buckets: [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1],
    }),
    projectionLagEvents: new Gauge({ ...metric, name: 'gesture_ledger_projection_lag_events', help: 'Events in the log not yet applied to the read models', labelNames: ['projection'] as const }),
    projectionLagSeconds: new Gauge({ ...metric, name: 'gesture_ledger_projection_lag_seconds', help: 'Age of the oldest event not yet applied to the read models', labelNames: ['projection'] as const }),
    relayLagEvents: new Gauge({ ...metric, name: 'gesture_ledger_relay_lag_events', help: 'Events in the log not yet published to Kafka', labelNames: ['relay'] as const }),
    relayLagSeconds: new Gauge({ ...metric, name: 'gesture_ledger_relay_lag_seconds', help: 'Age of the oldest event not yet published to Kafka', labelNames: ['relay'] as const }),
    dlqMessages: new Counter({ ...metric, name: 'gesture_ledger_dlq_messages_total', help: 'Inbound messages sent to a dead-letter topic, by the reason given', labelNames: ['topic', 'reason'] as const }),
    consumerCrashes: new Counter({
      ...metric,
      name: 'gesture_ledger_kafka_consumer_crashes_total',
      help: 'Kafka consumer crashes, by who restarted the consumer (kafkajs after a retriable error, else the supervisor)',
      labelNames: ['consumer', 'restarted_by'] as const,
    }),
  };
}

export type ServiceMetrics = ReturnType<typeof createMetrics>;

let shared: ServiceMetrics | undefined;

/**
 * The process's metrics, created on first use with the Node.js defaults (CPU, memory, event-loop
 * delay, GC). Several services in one process (the all-in-one main) share them.
 */
export function processMetrics(): ServiceMetrics {
  if (!shared) {
    shared = createMetrics();
    collectDefaultMetrics({ register: shared.registry });
  }
  return shared;
}
