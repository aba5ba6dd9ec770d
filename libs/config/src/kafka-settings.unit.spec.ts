import { describe, expect, it } from '@jest/globals';
import { loadKafkaSettings } from './kafka-settings.js';
import { ConfigurationError } from './settings.js';

describe('Kafka settings', () => {
  it('defaults to the documented topic names, 12 event partitions and a 1-node broker', () => {
    const s = loadKafkaSettings({});
    expect(s.brokers).toEqual([]);
    expect(s.topics).toEqual({
      actions: 'frontline.actions.v1',
      actionsDeadLetter: 'frontline.actions.v1.dlq',
      events: 'gesture-ledger.events.v1',
      customerLoyalty: 'gesture-ledger.customer-loyalty.v1',
      employeeDiscretion: 'gesture-ledger.employee-discretion.v1',
    });
    expect(s).toMatchObject({ consumeActions: true, eventsPartitions: 12, replicationFactor: 1, minInsyncReplicas: 1, maxRequestBytes: 1_000_000, relayShard: { index: 0, count: 1 } });
  });

  it("gives the relay's folded states 128 MB unless CRM_RELAY_STATE_CACHE_MB says otherwise", () => {
    expect(loadKafkaSettings({}).relayStateCacheMb).toBe(128);
    expect(loadKafkaSettings({ CRM_RELAY_STATE_CACHE_MB: '300' }).relayStateCacheMb).toBe(300);
  });

  it('lets the relay linger 10 ms at the head of the log unless CRM_RELAY_LINGER_MS says otherwise (0: not at all)', () => {
    expect(loadKafkaSettings({}).relayLingerMs).toBe(10);
    expect(loadKafkaSettings({ CRM_RELAY_LINGER_MS: '0' }).relayLingerMs).toBe(0);
  });

  it('reads the relay shard as index/count', () => {
    expect(loadKafkaSettings({ CRM_RELAY_SHARD: '1/2' }).relayShard).toEqual({ index: 1, count: 2 });
    expect(loadKafkaSettings({ CRM_RELAY_SHARD: ' 0/64 ' }).relayShard).toEqual({ index: 0, count: 64 });
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost'],
    ['KAFKA_TOPIC_EVENTS', 'has spaces'],
    ['KAFKA_EVENTS_PARTITIONS', '0'],
    ['KAFKA_MAX_REQUEST_BYTES', '999'],
    ['KAFKA_CONSUME_ACTIONS', 'yes'],
    ['CRM_RELAY_SHARD', '2/2'],
    ['CRM_RELAY_STATE_CACHE_MB', '4'],
    ['CRM_RELAY_LINGER_MS', '1001'],
    ['CRM_RELAY_SHARD', '0/0'],
    ['CRM_RELAY_SHARD', '0/65'],
    ['CRM_RELAY_SHARD', '1'],
  ])('refuses %s=%s naming the variable', (variable, value) => {
    expect(() => loadKafkaSettings({ [variable]: value })).toThrow(ConfigurationError);
    expect(() => loadKafkaSettings({ [variable]: value })).toThrow(variable);
  });
});
