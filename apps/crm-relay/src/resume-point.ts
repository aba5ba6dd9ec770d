import { comparePositions, START, type ReadFrom } from '#event-store';
import { shardCheckpointSuffix, type NamedCheckpoint } from '#messaging';

/**
 * Where a relay, or one shard of it, resumes: at its own checkpoint, or further on when the relays of
 * some layout (one relay under the bare name, or all `count` shards of a sharded one) have between them
 * published everything before a later point. That point is the earliest checkpoint of the layout's
 * shards: each event belongs to exactly one shard, so every event before it was published. A layout
 * missing one of its shards' checkpoints proves nothing and is ignored.
 *
 * So a change in the number of shards (1 → 2 → 3 → 1) republishes at most the events between the
 * previous layout's earliest and latest checkpoint, rather than everything since the relay last ran
 * unsharded, or the whole log.
 */
export function resumePoint(relayName: string, own: ReadFrom, family: readonly NamedCheckpoint[]): ReadFrom {
  const layouts = new Map<number, Map<number, ReadFrom>>();
  const put = (count: number, index: number, position: ReadFrom) => {
    const shards = layouts.get(count) ?? new Map<number, ReadFrom>();
    shards.set(index, position);
    layouts.set(count, shards);
  };
  for (const checkpoint of family) {
    const shard = shardOf(relayName, checkpoint.name);
    if (shard) put(shard.count, shard.index, checkpoint.position);
  }
  let resume = own;
  for (const [count, shards] of layouts) {
    if (shards.size < count) continue;
    const published = [...shards.values()].reduce(earlier);
    resume = later(resume, published);
  }
  return resume;
}

/** Which shard of which layout a checkpoint of the relay's family is: the bare name is the one shard of 1. */
export function shardOf(relayName: string, checkpointName: string): { index: number; count: number } | null {
  if (checkpointName === relayName) return { index: 0, count: 1 };
  const match = checkpointName.startsWith(`${relayName}.`) ? shardCheckpointSuffix.exec(checkpointName.slice(relayName.length)) : null;
  if (!match) return null;
  const [index, count] = [Number(match[1]), Number(match[2])];
  return count >= 2 && index < count ? { index, count } : null;
}

function earlier(a: ReadFrom, b: ReadFrom): ReadFrom {
  if (a === START || b === START) return START;
  return comparePositions(a, b) <= 0 ? a : b;
}

function later(a: ReadFrom, b: ReadFrom): ReadFrom {
  if (a === START) return b;
  if (b === START) return a;
  return comparePositions(a, b) >= 0 ? a : b;
}
