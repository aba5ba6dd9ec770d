import { describe, expect, it } from '@jest/globals';
import { EventStoreOverloadedError } from '../errors.js';
import { GroupCommitter, type GroupCommitLimits } from './group-commit.js';

/** A committer whose batches stay in flight until `commit()`; each item is written as its own text. */
function heldCommitter(limits: Partial<GroupCommitLimits>) {
  const gates: Array<() => void> = [];
  const committer = new GroupCommitter<string, string>(
    { batchAppendsMax: 100, batchesInFlightMax: 1, queuedAppendsMax: 1_000, queuedBytesMax: 1_000, ...limits },
    async (items) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return items;
    },
  );
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  return {
    committer,
    /** Lets the batch in flight commit and the next one leave the queue. */
    async commit() {
      await turn();
      gates.shift()?.();
      // The batch settles in microtasks, which schedule the pump for the turn after this one.
      await turn();
      await turn();
    },
    turn,
  };
}

describe('group commit queue bounded by bytes', () => {
  it('refuses appends once the queued bytes reach the bound, however few they are, and takes them again once the queue has moved on', async () => {
    const { committer, commit, turn } = heldCommitter({ queuedBytesMax: 100 });
    const first = committer.submit('in flight', 60);
    await turn();
    // The first batch holds the one transaction allowed: these wait in the queue.
    const queued = [committer.submit('a', 60), committer.submit('b', 60)];
    const refused = committer.submit('c', 1);
    await expect(refused).rejects.toBeInstanceOf(EventStoreOverloadedError);
    await expect(refused).rejects.toMatchObject({ queuedAppends: 2, queuedBytes: 120 });

    await commit();
    expect(await first).toBe('in flight');
    // a and b are in flight now: their bytes no longer count against the queue.
    const again = committer.submit('d', 60);
    await commit();
    expect(await Promise.all(queued)).toEqual(['a', 'b']);
    await commit();
    expect(await again).toBe('d');
  });

  it('takes appends while the queued bytes are below the bound, the one that reaches it included', async () => {
    const { committer, commit } = heldCommitter({ queuedBytesMax: 100 });
    const taken = [committer.submit('a', 50), committer.submit('b', 49), committer.submit('c', 1)];
    await expect(committer.submit('d', 1)).rejects.toBeInstanceOf(EventStoreOverloadedError);
    await commit();
    expect(await Promise.all(taken)).toEqual(['a', 'b', 'c']);
  });

  it('lets an append larger than the bound through an empty queue, so a valid append is never refused for its size alone', async () => {
    const { committer, commit } = heldCommitter({ queuedBytesMax: 100 });
    const large = committer.submit('large', 1_000);
    await expect(committer.submit('behind it', 1)).rejects.toBeInstanceOf(EventStoreOverloadedError);
    await commit();
    expect(await large).toBe('large');
  });

  it('still refuses by count, whatever the bytes', async () => {
    const { committer, commit } = heldCommitter({ queuedAppendsMax: 2 });
    const taken = [committer.submit('a', 1), committer.submit('b', 1)];
    await expect(committer.submit('c', 1)).rejects.toMatchObject({ name: 'EventStoreOverloadedError', queuedAppends: 2, queuedBytes: 2 });
    await commit();
    expect(await Promise.all(taken)).toEqual(['a', 'b']);
  });
});
