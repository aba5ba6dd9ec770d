import { randomInt } from 'node:crypto';
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

/**
 * kafkajs' `DefaultPartitioner` (Java's: murmur2 of the key's bytes, positive, modulo the partition
 * count; round-robin over available partitions for keyless records) without its per-record costs:
 * kafkajs hashes with BigInt-backed 64-bit longs, copies every key into a Buffer and filters the
 * partition list for every record. A key lands on the same partition as with kafkajs or Java clients
 * (the unit test compares them over random keys).
 */
export const JavaCompatiblePartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return (murmur2(message.key) & 0x7fffffff) % partitionMetadata.length;
    const counter = (counters.get(topic) ?? randomInt(2 ** 32 - 1)) + 1;
    counters.set(topic, counter);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[(counter & 0x7fffffff) % available.length]!.partitionId;
    return (counter & 0x7fffffff) % partitionMetadata.length;
  };
};

const asciiScratch = new Uint8Array(256);

/** Java's `Utils.murmur2` of the key's UTF-8 bytes, in 32-bit arithmetic. */
export function murmur2(key: Buffer | string): number {
  if (Buffer.isBuffer(key)) return murmur2Bytes(key, key.length);
  const text = String(key);
  const n = text.length;
  if (n <= asciiScratch.length) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      asciiScratch[i] = c;
    }
    if (i === n) return murmur2Bytes(asciiScratch, n);
  }
  const bytes = Buffer.from(text, 'utf8');
  return murmur2Bytes(bytes, bytes.length);
}

function murmur2Bytes(data: Uint8Array, length: number): number {
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) h = Math.imul(h ^ data[whole]!, m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
