import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { loadKafkaSettings } from '#config';
import { loadSchemaBook, schemasDirectory } from '#messaging';

interface AsyncApi {
  asyncapi: string;
  channels: Record<string, { address: string; description: string; messages: Record<string, { $ref: string }>; bindings: { kafka: { topic: string; topicConfiguration: Record<string, unknown> } } }>;
  operations: Record<string, { action: string; channel: { $ref: string } }>;
  components: { messages: Record<string, { payload: { $ref?: string }; bindings: { kafka: { key: { type: string } } } }> };
}

const doc = yaml.load(readFileSync(new URL('../asyncapi.yaml', import.meta.url), 'utf8')) as AsyncApi;
const book = loadSchemaBook();
const stateSchemas = ['CustomerLoyaltyState', 'EmployeeDiscretionState'];
const eventSchemas = book.names.filter((n) => n !== 'common' && n !== 'FrontlineAction' && !stateSchemas.includes(n));

describe('the AsyncAPI document', () => {
  it('is AsyncAPI 3.0 and names every default topic, each with its Kafka binding', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    const topics = loadKafkaSettings({}).topics;
    const addresses = Object.values(doc.channels).map((c) => c.address).sort();
    expect(addresses).toEqual(Object.values(topics).sort());
    for (const channel of Object.values(doc.channels)) expect(channel.bindings.kafka.topic).toBe(channel.address);
    const compacted = Object.values(doc.channels).filter((c) => (c.bindings.kafka.topicConfiguration['cleanup.policy'] as string[]).includes('compact')).map((c) => c.address);
    expect(compacted.sort()).toEqual([topics.customerLoyalty, topics.employeeDiscretion].sort());
  });

  it('lists one message per event type on the event topic, each referencing its JSON Schema and saying its key', () => {
    const events = Object.values(doc.channels).find((c) => c.address === loadKafkaSettings({}).topics.events)!;
    expect(Object.keys(events.messages).sort()).toEqual(eventSchemas);
    for (const name of eventSchemas) {
      const message = doc.components.messages[name]!;
      expect(message.payload.$ref).toBe(`./schemas/${name}.json`);
      expect(message.bindings.kafka.key.type).toBe('string');
    }
  });

  it('tells the consumers of every topic the relay writes in transactions to read committed records only', () => {
    const { events, customerLoyalty, employeeDiscretion } = loadKafkaSettings({}).topics;
    for (const topic of [events, customerLoyalty, employeeDiscretion]) {
      const channel = Object.values(doc.channels).find((c) => c.address === topic)!;
      expect({ topic, description: channel.description }).toEqual({ topic, description: expect.stringContaining('isolation.level=read_committed') });
    }
  });

  it('references only schemas that exist, and every schema but the shared definitions is referenced', () => {
    const refs = Object.values(doc.components.messages).flatMap((m) => (m.payload.$ref ? [m.payload.$ref] : []));
    for (const ref of refs) expect(existsSync(`${schemasDirectory()}${ref.replace('./schemas/', '')}`)).toBe(true);
    expect(refs.map((r) => r.replace('./schemas/', '').replace('.json', '')).sort()).toEqual(book.names.filter((n) => n !== 'common'));
    for (const operation of Object.values(doc.operations)) expect(doc.channels[operation.channel.$ref.replace('#/channels/', '')]).toBeDefined();
  });
});

describe('the JSON Schemas', () => {
  it('all compile (draft 2020-12, strict) and reject what they should', () => {
    expect(book.problems('PurchaseRecorded', { customerId: 'c-1' }).length).toBeGreaterThan(0);
    const money = { amountMinor: 12.5, currency: 'USD' };
    expect(book.problems('PurchaseRecorded', { customerId: 'c-1', purchaseId: 'p', amount: money, month: '2026-11', where: { channel: 'pos', storeId: 's' }, occurredAt: '2026-11-23T10:00:00Z', recordedAt: '2026-11-23T10:00:00Z', policyVersion: 1 }).join()).toContain('/amount/amountMinor');
    expect(book.problems('PurchaseRecorded', { customerId: 'c-1', purchaseId: 'p', amount: { ...money, amountMinor: 1250 }, month: '2026-11', where: { channel: 'pos', storeId: 's' }, occurredAt: '2026-11-23T10:00:00Z', recordedAt: '2026-11-23T10:00:00Z', policyVersion: 1 })).toEqual([]);
  });

  it('describe PurchaseRecorded version 2 with who served the customer (or nobody) and who sent it; version 1 as it was, without', () => {
    const v1 = { customerId: 'c-1', purchaseId: 'p', amount: { amountMinor: 1250, currency: 'USD' }, month: '2026-11', where: { channel: 'pos', storeId: 's' }, occurredAt: '2026-11-23T10:00:00Z', recordedAt: '2026-11-23T10:00:00Z', policyVersion: 1 };
    const v2 = { ...v1, who: { employeeId: 'emp-7', actorId: 'till-1' } };
    expect(book.problems('PurchaseRecorded.v2', v2)).toEqual([]);
    expect(book.problems('PurchaseRecorded.v2', { ...v2, who: { employeeId: null, actorId: 'auth0|crm-1' } })).toEqual([]);
    expect(book.problems('PurchaseRecorded.v2', v1).join()).toContain('who');
    expect(book.problems('PurchaseRecorded.v2', { ...v2, who: null }).join()).toContain('/who');
    expect(book.problems('PurchaseRecorded', v1)).toEqual([]);
    expect(book.problems('PurchaseRecorded', v2).join()).toContain('additionalProperty');
  });
});
