import { describe, expect, it } from '@jest/globals';
import type { SqlDriver } from '#event-store';
import { runInLanes, type FinishingTask } from './bulk-load.js';

const lanes = (n: number) => ({ concurrentTransactionsMax: n }) as SqlDriver;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tasks that record when they start and end, and how many run at once. */
function recorder() {
  const log: string[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const task = (name: string, after: FinishingTask[] = [], { fail = false, ms = 1 } = {}): FinishingTask => ({
    after,
    async run() {
      log.push(`start ${name}`);
      mostAtOnce = Math.max(mostAtOnce, ++running);
      await sleep(ms);
      running--;
      log.push(`end ${name}`);
      if (fail) throw new Error(`${name} failed`);
    },
  });
  return { log, task, mostAtOnce: () => mostAtOnce };
}

describe('runInLanes (the rebuild finish)', () => {
  it('starts a task only once every task it comes after has ended, two at a time', async () => {
    const { log, task, mostAtOnce } = recorder();
    const mergeA = task('merge a', [], { ms: 30 });
    const mergeB = task('merge b');
    const indexA = task('index a', [mergeA]);
    const drop = task('drop', [mergeA, mergeB]);
    const free = task('free');
    await runInLanes(lanes(8), [mergeA, mergeB, indexA, drop, free]);
    expect(log.filter((l) => l.startsWith('end'))).toHaveLength(5);
    expect(log.indexOf('start index a')).toBeGreaterThan(log.indexOf('end merge a'));
    expect(log.indexOf('start drop')).toBeGreaterThan(Math.max(log.indexOf('end merge a'), log.indexOf('end merge b')));
    // While index a waits for its merge, the lane takes the next task that is ready rather than idling.
    expect(log.indexOf('start free')).toBeLessThan(log.indexOf('start index a'));
    expect(mostAtOnce()).toBe(2);
  });

  it('runs one at a time where the driver has one connection (PGlite)', async () => {
    const { task, mostAtOnce } = recorder();
    await runInLanes(lanes(1), [task('a'), task('b'), task('c')]);
    expect(mostAtOnce()).toBe(1);
  });

  it('starts nothing after a failure, lets the running task end, and throws the failure', async () => {
    const { log, task } = recorder();
    const broken = task('broken', [], { fail: true });
    const slow = task('slow', [], { ms: 20 });
    const later = task('later', [broken]);
    const other = task('other', [slow]);
    await expect(runInLanes(lanes(2), [broken, slow, later, other])).rejects.toThrow('broken failed');
    expect(log).toContain('end slow');
    expect(log).not.toContain('start later');
    expect(log).not.toContain('start other');
  });
});
