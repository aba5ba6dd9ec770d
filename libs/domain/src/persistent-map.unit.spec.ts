import { describe, expect, it } from '@jest/globals';
import { PersistentMap } from './persistent-map.js';

/** A small deterministic generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

describe('PersistentMap', () => {
  it('behaves like Map (contents and insertion order) under random sets and deletes, and never changes an older version', () => {
    for (const seed of [1, 2, 3]) {
      const next = random(seed);
      const reference = new Map<string, number>();
      let map = PersistentMap.ordered<number>();
      const snapshots: Array<{ map: PersistentMap<number>; entries: Array<[string, number]> }> = [];
      for (let step = 0; step < 6_000; step++) {
        const key = `k-${Math.floor(next() * 700)}`;
        if (next() < 0.6) {
          const value = Math.floor(next() * 1_000);
          reference.set(key, value);
          map = map.set(key, value);
        } else {
          reference.delete(key);
          map = map.delete(key);
        }
        expect(map.size).toBe(reference.size);
        expect(map.get(key)).toBe(reference.get(key));
        if (step % 500 === 0) snapshots.push({ map, entries: [...reference.entries()] });
      }
      expect([...map.entries()]).toEqual([...reference.entries()]);
      expect(map.first()).toEqual(reference.entries().next().value);
      for (const { map: old, entries } of snapshots) expect([...old.entries()]).toEqual(entries);
    }
  });

  it('keeps keys whose 32-bit hashes collide apart', () => {
    // These two customer ids have the same FNV-1a hash.
    const [a, b] = ['c-308475', 'c-1293310'];
    const both = PersistentMap.from([[a, 1], [b, 2], ['c-1', 3]], true);
    expect([both.get(a), both.get(b), both.get('c-1')]).toEqual([1, 2, 3]);
    expect(both.delete(a).get(b)).toBe(2);
    expect(both.delete(a).has(a)).toBe(false);
    expect([...both.delete(b).set(b, 5).entries()]).toEqual([[a, 1], ['c-1', 3], [b, 5]]);
  });

  it("holds thousands of similar keys, as one employee's busy day does", () => {
    let map = PersistentMap.ordered<string>();
    for (let i = 0; i < 20_000; i++) map = map.set(`emp-7~${i}`, `v${i}`);
    for (let i = 0; i < 20_000; i += 7) expect(map.get(`emp-7~${i}`)).toBe(`v${i}`);
    for (let i = 0; i < 20_000; i += 2) map = map.delete(`emp-7~${i}`);
    expect(map.size).toBe(10_000);
    expect(map.has('emp-7~2')).toBe(false);
    expect(map.get('emp-7~3')).toBe('v3');
    expect([...map.keys()].slice(0, 3)).toEqual(['emp-7~1', 'emp-7~3', 'emp-7~5']);
  });

  it('holds the same entries unordered as ordered, in some order', () => {
    const next = random(9);
    let ordered = PersistentMap.ordered<number>();
    let unordered = PersistentMap.empty<number>();
    for (let step = 0; step < 3_000; step++) {
      const key = `k-${Math.floor(next() * 300)}`;
      if (next() < 0.6) {
        ordered = ordered.set(key, step);
        unordered = unordered.set(key, step);
      } else {
        ordered = ordered.delete(key);
        unordered = unordered.delete(key);
      }
    }
    expect(unordered.size).toBe(ordered.size);
    expect(new Map(unordered)).toEqual(new Map(ordered));
  });

  it('returns itself when nothing changes, and keeps a re-set key in its place', () => {
    const map = PersistentMap.from([['a', 1], ['b', 2]], true);
    expect(map.set('a', 1)).toBe(map);
    expect(map.delete('zz')).toBe(map);
    expect([...map.set('a', 3).entries()]).toEqual([['a', 3], ['b', 2]]);
    expect([...map.delete('a').set('a', 4).keys()]).toEqual(['b', 'a']);
  });
});
