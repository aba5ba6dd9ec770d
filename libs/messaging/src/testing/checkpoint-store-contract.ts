import { expect, it } from '@jest/globals';
import { START } from '#event-store';
import type { CheckpointStore } from '../checkpoint.js';

/**
 * What every `CheckpointStore` does with positions, whatever keeps them (the lease is the SQL store's
 * own: the file store has one owner by construction). `open` gives a store; `name` a fresh checkpoint
 * name for this run.
 */
export function checkpointStoreContract(open: () => Promise<CheckpointStore>, name: () => string): void {
  it('keeps a position per name, START for a name never saved', async () => {
    const store = await open();
    const a = name();
    expect(await store.claim(a)).toBe(true);
    expect(await store.load(a)).toBe(START);
    await store.save(a, { commit: 12n, prepare: 7n });
    await store.save(a, { commit: 20n, prepare: 20n });
    expect(await store.load(a)).toEqual({ commit: 20n, prepare: 20n });
    expect(await store.load(`${a}-other`)).toBe(START);
  });

  it("lists a name's family: itself and its shards' `<name>.shard-<i>-of-<n>`, not names that only share the prefix or another relay named `<name>.<more>`", async () => {
    const store = await open();
    const relay = name();
    const saved = [
      [relay, { commit: 5n, prepare: 5n }],
      [`${relay}.shard-0-of-2`, { commit: 9n, prepare: 8n }],
      [`${relay}.shard-1-of-2`, START],
    ] as const;
    for (const [n, position] of saved) {
      expect(await store.claim(n)).toBe(true);
      await store.save(n, position);
    }
    for (const stranger of [`${relay}x`, `${relay}-eu.shard-0-of-2`, `x${relay}`, `${relay}.eu`, `${relay}.eu.shard-0-of-2`, `${relay}.shard-0-of-2x`]) {
      await store.claim(stranger);
      await store.save(stranger, { commit: 1n, prepare: 1n });
    }
    const family = await store.family(relay);
    expect(family.sort((x, y) => x.name.localeCompare(y.name))).toEqual(saved.map(([n, position]) => ({ name: n, position })).sort((x, y) => x.name.localeCompare(y.name)));
    expect(await store.family(`${relay}-none`)).toEqual([]);
  });

  it("forgets a whole family, every layout's checkpoints, and nobody else's: its followers start from the start again", async () => {
    const store = await open();
    const relay = name();
    const family = [relay, `${relay}.shard-0-of-2`, `${relay}.shard-1-of-2`, `${relay}.shard-2-of-3`];
    const strangers = [`${relay}-eu`, `${relay}.eu`, `${relay}.eu.shard-0-of-2`];
    for (const n of [...family, ...strangers]) {
      expect(await store.claim(n)).toBe(true);
      await store.save(n, { commit: 40n, prepare: 40n });
      await store.release(n);
    }
    expect(await store.forgetFamily(relay)).toEqual({ forgotten: [...family].sort() });
    expect(await store.family(relay)).toEqual([]);
    for (const n of family) expect(await store.load(n)).toBe(START);
    for (const stranger of strangers) expect(await store.load(stranger)).toEqual({ commit: 40n, prepare: 40n });
    expect(await store.forgetFamily(relay)).toEqual({ forgotten: [] });
  });
}
