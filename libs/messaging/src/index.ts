export * from './port.js';
export * from './topics.js';
// Where the services' retries import it from; it lives in the event store, which reconnects with it too.
export { backoffDelayMs, repeatWithBackoff, sleep, type BackoffLimits } from '#event-store';
export * from './cloud-events.js';
export * from './checkpoint.js';
export { createKafka, type KafkaClientOptions } from './kafka/kafka-client.js';
export { KafkaPublisher, type KafkaPublisherOptions } from './kafka/kafka-publisher.js';
export { KafkaTopicAdmin } from './kafka/kafka-topic-admin.js';
export { installFastProduceEncoding, type FastProduceStats } from './kafka/fast-produce/kafkajs-fast-produce.js';
export { readTopic, type ReadRecord } from './testing/read-topic.js';
export { RecordingPublisher, recordBytes } from './testing/recording-publisher.js';
export { loadSchemaBook, schemasDirectory, type SchemaBook } from './schemas.js';
