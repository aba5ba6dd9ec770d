import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '#event-store';
import type { GestureLedger } from '#ledger';
import { FileCheckpointStore, topicSpecs, type MessagePublisher, type TopicAdmin, type TopicMessages } from '#messaging';
import { CrmRelay } from '../src/crm-relay.js';
import { allEvents, enrol, gestures, sampleLedger, testTopics } from './traffic.js';

/**
 * The relay's retry, without a broker: a publisher that refuses its first batches stands in for one
 * that went away. (The broker-outage fault test does this against a real broker; this one pins down
 * the case where the failed batch is the last one and nothing more is appended.)
 */
class FlakyPublisher implements MessagePublisher {
  readonly accepted: TopicMessages[][] = [];
  constructor(private refusals: number) {}

  async publish(batches: TopicMessages[]): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    if (this.refusals > 0) {
      this.refusals--;
      throw new Error('broker not available');
    }
    this.accepted.push(batches);
  }

  async close(): Promise<void> {}
}

const noTopicsToCreate: TopicAdmin = { ensureTopics: async () => [], close: async () => {} };

describe('CRM relay retries a failed publish (no broker: a refusing publisher)', () => {
  const run = `retry${Date.now().toString(36)}`;
  const settings = testTopics('127.0.0.1:1', run);
  let store: EventStore;
  let ledger: GestureLedger;
  const checkpointDir = mkdtempSync(join(tmpdir(), 'gl-relay-retry-'));

  beforeAll(async () => {
    ({ store, ledger } = await sampleLedger());
    await gestures(ledger, run, await enrol(ledger, run, 3), 30);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    rmSync(checkpointDir, { recursive: true, force: true });
  });

  /** Runs a relay over the whole log with `publisher` and `admin`, until it has published the head. */
  async function relayToHead(name: string, publisher: MessagePublisher, admin: TopicAdmin, log: (line: string) => void = () => undefined): Promise<CrmRelay> {
    const relay = new CrmRelay(store, publisher, admin, new FileCheckpointStore(join(checkpointDir, name)), {
      name,
      source: '/gesture-ledger/test',
      topics: settings.topics,
      topicSpecs: topicSpecs(settings).relay,
      backoff: { initialMs: 10, maxMs: 50 },
      log,
    });
    const head = await store.headPosition();
    relay.start();
    try {
      await relay.until(head, 10_000);
    } finally {
      await relay.stop();
    }
    return relay;
  }

  it('publishes the last batch of a quiet log after its first attempt failed, with no further appends to wake it', async () => {
    const publisher = new FlakyPublisher(2);
    const relay = await relayToHead('crm-relay-retry-test', publisher, noTopicsToCreate);
    expect(relay.stats.failures).toBe(2);
    const published = publisher.accepted.flatMap((batch) => batch.find((b) => b.topic === settings.topics.events)!.messages.map((m) => m.headers.ce_id));
    expect(published.sort()).toEqual((await allEvents(store)).map((e) => e.id).sort());
  }, 30_000);

  it('looks for its topics again after a failed publish, so topics deleted under it (or a broker that came back empty) are created again', async () => {
    const ensured: number[] = [];
    const admin: TopicAdmin = { ensureTopics: async () => (ensured.push(Date.now()), ensured.length === 1 ? [] : [settings.topics.events]), close: async () => {} };
    const logged: string[] = [];
    await relayToHead('crm-relay-topics-test', new FlakyPublisher(1), admin, (line) => logged.push(line));
    expect(ensured).toHaveLength(2);
    expect(logged).toContainEqual(expect.stringContaining(`created topics ${settings.topics.events}`));
  }, 30_000);
});
