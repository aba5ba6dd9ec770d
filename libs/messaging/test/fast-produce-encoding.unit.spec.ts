import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ByteWriter } from '../src/kafka/fast-produce/byte-writer.js';
import { crc32c } from '../src/kafka/fast-produce/crc32c.js';
import { installFastProduceEncoding, kafkajsInternals } from '../src/kafka/fast-produce/kafkajs-fast-produce.js';
import { encodeProduceRequest, initialRequestBytes, NotEncodable, writeRecord, type ProduceMessage, type ProduceRequestArgs } from '../src/kafka/fast-produce/produce-request.js';
import { seededRandom } from '../../domain/test/prng.js';

// kafkajs' own encoders, straight from its sources: the reference every byte is compared with.
const require = createRequire(import.meta.url);
const { root, Long } = kafkajsInternals();
const kafkajsRecord = require(`${root}/src/protocol/recordBatch/record/v0/index.js`) as (r: object) => { buffer: Buffer };
const kafkajsProduceV3 = require(`${root}/src/protocol/requests/produce/v3/request.js`) as (a: object) => { encode(): Promise<{ buffer: Buffer }> };
const kafkajsCrc32c = require(`${root}/src/protocol/recordBatch/crc32C/index.js`) as (b: Buffer) => number;
const toLong = (v: unknown) => Long.fromValue(v);

/** Deterministic (mulberry32), so a failing seed can be replayed. */
function random(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Random = ReturnType<typeof random>;

const alphabets = ['abcxyz-_.0123456789', 'ümlaut ñ ß é', '日本語テキスト', '😀🚀👩‍💻', '\ud800 lone \udfff', '\u0000\u007f\u0080\u07ff\u0800\uffff'].map((a) => Array.from(a));
function text(r: Random, maxChars: number): string {
  const chars = r.pick(alphabets);
  return Array.from({ length: r.int(maxChars + 1) }, () => r.pick(chars)).join('');
}
function bytes(r: Random, max: number): Buffer {
  return Buffer.from(Array.from({ length: r.int(max + 1) }, () => r.int(256)));
}
function keyOrValue(r: Random): string | Buffer | null | undefined {
  switch (r.int(8)) {
    case 0:
      return null;
    case 1:
      return r.int(2) ? '' : Buffer.alloc(0);
    case 2:
      return bytes(r, 300);
    case 3:
      return text(r, 20_000); // bodies past 8 KiB: a record length of 3 varint bytes
    case 4:
      return r.int(2) ? undefined : text(r, 40);
    default:
      return text(r, r.pick([10, 63, 64, 65, 300, 2_000]));
  }
}
function headers(r: Random): Record<string, string | Buffer | Array<string | Buffer>> | undefined {
  if (r.int(6) === 0) return undefined;
  const h: Record<string, string | Buffer | Array<string | Buffer>> = {};
  for (let n = r.int(20) === 0 ? 70 : r.pick([0, 1, 3, 11]); n > 0; n--) {
    const value = () => (r.int(4) === 0 ? bytes(r, 80) : text(r, r.pick([0, 5, 40, 200])));
    h[`${text(r, 12)}${n}`] = r.int(8) === 0 ? Array.from({ length: r.int(4) }, value) : value();
  }
  return h;
}
function message(r: Random, timestamps: 'none' | 'number' | 'string'): ProduceMessage {
  const m: ProduceMessage = { key: keyOrValue(r), value: keyOrValue(r) };
  const h = headers(r);
  if (h !== undefined) m.headers = h;
  if (timestamps !== 'none' && r.int(4) !== 0) {
    // Spread over ±2^41 ms: negative and several-byte varlong deltas.
    const at = 1_700_000_000_000 + (r.next() - 0.5) * 2 ** 42;
    m.timestamp = timestamps === 'number' ? Math.round(at) : String(Math.round(at));
  }
  return m;
}
function request(r: Random): ProduceRequestArgs {
  const timestamps = r.pick(['none', 'none', 'number', 'string'] as const);
  return {
    acks: r.pick([-1, 0, 1]),
    timeout: r.int(60_000),
    compression: 0,
    ...(r.int(3) === 0 ? {} : { transactionalId: r.int(2) ? null : text(r, 20) }),
    ...(r.int(3) === 0 ? {} : { producerId: r.pick([-1, 0, 4711, 2 ** 40 + 3]), producerEpoch: r.int(3) }),
    topicData: Array.from({ length: 1 + r.int(3) }, () => ({
      topic: `topic.${text(r, 30)}`,
      partitions: Array.from({ length: 1 + r.int(4) }, (_, p) => ({
        partition: r.int(2) ? p : String(p),
        ...(r.int(3) === 0 ? {} : { firstSequence: r.int(2 ** 31) }),
        messages: Array.from({ length: r.int(12) }, () => message(r, timestamps)),
      })),
    })),
  };
}

const now = 1_763_900_000_123;

async function kafkajsBytes(args: ProduceRequestArgs): Promise<Buffer> {
  const spy = jest.spyOn(Date, 'now').mockReturnValue(now);
  try {
    return Buffer.from((await kafkajsProduceV3(args).encode()).buffer);
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('fast produce encoding (byte for byte kafkajs 2.2.4)', () => {
  it('writes every record exactly as kafkajs Record v0 does', () => {
    const r = random(1);
    const deltas = [0, 1, -1, 63, 64, -65, 8191, 2 ** 20, -(2 ** 31), 2 ** 31 - 1, 2 ** 40, -(2 ** 45) - 7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let i = 0; i < 2_000; i++) {
      const m = message(r, 'none');
      const offsetDelta = i < 100 ? r.pick([0, 1, 63, 64, 8191, 8192, 2 ** 31 - 1, -1, -(2 ** 31)]) : r.int(100_000);
      const timestampDelta = r.pick(deltas);
      const w = new ByteWriter(16);
      writeRecord(w, m, offsetDelta, timestampDelta);
      const expected = kafkajsRecord({ ...m, offsetDelta, timestampDelta }).buffer;
      if (!w.written().equals(expected)) throw new Error(`record ${i} differs: ${JSON.stringify({ m, offsetDelta, timestampDelta }).slice(0, 400)}`);
    }
  });

  it('writes whole produce requests exactly as kafkajs does, CRC included', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const args = request(random(seed));
      const ours = encodeProduceRequest(args, toLong, () => now);
      const theirs = await kafkajsBytes(args);
      if (!ours.equals(theirs)) throw new Error(`request of seed ${seed} differs (${ours.length} vs ${theirs.length} bytes)`);
    }
  });

  it('starts a request of many small messages at a bounded buffer after a request of one large message, and still writes it as kafkajs does', async () => {
    const large: ProduceRequestArgs = { acks: -1, timeout: 30_000, topicData: [{ topic: 'dlq', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'x'.repeat(1_000_000), headers: {} }] }] }] };
    encodeProduceRequest(large, toLong, () => now);
    // Sized from the last request alone, 1,200 messages would have asked for 1.3 GB up front.
    expect(initialRequestBytes(1_200)).toBeLessThanOrEqual(2 << 20);
    const small: ProduceRequestArgs = { acks: -1, timeout: 30_000, topicData: [{ topic: 'events', partitions: [{ partition: 1, messages: Array.from({ length: 1_200 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(i % 700), headers: { ce_id: `id-${i}` } })) }] }] };
    expect(encodeProduceRequest(small, toLong, () => now).equals(await kafkajsBytes(small))).toBe(true);
  });

  it('computes CRC-32C as kafkajs does at every length and alignment', () => {
    const r = random(7);
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    for (let n = 0; n < 300; n++) {
      const b = bytes(r, 100 + n * 7);
      const start = r.int(Math.max(1, b.length));
      expect(crc32c(b, start)).toBe(kafkajsCrc32c(b.subarray(start)));
    }
  });

  it('refuses what kafkajs would encode differently, so kafkajs encodes it', () => {
    const base = { acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v' }] as ProduceMessage[] }] }] };
    const withMessage = (m: ProduceMessage) => ({ ...base, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [m] }] }] });
    expect(() => encodeProduceRequest(withMessage({ key: 5, value: 'v' }), toLong)).toThrow(NotEncodable);
    expect(() => encodeProduceRequest(withMessage({ key: 'k', value: new Uint8Array(2) }), toLong)).toThrow(NotEncodable);
    expect(() => encodeProduceRequest(withMessage({ key: 'k', value: 'v', headers: { a: 7 } }), toLong)).toThrow(NotEncodable);
    expect(() => writeRecord(new ByteWriter(16), { key: 'k', value: 'v' }, 0, 0.5)).toThrow(NotEncodable);
    expect(() => encodeProduceRequest({ ...base, compression: 1 }, toLong)).toThrow(NotEncodable);
  });

  it('leaves a header without a value (null) to kafkajs, which cannot encode it: nothing would write it as kafkajs does', () => {
    for (const headers of [{ a: null }, { a: ['x', null] }]) {
      expect(() => kafkajsRecord({ key: 'k', value: 'v', headers })).toThrow(/Received null/);
      expect(() => writeRecord(new ByteWriter(16), { key: 'k', value: 'v', headers }, 0, 0)).toThrow(NotEncodable);
    }
  });

  it('installs once into kafkajs, which then encodes through it and falls back when told to', async () => {
    const stats = installFastProduceEncoding();
    expect(installFastProduceEncoding()).toBe(stats);
    const { produce } = kafkajsInternals();
    const args = request(random(42));
    const before = { ...stats };
    const spy = jest.spyOn(Date, 'now').mockReturnValue(now);
    const viaHook = Buffer.from((await produce.protocol({ version: 7 })(args).request.encode()).buffer);
    spy.mockRestore();
    expect(viaHook.equals(await kafkajsBytes(args))).toBe(true);
    expect(stats.encoded).toBe(before.encoded + 1);
    const odd = { ...args, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v', headers: { n: 1 } }] }] }] };
    await expect(produce.protocol({ version: 7 })(odd).request.encode()).rejects.toThrow(/must be of type string/); // kafkajs' own refusal
    expect(stats.fellBack).toBe(before.fellBack + 1);
    expect(produce.protocol({ version: 7 })(args).request.apiVersion).toBe(7);
  });
});
