import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TokenVerifier, type TokenSettings } from '#auth';
import type { KafkaSettings } from '#config';
import type { EventStore } from '#event-store';
import type { GestureLedger } from '#ledger';
import type { createKafka } from '#messaging';
import type { Producer } from 'kafkajs';
import { createLedgerApp } from '../src/create-app.js';
import type { FrontlineActionsIn } from '../src/kafka/frontline-actions.module.js';

/** The ledger API with the frontline actions consumer in it, connected to the broker (not listening on HTTP). */
export async function ledgerAppWithActionsIn(ledger: GestureLedger, jwt: TokenSettings, kafkaIn: FrontlineActionsIn): Promise<NestFastifyApplication> {
  const app = await createLedgerApp({ ledger, verifier: new TokenVerifier(jwt), bodyLimitBytes: 64 * 1024, logger: false, swaggerUi: false, modules: [kafkaIn.module] });
  await kafkaIn.connect(app);
  return app;
}

/** Stops what a frontline actions suite started, then removes its topics and consumer group from the broker. */
export async function tearDownActionsIn(parts: { producer: Producer; app?: NestFastifyApplication; store?: EventStore; kafka: ReturnType<typeof createKafka>; settings: KafkaSettings }): Promise<void> {
  await parts.producer.disconnect();
  await parts.app?.close();
  await parts.store?.close();
  await removeActionsTopics(parts.kafka, parts.settings);
}

/** Removes a test's actions topic, its dead-letter topic and its consumer group from the broker. */
export async function removeActionsTopics(kafka: ReturnType<typeof createKafka>, settings: KafkaSettings): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [settings.topics.actions, settings.topics.actionsDeadLetter] }).catch(() => undefined);
  await admin.deleteGroups([settings.actionsGroupId]).catch(() => undefined);
  await admin.disconnect();
}
