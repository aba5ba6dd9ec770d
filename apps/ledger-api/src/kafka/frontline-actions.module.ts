import { Module, type BeforeApplicationShutdown, type DynamicModule, type INestApplication, type OnApplicationShutdown } from '@nestjs/common';
import type { KafkaOptions } from '@nestjs/microservices';
import type { TokenVerifier } from '#auth';
import type { KafkaSettings } from '#config';
import type { GestureLedger } from '#ledger';
import { createKafka, KafkaPublisher, KafkaTopicAdmin, repeatWithBackoff, topicSpecs, type BackoffLimits, type MessagePublisher } from '#messaging';
import { ConsumerSupervisor, SupervisedKafkaServer } from './consumer-supervisor.js';
import { DeadLetterQueue, type DeadLetterReason } from './dead-letters.js';
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
  /** Told of each consumer crash, and of each message dead-lettered (metrics). */
  onConsumerCrash?: (restartedBy: 'kafkajs' | 'supervisor') => void;
  onDeadLettered?: (reason: DeadLetterReason) => void;
  /** The consumer's settings over the defaults below (tests). */
  consumer?: Partial<ConsumerOptions>;
  /** Backoff between restarts of a consumer that kafkajs gave up on. */
  restartBackoff?: BackoffLimits;
}

type ConsumerOptions = NonNullable<Required<KafkaOptions>['options']['consumer']>;

export interface FrontlineActionsIn {
  /** Add to the app's modules (`createLedgerApp({ modules: [...] })`) so the controller is registered. */
  module: DynamicModule;
  handler: FrontlineActionHandler;
  /** Restarts the consumer when kafkajs gives up on it; says how it is doing. */
  supervisor: ConsumerSupervisor;
  /** Nest's Kafka server the consumer runs in (its `status` observable, `unwrap()`). */
  server: SupervisedKafkaServer;
  /** Creates the topics if missing, connects the consumer to the app as a hybrid microservice and starts it. */
  connect(app: INestApplication): Promise<void>;
  /**
   * `connect`, tried again with bounded backoff until it succeeds or `signal` aborts, for a service that
   * already serves HTTP: a broker away at start-up delays the consumer, never the API. Resolves once
   * consuming, or once aborted.
   */
  keepConnecting(app: INestApplication, signal: AbortSignal, backoff?: BackoffLimits): Promise<void>;
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
  /** The server is the app's hybrid microservice once `connect` got that far: added once, started again after. */
  let connectedToApp = false;
  const publisher = options.publisher ?? new KafkaPublisher(client, { maxRequestBytes: kafka.maxRequestBytes });
  const deadLetters = new DeadLetterQueue(publisher, kafka.topics.actionsDeadLetter, kafka.actionsGroupId);
  const handler = new FrontlineActionHandler(options.ledger, options.verifier, deadLetters, { valueBytesMax: options.valueBytesMax, log, ...(options.onDeadLettered ? { onDeadLettered: options.onDeadLettered } : {}) });
  const committer = new OffsetCommitter(options.commitIntervalMs ?? 200, log);
  const server = new SupervisedKafkaServer(
    {
      // Used as given: Nest would otherwise append '-server' to both.
      postfixId: '',
      client: { clientId: `${kafka.clientId}.frontline-actions`, brokers: kafka.brokers, connectionTimeout: 3_000, requestTimeout: 30_000, retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 } },
      consumer: { groupId: kafka.actionsGroupId, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxBytesPerPartition: 1_048_576, retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 }, ...options.consumer },
      subscribe: { fromBeginning: true },
      run: { autoCommit: false, partitionsConsumedConcurrently: kafka.actionsPartitionsConcurrently },
    },
    (consumer) => {
      supervisor.attach(consumer);
      committer.attach(consumer);
    },
  );
  const supervisor = new ConsumerSupervisor(server, { log, ...(options.onConsumerCrash ? { onCrash: options.onConsumerCrash } : {}), ...(options.restartBackoff ? { backoff: options.restartBackoff } : {}) });

  class FrontlineActionsShutdown implements BeforeApplicationShutdown, OnApplicationShutdown {
    /** Before Nest closes the consumer: no restart may race with it. */
    async beforeApplicationShutdown(): Promise<void> {
      await supervisor.stop();
    }

    async onApplicationShutdown(): Promise<void> {
      await publisher.close();
    }
  }

  @Module({})
  class FrontlineActionsModule {}

  return {
    handler,
    supervisor,
    server,
    module: {
      module: FrontlineActionsModule,
      controllers: [frontlineActionsController(kafka.topics.actions)],
      providers: [
        { provide: FRONTLINE_ACTION_HANDLER, useValue: handler },
        { provide: OFFSET_COMMITTER, useValue: committer },
        FrontlineActionsShutdown,
      ],
    },
    connect,
    async keepConnecting(app, signal, backoff = { initialMs: 1_000, maxMs: 30_000 }) {
      // The followers' repetition, ended by the first success as well as by `signal`.
      const connected = new AbortController();
      await repeatWithBackoff(
        async () => {
          await connect(app);
          connected.abort();
        },
        {
          signal: AbortSignal.any([signal, connected.signal]),
          backoff,
          failed: (error, delayMs, attempt) =>
            log(`frontline actions: cannot start consuming ${kafka.topics.actions} (${(error as Error).message ?? error}); the HTTP API serves meanwhile; trying again in ${delayMs} ms (attempt ${attempt})`),
        },
      );
    },
  };

  async function connect(app: INestApplication): Promise<void> {
    const admin = new KafkaTopicAdmin(client);
    await admin.ensureTopics(topicSpecs(kafka).actions);
    // A topic created elsewhere may carry the producers' clocks, which this consumer cannot trust.
    const stampedBy = await admin.topicSetting(kafka.topics.actions, 'message.timestamp.type');
    handler.judgeTokensAtArrival(stampedBy === 'LogAppendTime');
    if (stampedBy !== 'LogAppendTime') log(`frontline actions: ${kafka.topics.actions} has message.timestamp.type=${stampedBy}; tokens are judged when consumed (set LogAppendTime to judge them when a message arrived)`);
    if (!connectedToApp) {
      app.connectMicroservice({ strategy: server });
      connectedToApp = true;
      await app.startAllMicroservices();
      return;
    }
    // Connected before but not started (the broker went away between the topics and the consumer): the
    // server is started again as the supervisor restarts it.
    await server.close();
    await new Promise<void>((resolve, reject) => void server.listen((error?: unknown) => (error ? reject(error) : resolve())));
  }
}
