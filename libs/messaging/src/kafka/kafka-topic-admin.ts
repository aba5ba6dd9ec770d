import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import type { TopicAdmin, TopicSpec } from '../port.js';

/** Creates missing topics through the Kafka admin API; never alters a topic that exists. */
export class KafkaTopicAdmin implements TopicAdmin {
  constructor(
    private readonly kafka: Kafka,
    private readonly timeoutMs = 30_000,
  ) {}

  async ensureTopics(specs: readonly TopicSpec[]): Promise<string[]> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.name));
      if (missing.length === 0) return [];
      await admin.createTopics({
        waitForLeaders: true,
        timeout: this.timeoutMs,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor,
          configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
        })),
      });
      return missing.map((s) => s.name);
    } finally {
      await admin.disconnect();
    }
  }

  /** One setting of an existing topic as the broker reports it (its default included); null if the topic is missing. */
  async topicSetting(topic: string, setting: string): Promise<string | null> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: [setting] }] });
      return resources[0]?.configEntries.find((entry) => entry.configName === setting)?.configValue ?? null;
    } catch (error) {
      if ((error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return null;
      throw error;
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {}
}
