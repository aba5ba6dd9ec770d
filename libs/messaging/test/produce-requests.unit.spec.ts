import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import type { OutgoingMessage, OutgoingRecord, TopicMessages } from '../src/port.js';
import { kafkajsInternals } from '../src/kafka/fast-produce/kafkajs-fast-produce.js';
import { recordBytesUpperBound, splitIntoRequests } from '../src/kafka/produce-requests.js';
import { between, pick, seededRandom } from '../../domain/test/prng.js';

// kafkajs' own record encoder: what the estimate must never fall below.
const require = createRequire(import.meta.url);
const kafkajsRecord = require(`${kafkajsInternals().root}/src/protocol/recordBatch/record/v0/index.js`) as (r: object) => { buffer: Buffer };

const texts = ['emp-42', 'ümlaut ñ ß é', '日本語テキスト', '😀🚀👩‍💻', '{"amountMinor":1250,"currency":"USD"}'];
function message(random: () => number, i: number): OutgoingMessage {
  const text = (n: number) => Array.from({ length: n }, () => pick(random, texts)).join('');
  const headers: Record<string, string> = { ce_id: `id-${i}`, ce_streamrevision: String(i) };
  for (let n = between(random, 0, 12); n > 0; n--) headers[`${text(1)}-${n}`] = text(between(random, 0, 20));
  const value = random() < 0.1 ? null : random() < 0.2 ? Buffer.from(text(between(random, 0, 50))) : text(between(random, 0, pick(random, [5, 50, 3_000])));
  return { key: `k${between(random, 0, 30)}-${text(1)}`, value, headers };
}

/** Every topic's messages, in the order the requests carry them. */
function perTopic(requests: TopicMessages[][]): Map<string, OutgoingMessage[]> {
  const out = new Map<string, OutgoingMessage[]>();
  for (const request of requests) for (const { topic, messages } of request) out.set(topic, [...(out.get(topic) ?? []), ...messages]);
  return out;
}

describe('a publish cut into produce requests the broker accepts', () => {
  it('estimates every record at or above the bytes kafkajs encodes for it', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 2_000; i++) {
      const m = message(random, i);
      const encoded = kafkajsRecord({ key: m.key, value: m.value, headers: m.headers, offsetDelta: i * 97, timestampDelta: i * 1_000_003 }).buffer;
      expect(recordBytesUpperBound(m)).toBeGreaterThanOrEqual(encoded.length);
    }
  });

  it('returns a publish that fits as it is', () => {
    const random = seededRandom(1);
    const batches = [{ topic: 'a', messages: Array.from({ length: 20 }, (_, i) => message(random, i)) }, { topic: 'b', messages: [] }];
    const requests = splitIntoRequests(batches, 10_000_000);
    expect(requests).toHaveLength(1);
    expect(requests[0]![0]!.messages).toBe(batches[0]!.messages);
  });

  it.each([5_000, 20_000, 200_000])('keeps each request within %i bytes and every topic in order, with no message lost or repeated', (maxBytes) => {
    const random = seededRandom(maxBytes);
    const batches = ['events', 'loyalty', 'discretion'].map((topic, t) => ({ topic, messages: Array.from({ length: 300 + 200 * t }, (_, i) => message(random, i)) }));
    const requests = splitIntoRequests(batches, maxBytes);
    expect(requests.length).toBeGreaterThan(1);
    for (const request of requests) {
      const sizes = request.flatMap((t) => t.messages.map(recordBytesUpperBound));
      if (sizes.length > 1) expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(maxBytes);
      expect(request.every((t) => t.messages.length > 0)).toBe(true);
      expect(new Set(request.map((t) => t.topic)).size).toBe(request.length);
    }
    const carried = perTopic(requests);
    for (const { topic, messages } of batches) expect(carried.get(topic)).toEqual(messages);
  });

  it('sends a message larger than the limit alone, between its neighbours', () => {
    const small = (id: string): OutgoingMessage => ({ key: 'k', value: 'v', headers: { ce_id: id } });
    const huge: OutgoingMessage = { key: 'k', value: 'x'.repeat(5_000), headers: { ce_id: 'huge' } };
    const requests = splitIntoRequests([{ topic: 't', messages: [small('1'), small('2'), huge, small('3')] }], 1_000);
    expect(requests.map((r) => r.flatMap((t) => t.messages.map((m) => m.headers.ce_id)))).toEqual([['1', '2'], ['huge'], ['3']]);
  });

  it('measures a header without a value (null, as a consumed record may carry it) instead of throwing on it', () => {
    // Typed out of OutgoingRecord, but copied from a record kafkajs decoded.
    const record = { key: 'k', value: 'v', headers: { empty: null, repeated: ['x', null] } } as unknown as OutgoingRecord;
    expect(recordBytesUpperBound(record)).toBeGreaterThanOrEqual(recordBytesUpperBound({ key: 'k', value: 'v', headers: { empty: '', repeated: ['x', ''] } }));
    expect(splitIntoRequests([{ topic: 't', messages: [record] }], 1_000)).toEqual([[{ topic: 't', messages: [record] }]]);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => splitIntoRequests([], 0)).toThrow(RangeError);
    expect(() => splitIntoRequests([], 1.5)).toThrow(RangeError);
  });
});
