import { createHash } from 'node:crypto';
import { limits } from './limits.js';

/**
 * One share of the global log, by stream: several followers (relay instances) each take one, so together
 * they see every event once while all events of a stream (and so of a message key) stay with one of them,
 * in log order.
 */
export interface LogPartition {
  /** How many shares the log is cut into (1 … `limits.logPartitionsMax`). */
  readonly count: number;
  /** Which of them, from 0. */
  readonly index: number;
}

/**
 * The share of `count` a stream belongs to: the first 32 bits of the MD5 of its name, modulo `count`.
 * MD5 because PostgreSQL computes it natively (`sqlLogPartitionFilter`), so the SQL adapters filter on the
 * server and every adapter cuts the log the same way; it is a spreading hash here, not a security one.
 */
export function logPartitionOf(streamName: string, count: number): number {
  return createHash('md5').update(streamName, 'utf8').digest().readUInt32BE(0) % count;
}

export function isInLogPartition(streamName: string, partition: LogPartition): boolean {
  return partition.count === 1 || logPartitionOf(streamName, partition.count) === partition.index;
}

export function assertLogPartition(partition: LogPartition): void {
  const { count, index } = partition;
  if (!Number.isInteger(count) || count < 1 || count > limits.logPartitionsMax) throw new RangeError(`log partition count must be an integer from 1 to ${limits.logPartitionsMax}, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`log partition index must be an integer from 0 to ${count - 1}, got ${index}`);
}

/** `logPartitionOf` in SQL over a `stream_name` column, with the count and index as parameters `$n` and `$n+1`. */
export function sqlLogPartitionFilter(countParam: number): string {
  return `('x' || substr(md5(stream_name), 1, 8))::bit(32)::bigint % $${countParam}::bigint = $${countParam + 1}::bigint`;
}
