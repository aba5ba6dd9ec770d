import { afterEach, describe, expect, it } from '@jest/globals';
import type { Consumer } from 'kafkajs';
import { OffsetCommitter } from './offset-committer.js';

type Offset = { topic: string; partition: number; offset: string };

/** A kafkajs consumer as the committer uses it: group joins told by hand, commits recorded (and told, as kafkajs does) or failed. */
class FakeConsumer {
  readonly events = { GROUP_JOIN: 'consumer.group_join', COMMIT_OFFSETS: 'consumer.commit_offsets' };
  readonly commits: Offset[][] = [];
  failCommits = false;
  private readonly listeners = new Map<string, Set<(event: unknown) => void>>();

  on(event: string, listener: (event: unknown) => void): () => void {
    const listeners = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, listeners.add(listener));
    return () => listeners.delete(listener);
  }

  join(assignment: Record<string, number[]>): void {
    this.emit(this.events.GROUP_JOIN, { memberAssignment: assignment });
  }

  async commitOffsets(offsets: Offset[]): Promise<void> {
    if (this.failCommits) throw new Error('The group is rebalancing, so a rejoin is needed');
    this.commits.push(offsets);
    this.emit(this.events.COMMIT_OFFSETS, {});
  }

  private emit(event: string, payload: unknown): void {
    for (const l of this.listeners.get(event) ?? []) l({ payload });
  }
}

describe('OffsetCommitter', () => {
  let committer: OffsetCommitter;
  afterEach(() => committer.close());

  function attached(): [OffsetCommitter, FakeConsumer, Consumer] {
    committer = new OffsetCommitter(60_000, () => undefined);
    const fake = new FakeConsumer();
    const consumer = fake as unknown as Consumer;
    committer.attach(consumer);
    fake.join({ t: [0, 1] });
    return [committer, fake, consumer];
  }

  it('commits the offset after the last durable message of each assigned partition', async () => {
    const [committer, fake, consumer] = attached();
    committer.done(consumer, 't', 0, '4');
    committer.done(consumer, 't', 0, '5');
    committer.done(consumer, 't', 1, '9');
    await committer.flush();
    expect(fake.commits).toEqual([[{ topic: 't', partition: 0, offset: '6' }, { topic: 't', partition: 1, offset: '10' }]]);
  });

  it('commits an offset once: what kafkajs told it committed is not sent again', async () => {
    const [committer, fake, consumer] = attached();
    committer.done(consumer, 't', 0, '5');
    await committer.flush();
    await committer.flush();
    expect(fake.commits).toEqual([[{ topic: 't', partition: 0, offset: '6' }]]);
  });

  it('drops the offset of a partition revoked in a rebalance: committed later it would move the group back', async () => {
    const [committer, fake, consumer] = attached();
    committer.done(consumer, 't', 0, '5');
    committer.done(consumer, 't', 1, '9');
    // The commit fails while the group rebalances; partition 0 goes to another member, which moves on.
    fake.failCommits = true;
    await committer.flush();
    fake.join({ t: [1] });
    fake.failCommits = false;
    await committer.flush();
    expect(fake.commits).toEqual([[{ topic: 't', partition: 1, offset: '10' }]]);
  });

  it('ignores a message of a revoked partition finished after the rebalance (its new owner fetches it again)', async () => {
    const [committer, fake, consumer] = attached();
    fake.join({ t: [1] });
    committer.done(consumer, 't', 0, '5');
    await committer.flush();
    expect(fake.commits).toEqual([]);
  });

  it('keeps committing a partition assigned to it again', async () => {
    const [committer, fake, consumer] = attached();
    committer.done(consumer, 't', 1, '9');
    fake.join({ t: [1, 2] });
    await committer.flush();
    expect(fake.commits).toEqual([[{ topic: 't', partition: 1, offset: '10' }]]);
  });
});
