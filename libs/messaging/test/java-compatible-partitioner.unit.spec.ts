import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import kafkajs, { type PartitionerArgs } from 'kafkajs';
import { JavaCompatiblePartitioner, murmur2 } from '../src/kafka/java-compatible-partitioner.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;

const alphabet = Array.from('abcXYZ019-_~.ü日😀');
function keys(count: number): Array<string | Buffer> {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: count }, (_, i) => {
    const length = Math.floor(next() * (i < 50 ? 8 : 300));
    if (i % 7 === 0) return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
    return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  });
}

describe('JavaCompatiblePartitioner', () => {
  it('hashes every key exactly as kafkajs (and Java) murmur2 does', () => {
    expect(murmur2('')).toBe(kafkajsMurmur2(''));
    for (const key of keys(5_000)) expect([key, murmur2(key)]).toEqual([key, kafkajsMurmur2(key)]);
  });

  it('puts every keyed record on the partition kafkajs DefaultPartitioner picks', () => {
    const ours = JavaCompatiblePartitioner();
    const theirs = kafkajs.Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 12, 50]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: partitionId === 1 ? -1 : 0 }));
      for (const key of keys(500)) {
        const args = { topic: 't', partitionMetadata, message: { key, value: 'v' } } as PartitionerArgs;
        expect(ours(args)).toBe(theirs(args));
      }
      expect(ours({ topic: 't', partitionMetadata, message: { key: 'k', value: 'v', partition: 0 } } as PartitionerArgs)).toBe(0);
    }
  });

  it('spreads keyless records round-robin over partitions with a leader', () => {
    const ours = JavaCompatiblePartitioner();
    const partitionMetadata = [0, 1, 2, 3].map((partitionId) => ({ partitionId, leader: partitionId === 2 ? -1 : 0 }));
    const picked = Array.from({ length: 9 }, () => ours({ topic: 't', partitionMetadata, message: { value: 'v' } } as PartitionerArgs));
    expect(new Set(picked)).toEqual(new Set([0, 1, 3]));
    for (let i = 3; i < picked.length; i++) expect(picked[i]).toBe(picked[i - 3]);
  });
});
