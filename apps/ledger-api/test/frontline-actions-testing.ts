import type { KafkaSettings } from '#config';
import type { createKafka } from '#messaging';

/** Removes a test's actions topic, its dead-letter topic and its consumer group from the broker. */
export async function removeActionsTopics(kafka: ReturnType<typeof createKafka>, settings: KafkaSettings): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [settings.topics.actions, settings.topics.actionsDeadLetter] }).catch(() => undefined);
  await admin.deleteGroups([settings.actionsGroupId]).catch(() => undefined);
  await admin.disconnect();
}
