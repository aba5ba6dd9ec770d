import type { TopicSpec } from './port.js';

export interface TopicLayout {
  topics: { actions: string; actionsDeadLetter: string; events: string; customerLoyalty: string; employeeDiscretion: string };
  eventsPartitions: number;
  statePartitions: number;
  actionsPartitions: number;
  replicationFactor: number;
  minInsyncReplicas: number;
}

const week = String(7 * 24 * 3600 * 1000);
/**
 * A dead letter is the original action plus its `dlq_*` headers (up to ~5 KiB), so the DLQ accepts larger
 * messages than the broker's default (1 MiB) that bounded the original.
 */
const deadLetterMessageBytesMax = String(2 * 1_048_576);

/**
 * How every topic of the project is created when missing. The event feed keeps a week (the log itself
 * is the system of record; a CRM that falls further behind re-bootstraps from the state topics). The
 * state topics are compacted and never expire a key's latest value, so a new consumer can bootstrap
 * from them alone. The DLQ keeps a month for people to look at.
 */
export function topicSpecs(layout: TopicLayout): { relay: TopicSpec[]; actions: TopicSpec[] } {
  const base = (name: string, partitions: number, config: Record<string, string>): TopicSpec => ({
    name,
    partitions,
    replicationFactor: layout.replicationFactor,
    config: { 'min.insync.replicas': String(Math.min(layout.minInsyncReplicas, layout.replicationFactor)), ...config },
  });
  const compacted = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1', 'segment.ms': String(3600 * 1000) };
  return {
    relay: [
      base(layout.topics.events, layout.eventsPartitions, { 'cleanup.policy': 'delete', 'retention.ms': week }),
      base(layout.topics.customerLoyalty, layout.statePartitions, compacted),
      base(layout.topics.employeeDiscretion, layout.statePartitions, compacted),
    ],
    actions: [
      // Stamped by the broker on arrival: the consumer judges each message's token at that time (see FrontlineActionHandler).
      base(layout.topics.actions, layout.actionsPartitions, { 'cleanup.policy': 'delete', 'retention.ms': week, 'message.timestamp.type': 'LogAppendTime' }),
      base(layout.topics.actionsDeadLetter, Math.min(3, layout.actionsPartitions), { 'cleanup.policy': 'delete', 'retention.ms': String(30 * 24 * 3600 * 1000), 'max.message.bytes': deadLetterMessageBytesMax }),
    ],
  };
}
