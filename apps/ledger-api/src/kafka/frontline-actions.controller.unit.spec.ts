import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Consumer, EachMessagePayload, KafkaMessage } from 'kafkajs';
import { mintToken, TokenVerifier } from '#auth';
import type { GestureLedger } from '#ledger';
import { RecordingPublisher, recordBytes, type OutgoingRecord } from '#messaging';
import { SupervisedKafkaServer } from './consumer-supervisor.js';
import { DeadLetterQueue } from './dead-letters.js';
import { FrontlineActionHandler } from './frontline-action-handler.js';
import { FRONTLINE_ACTION_HANDLER, frontlineActionsController, OFFSET_COMMITTER } from './frontline-actions.controller.js';
import { OffsetCommitter } from './offset-committer.js';

const topic = 'frontline.actions.v1';
const jwt = { hs256Secret: 'unit-secret-unit-secret-unit-secret-0001', issuer: 'gesture-ledger', audience: 'gesture-ledger' };

/**
 * The controller inside Nest's own Kafka server (parser, deserializer, routing, parameter decorators), fed
 * messages as kafkajs hands them to `eachMessage`; no broker.
 */
describe('the frontline actions controller, behind Nest\'s Kafka server', () => {
  const publisher = new RecordingPublisher();
  const committed: string[] = [];
  const server = new SupervisedKafkaServer({ client: { brokers: ['127.0.0.1:1'] }, postfixId: '' }, () => undefined);
  let app: INestMicroservice;
  let offset = 0;

  beforeAll(async () => {
    const handler = new FrontlineActionHandler({} as GestureLedger, new TokenVerifier(jwt), new DeadLetterQueue(publisher, `${topic}.dlq`, 'ledger'), { valueBytesMax: 64 * 1024, log: () => undefined });
    @Module({
      controllers: [frontlineActionsController(topic)],
      providers: [
        { provide: FRONTLINE_ACTION_HANDLER, useValue: handler },
        { provide: OFFSET_COMMITTER, useValue: { done: (_consumer: unknown, _topic: string, _partition: number, at: string) => committed.push(at), close: async () => undefined } },
      ],
    })
    class TestModule {}
    app = await NestFactory.createMicroservice(TestModule, { strategy: server, logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  async function deliver(message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>): Promise<OutgoingRecord> {
    const before = publisher.letters.length;
    const at = String(offset++);
    const kafkaMessage = { ...message, offset: at, timestamp: '1', attributes: 0 } as KafkaMessage;
    await server.handleMessage({ topic, partition: 0, message: kafkaMessage, heartbeat: async () => undefined, pause: () => () => undefined } as EachMessagePayload);
    expect(committed.at(-1)).toBe(at);
    expect(publisher.letters).toHaveLength(before + 1);
    return publisher.letters.at(-1)!;
  }

  it('dead-letters a message without a value as the original tombstone (not_json), its token nowhere', async () => {
    const token = await mintToken(jwt, { sub: 'till-1', roles: ['pos-system'], store: 'nyc-fifth-ave' });
    const letter = await deliver({ key: Buffer.from('emp-1'), value: null, headers: { authorization: Buffer.from(`Bearer ${token}`), 'x-correlation-id': Buffer.from('c-1') } });
    expect(letter).toMatchObject({ key: Buffer.from('emp-1'), value: null, headers: { 'x-correlation-id': Buffer.from('c-1'), dlq_reason: 'not_json' } });
    expect(letter.headers.authorization).toBeUndefined();
    expect(recordBytes(letter).includes(token)).toBe(false);
  });

  it('keeps a key and headers that look like JSON byte for byte, and a missing key missing', async () => {
    const jsonKey = await deliver({ key: Buffer.from('{"till": "t-1"}'), value: Buffer.from('not json'), headers: { trace: Buffer.from('{"a": 1}'), list: Buffer.from('[1, 2]') } });
    expect(jsonKey).toMatchObject({ key: Buffer.from('{"till": "t-1"}'), value: Buffer.from('not json'), headers: { trace: Buffer.from('{"a": 1}'), list: Buffer.from('[1, 2]'), dlq_reason: 'not_json' } });

    const noKey = await deliver({ key: null, value: Buffer.from('{"type": "gesture.requested", "data": '), headers: {} });
    expect(noKey).toMatchObject({ key: null, value: Buffer.from('{"type": "gesture.requested", "data": '), headers: { dlq_reason: 'not_json' } });
  });

  it('dead-letters a message carrying a header without a value (null, as kafkajs decodes it), that header written empty', async () => {
    const headers = { 'x-correlation-id': null, trace: Buffer.from('t-1') } as unknown as KafkaMessage['headers'];
    const letter = await deliver({ key: Buffer.from('emp-1'), value: Buffer.from('not json'), headers });
    expect(letter.headers).toMatchObject({ 'x-correlation-id': Buffer.alloc(0), trace: Buffer.from('t-1'), dlq_null_headers: '["x-correlation-id"]', dlq_reason: 'not_json' });
  });

  it('takes a JSON value as the broker\'s bytes, not as Nest parsed it', async () => {
    const value = Buffer.from('{"type": "gesture.teleported",  "data": {}}');
    const letter = await deliver({ key: Buffer.from('emp-1'), value, headers: {} });
    expect(letter).toMatchObject({ value, headers: { dlq_reason: 'unknown_type' } });
  });
});

/** The kafkajs consumer as the controller and the committer use it: commits recorded and told, as kafkajs does. */
class FakeConsumer {
  readonly events = { GROUP_JOIN: 'consumer.group_join', COMMIT_OFFSETS: 'consumer.commit_offsets' };
  readonly commits: Array<Array<{ topic: string; partition: number; offset: string }>> = [];
  readonly seeks: string[] = [];
  private readonly listeners = new Map<string, Set<(event: unknown) => void>>();

  on(event: string, listener: (event: unknown) => void): () => void {
    const listeners = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, listeners.add(listener));
    return () => listeners.delete(listener);
  }

  async commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void> {
    this.commits.push(offsets);
    for (const l of this.listeners.get(this.events.COMMIT_OFFSETS) ?? []) l({ payload: {} });
  }

  seek({ offset }: { offset: string }): void {
    this.seeks.push(offset);
  }
}

describe('the frontline actions controller shutting down', () => {
  it('waits for a message whose ledger call is under way, then commits its offset', async () => {
    const consumer = new FakeConsumer();
    const committer = new OffsetCommitter(60_000, () => undefined);
    committer.attach(consumer as unknown as Consumer);
    let finishLedgerCall: () => void = () => undefined;
    const ledgerCall = new Promise<void>((resolve) => (finishLedgerCall = resolve));
    // As the real handler: a ledger call under way is not cut short by the abort; its outcome is durable once it returns.
    const handler = { handle: async () => ledgerCall.then(() => ({ kind: 'applied' })) } as unknown as FrontlineActionHandler;
    const Controller = frontlineActionsController(topic);
    const controller = new Controller(handler, committer);
    const context = {
      getMessage: () => ({ key: null, value: Buffer.from('{}'), headers: {}, offset: '41', timestamp: '1' }),
      getPartition: () => 0,
      getTopic: () => topic,
      getConsumer: () => consumer,
      getHeartbeat: () => async () => undefined,
    };

    const handling = controller.onAction(context);
    const shutdown = controller.beforeApplicationShutdown();
    await new Promise((r) => setTimeout(r, 20));
    finishLedgerCall();
    await Promise.all([handling, shutdown]);

    expect(consumer.commits).toEqual([[{ topic, partition: 0, offset: '42' }]]);
    expect(consumer.seeks).toEqual([]);
  });
});
