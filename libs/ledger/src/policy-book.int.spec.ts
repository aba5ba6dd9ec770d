import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { samplePolicy, type Policy } from '#domain';
import { createEmbeddedEventStore, type EventStore } from '#event-store';
import { NoPolicyError, PolicyBook } from './policy-book.js';

const metadata = { correlationId: 't', causationId: null, actor: 'admin-1', recordedAt: '2026-11-01T12:00:00.000Z' };

/** The sample policy as version 2, told apart by the associates' allowance. */
function version2(associateAllowanceMinor: number): Policy {
  const policy = JSON.parse(JSON.stringify(samplePolicy())) as { version: number; roles: { associate: { allowanceMinor: number } } };
  policy.version = 2;
  policy.roles.associate.allowanceMinor = associateAllowanceMinor;
  return policy as unknown as Policy;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('PolicyBook', () => {
  let store: EventStore;
  beforeEach(async () => {
    store = await createEmbeddedEventStore({ dataDir: 'memory://' });
    const seeded = new PolicyBook(store);
    await seeded.load();
    await seeded.publish(samplePolicy(), 'system', metadata);
  }, 60_000);
  afterEach(() => store.close());

  it('keeps the newest version it has read when an older read of the stream answers last', async () => {
    // A read that saw version 1 but answers after the book has moved on, as a busy pool may.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holdNextRead = true;
    const slow: EventStore = Object.create(store, {
      readStream: {
        value: async (...args: Parameters<EventStore['readStream']>) => {
          const hold = holdNextRead;
          holdNextRead = false;
          const events = await store.readStream(...args);
          if (hold) await released;
          return events;
        },
      },
    });
    const book = new PolicyBook(slow);
    const late = book.publish(version2(30_000), 'admin-2', metadata);
    expect(await book.publish(version2(25_000), 'admin-1', metadata)).toEqual({ kind: 'published', version: 2 });
    release();
    expect(await late).toMatchObject({ kind: 'refused', reason: 'version_not_next' });
    expect(book.current()).toEqual(version2(25_000));
  });

  it('finds the first version another process published while it had none', async () => {
    const empty = await createEmbeddedEventStore({ dataDir: 'memory://' });
    try {
      const replica = new PolicyBook(empty, { followEveryMs: 0 });
      await replica.load();
      expect(() => replica.current()).toThrow(NoPolicyError);
      await new PolicyBook(empty).publish(samplePolicy(), 'admin-1', metadata);
      // Each decision asks for the policy; one that finds none still looks again.
      const decides = (): boolean => {
        try {
          return replica.current().version === 1;
        } catch {
          return false;
        }
      };
      await until(decides);
      expect(replica.current().version).toBe(1);
    } finally {
      await empty.close();
    }
  }, 60_000);

  it('follows a version another process published', async () => {
    const replica = new PolicyBook(store, { followEveryMs: 0 });
    await replica.load();
    const other = new PolicyBook(store);
    await other.publish(version2(25_000), 'admin-1', metadata);
    await until(() => replica.current().version === 2);
    expect(replica.current()).toEqual(version2(25_000));
  });
});
