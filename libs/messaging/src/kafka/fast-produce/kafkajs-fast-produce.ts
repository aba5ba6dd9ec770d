import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { encodeProduceRequest, NotEncodable, type ProduceRequestArgs, type ToLong } from './produce-request.js';

/**
 * Installs `encodeProduceRequest` as kafkajs' encoder of uncompressed Produce requests. kafkajs 2.2.4
 * spends most of a producer's CPU allocating buffers while encoding (a zero-filled 512-byte buffer per
 * record and per header, a Buffer per varint, a copy per nesting level); the replacement writes the
 * same bytes into one buffer. It hooks the one seam kafkajs looks up per request — the `protocol`
 * function of `requests/produce` — and keeps kafkajs' own request object (api key, version, response
 * parser), replacing only its `encode`. The install checks the exact kafkajs version and the content of
 * every kafkajs file whose behaviour it reproduces, and throws rather than guess when they differ.
 */

export const kafkajsVersion = '2.2.4';

/** SHA-256 (first 16 hex) of the kafkajs sources the replacement reproduces or relies on. */
const reproducedSources: Record<string, string> = {
  'src/protocol/requests/produce/index.js': '789abc7e1c33a99e',
  'src/protocol/requests/produce/v3/request.js': '993a3db997827088',
  'src/protocol/requests/produce/v4/request.js': '0dc2643c0e3c51ad',
  'src/protocol/requests/produce/v5/request.js': '1d5dab00092a1dbd',
  'src/protocol/requests/produce/v6/request.js': 'd19ff7d6cdad42cb',
  'src/protocol/requests/produce/v7/request.js': 'bc64c2f2d7feb31a',
  'src/protocol/recordBatch/v0/index.js': '6d6b63a8959ff0b9',
  'src/protocol/recordBatch/record/v0/index.js': 'ffbc628c1f35f5de',
  'src/protocol/recordBatch/header/v0/index.js': '5517d33a48fa33f5',
  'src/protocol/encoder.js': '9977889e184a9e91',
  'src/protocol/request.js': '2270900ca6474026',
};

interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}
interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<KafkajsEncoder>;
}
type BuildProduce = (args: ProduceRequestArgs) => { request: ProduceRequest; response: unknown };
interface ProduceDefinition {
  versions: string[];
  protocol(options: { version: number }): BuildProduce;
  [installed]?: FastProduceStats;
}

/** Counts of requests encoded here and handed back to kafkajs (tests and benchmarks check them). */
export interface FastProduceStats {
  encoded: number;
  fellBack: number;
}

const installed = Symbol.for('gesture-ledger.fast-produce-encoding');

/** kafkajs' internals, loaded from the same module instances kafkajs itself uses. */
export function kafkajsInternals() {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('kafkajs/package.json'));
  const load = (path: string) => require(join(root, path)) as unknown;
  return {
    root,
    version: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    produce: load('src/protocol/requests/produce/index.js') as ProduceDefinition,
    apiKeys: load('src/protocol/requests/apiKeys.js') as { Produce: number },
    Encoder: load('src/protocol/encoder.js') as new (initialSize?: number) => KafkajsEncoder,
    Long: load('src/utils/long.js') as { fromValue: ToLong },
  };
}

/**
 * Idempotent: the second call returns the first install's stats. Throws when kafkajs is not exactly
 * the version whose encoding this reproduces.
 */
export function installFastProduceEncoding(): FastProduceStats {
  const kafkajs = kafkajsInternals();
  const done = kafkajs.produce[installed];
  if (done) return done;
  if (kafkajs.version !== kafkajsVersion) throw new Error(`fast produce encoding reproduces kafkajs ${kafkajsVersion}, found ${kafkajs.version}: pin kafkajs or re-verify the encoder`);
  for (const [file, expected] of Object.entries(reproducedSources)) {
    const actual = createHash('sha256').update(readFileSync(join(kafkajs.root, file))).digest('hex').slice(0, 16);
    if (actual !== expected) throw new Error(`fast produce encoding: kafkajs ${file} differs from ${kafkajsVersion}'s (sha256 ${actual}, expected ${expected})`);
  }
  const { produce, Encoder, Long } = kafkajs;
  if (kafkajs.apiKeys.Produce !== 0 || typeof produce.protocol !== 'function' || Math.max(...produce.versions.map(Number)) !== 7) throw new Error('fast produce encoding: kafkajs requests/produce has an unexpected shape');
  const toLong: ToLong = (value) => Long.fromValue(value);
  const stats: FastProduceStats = { encoded: 0, fellBack: 0 };
  const original = produce.protocol.bind(produce);
  produce.protocol = ({ version }) => {
    const build = original({ version });
    if (version < 3) return build;
    return (args) => {
      const built = build(args);
      const kafkajsEncode = built.request.encode;
      built.request.encode = async () => {
        let bytes: Buffer;
        try {
          bytes = encodeProduceRequest(args, toLong);
        } catch (error) {
          if (!(error instanceof NotEncodable)) throw error;
          stats.fellBack++;
          return kafkajsEncode();
        }
        stats.encoded++;
        return asEncoder(Encoder, bytes);
      };
      return built;
    };
  };
  Object.defineProperty(produce, installed, { value: stats });
  return stats;
}

/** kafkajs copies a request body out of an Encoder's `buf` up to `offset`; no other part is read. */
function asEncoder(Encoder: new (initialSize?: number) => KafkajsEncoder, bytes: Buffer): KafkajsEncoder {
  const encoder = new Encoder(0);
  encoder.buf = bytes;
  encoder.offset = bytes.length;
  return encoder;
}
