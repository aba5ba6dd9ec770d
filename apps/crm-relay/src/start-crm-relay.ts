import { openEventStore, type Settings } from '#config';
import type { EventStore } from '#event-store';
import { createKafka, KafkaPublisher, KafkaTopicAdmin, topicSpecs } from '#messaging';
import { CrmRelay } from './crm-relay.js';
import { partyStatesLimits } from './party-states.js';
import { openRelayCheckpoints } from './relay-checkpoints.js';

export interface RunningCrmRelay {
  relay: CrmRelay;
  /** Stops the relay, then closes what it opened (a store passed in stays open). */
  stop(): Promise<void>;
}

/**
 * Starts the CRM relay. Pass `store` to share the process's event store (the all-in-one main, and the
 * only way with the embedded store, which one process owns); without it the relay opens its own.
 */
export async function startCrmRelay(settings: Settings, options: { store?: EventStore; log?: (line: string) => void } = {}): Promise<RunningCrmRelay> {
  const kafkaSettings = settings.kafka;
  if (kafkaSettings.brokers.length === 0) throw new Error('the CRM relay needs KAFKA_BROKERS');
  const store = options.store ?? (await openEventStore(settings));
  const checkpoints = await openRelayCheckpoints(settings);
  const kafka = createKafka({ brokers: kafkaSettings.brokers, clientId: `${kafkaSettings.clientId}.crm-relay` });
  const publisher = new KafkaPublisher(kafka, { maxRequestBytes: kafkaSettings.maxRequestBytes });
  const admin = new KafkaTopicAdmin(kafka);
  const relay = new CrmRelay(store, publisher, admin, checkpoints, {
    name: kafkaSettings.relayName,
    shard: kafkaSettings.relayShard,
    source: kafkaSettings.eventSource,
    topics: kafkaSettings.topics,
    topicSpecs: topicSpecs(kafkaSettings).relay,
    partyStates: partyStatesLimits(kafkaSettings.relayStateCacheMb),
    lingerMs: kafkaSettings.relayLingerMs,
    ...(options.log ? { log: options.log } : {}),
  });
  relay.start();
  return {
    relay,
    async stop() {
      await relay.stop();
      await publisher.close();
      await checkpoints.close();
      if (!options.store) await store.close();
    },
  };
}
