import { Module, type DynamicModule, type INestApplication, type OnApplicationShutdown } from '@nestjs/common';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { TokenVerifier } from '#auth';
import type { KafkaSettings } from '#config';
import type { GestureLedger } from '#ledger';
import { createKafka, KafkaPublisher, KafkaTopicAdmin, topicSpecs, type MessagePublisher } from '#messaging';
import { DeadLetterQueue } from './dead-letters.js';
import { FrontlineActionHandler } from './frontline-action-handler.js';
import { FRONTLINE_ACTION_HANDLER, frontlineActionsController, OFFSET_COMMITTER } from './frontline-actions.controller.js';
import { OffsetCommitter } from './offset-committer.js';

export interface FrontlineActionsOptions {
  ledger: GestureLedger;
  verifier: TokenVerifier;
  kafka: KafkaSettings;
  /** The HTTP body limit: a message value is bounded the same way. */
  valueBytesMax: number;
  /** How often durable offsets are committed. */
  commitIntervalMs?: number;
  /** The dead-letter writer's publisher; a kafkajs idempotent producer by default. */
  publisher?: MessagePublisher;
  log?: (line: string) => void;
}

export interface FrontlineActionsIn {
  /** Add to the app's modules (`createLedgerApp({ modules: [...] })`) so the controller is registered. */
  module: DynamicModule;
  handler: FrontlineActionHandler;
  /** Creates the topics if missing, connects the consumer to the app as a hybrid microservice and starts it. */
  connect(app: INestApplication): Promise<void>;
}

/**
 * Frontline actions over Kafka for the ledger API (hybrid app: HTTP and the Kafka consumer in one
 * process, the same ledger behind both). Usage:
 *
 *     const kafkaIn = frontlineActionsIn({ ledger, verifier, kafka: settings.kafka, valueBytesMax: settings.bodyLimitBytes });
 *     const app = await createLedgerApp({ ..., modules: [kafkaIn.module] });
 *     await kafkaIn.connect(app);   // before or after app.listen
 */
export function frontlineActionsIn(options: FrontlineActionsOptions): FrontlineActionsIn {
  const kafka = options.kafka;
  const log = options.log ?? ((line: string) => console.error(line));
  const client = createKafka({ brokers: kafka.brokers, clientId: `${kafka.clientId}.frontline-actions-dlq` });
  const publisher = options.publisher ?? new KafkaPublisher(client, { maxRequestBytes: kafka.maxRequestBytes });
  const deadLetters = new DeadLetterQueue(publisher, kafka.topics.actionsDeadLetter, kafka.actionsGroupId);
  const handler = new FrontlineActionHandler(options.ledger, options.verifier, deadLetters, { valueBytesMax: options.valueBytesMax, log });
  const committer = new OffsetCommitter(options.commitIntervalMs ?? 200, log);

  class PublisherCloser implements OnApplicationShutdown {
    async onApplicationShutdown(): Promise<void> {
      await publisher.close();
    }
  }

  @Module({})
  class FrontlineActionsModule {}

  return {
    handler,
    module: {
      module: FrontlineActionsModule,
      controllers: [frontlineActionsController(kafka.topics.actions)],
      providers: [
        { provide: FRONTLINE_ACTION_HANDLER, useValue: handler },
        { provide: OFFSET_COMMITTER, useValue: committer },
        PublisherCloser,
      ],
    },
    async connect(app) {
      await new KafkaTopicAdmin(client).ensureTopics(topicSpecs(kafka).actions);
      app.connectMicroservice<MicroserviceOptions>({
        transport: Transport.KAFKA,
        options: {
          // Used as given: Nest would otherwise append '-server' to both.
          postfixId: '',
          client: { clientId: `${kafka.clientId}.frontline-actions`, brokers: kafka.brokers, connectionTimeout: 3_000, requestTimeout: 30_000, retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 } },
          consumer: { groupId: kafka.actionsGroupId, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxBytesPerPartition: 1_048_576, retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 } },
          subscribe: { fromBeginning: true },
          run: { autoCommit: false, partitionsConsumedConcurrently: kafka.actionsPartitionsConcurrently },
          // The handler parses the value itself, so "not JSON" is a reason it can report.
          parser: { keepBinary: true },
        },
      });
      await app.startAllMicroservices();
    },
  };
}
