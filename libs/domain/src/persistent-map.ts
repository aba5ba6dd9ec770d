/**
 * An immutable map with string keys whose `set` and `delete` return a new map sharing all but
 * O(log n) of its structure with the old one (a hash array mapped trie, 32-way). States fold one
 * event at a time; with a copied `Map` every event cost as much as the state was big, so an
 * employee's thousandth gesture of the day cost a thousand copies.
 *
 * Iteration order is the trie's unless the map is made with `ordered()`: then it is insertion order,
 * like `Map`, kept by a second trie from insertion number to key; iteration walks the numbers from the
 * oldest live one up, and a rebuild clears the holes deletions leave once they outnumber the entries.
 */
export class PersistentMap<V> implements ReadonlyMap<string, V> {
  private static readonly emptyUnordered = new PersistentMap<never>(undefined, undefined, false, 0, 0, 0);
  private static readonly emptyOrdered = new PersistentMap<never>(undefined, undefined, true, 0, 0, 0);

  /** An empty map that iterates in no particular order. */
  static empty<V>(): PersistentMap<V> {
    return PersistentMap.emptyUnordered;
  }

  /** An empty map that iterates in insertion order. */
  static ordered<V>(): PersistentMap<V> {
    return PersistentMap.emptyOrdered;
  }

  static from<V>(entries: Iterable<readonly [string, V]>, ordered = false): PersistentMap<V> {
    let map = ordered ? PersistentMap.ordered<V>() : PersistentMap.empty<V>();
    for (const [key, value] of entries) map = map.set(key, value);
    return map;
  }

  private constructor(
    private readonly index: Trie<string, V> | undefined,
    private readonly order: Trie<number, string> | undefined,
    private readonly isOrdered: boolean,
    readonly size: number,
    /** Insertion number of the oldest live entry (ordered maps). */
    private readonly head: number,
    /** The insertion number the next new key gets (ordered maps). */
    private readonly tail: number,
  ) {}

  get(key: string): V | undefined {
    return find(this.index, hashString(key), key)?.value;
  }

  has(key: string): boolean {
    return find(this.index, hashString(key), key) !== undefined;
  }

  /** A map with `key` set; an existing key keeps its place in the order, as with `Map`. */
  set(key: string, value: V): PersistentMap<V> {
    const hash = hashString(key);
    const found = find(this.index, hash, key);
    if (found !== undefined) {
      if (found.value === value) return this;
      return this.with(insert(this.index, leaf(hash, key, value, found.seq), 0), this.order, this.size, this.head, this.tail);
    }
    if (!this.isOrdered) return this.with(insert(this.index, leaf(hash, key, value, 0), 0), undefined, this.size + 1, 0, 0);
    if (this.tail >= insertionNumbersMax) return this.rebuilt().set(key, value);
    const seq = this.tail;
    const index = insert(this.index, leaf(hash, key, value, seq), 0);
    const order = insert(this.order, leaf(hashInt(seq), seq, key, seq), 0);
    return this.with(index, order, this.size + 1, this.size === 0 ? seq : this.head, seq + 1);
  }

  delete(key: string): PersistentMap<V> {
    const hash = hashString(key);
    const found = find(this.index, hash, key);
    if (found === undefined) return this;
    if (this.size === 1) return this.isOrdered ? PersistentMap.ordered() : PersistentMap.empty();
    const index = remove(this.index!, hash, key, 0);
    if (!this.isOrdered) return this.with(index, undefined, this.size - 1, 0, 0);
    const { seq } = found;
    const order = remove(this.order!, hashInt(seq), seq, 0);
    let head = this.head;
    if (seq === head) while (head < this.tail && find(order, hashInt(head), head) === undefined) head++;
    const map = this.with(index, order, this.size - 1, head, this.tail);
    return map.tail - map.head > 2 * map.size + 64 ? map.rebuilt() : map;
  }

  /** The oldest entry of an ordered map (any entry of another), or undefined when empty: O(log n). */
  first(): [string, V] | undefined {
    if (this.size === 0) return undefined;
    if (this.isOrdered) return this.entryAt(this.head);
    return this.entries().next().value;
  }

  *entries(): MapIterator<[string, V]> {
    if (!this.isOrdered) {
      if (this.index !== undefined) yield* walk(this.index);
      return;
    }
    for (let seq = this.head; seq < this.tail && this.size > 0; seq++) {
      const entry = this.entryAt(seq);
      if (entry !== undefined) yield entry;
    }
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  get [Symbol.toStringTag](): string {
    return 'PersistentMap';
  }

  private with(index: Trie<string, V> | undefined, order: Trie<number, string> | undefined, size: number, head: number, tail: number): PersistentMap<V> {
    return new PersistentMap(index, order, this.isOrdered, size, head, tail);
  }

  private entryAt(seq: number): [string, V] | undefined {
    const key = find(this.order, hashInt(seq), seq)?.value;
    return key === undefined ? undefined : [key, this.get(key)!];
  }

  /** The same entries, numbered again from zero: clears holes left by deletions. */
  private rebuilt(): PersistentMap<V> {
    return PersistentMap.from(this.entries(), this.isOrdered);
  }
}

function* walk<V>(node: Trie<string, V>): Generator<[string, V], void, unknown> {
  if (node.kind === 0) yield [node.key, node.value];
  else if (node.kind === 2) for (const l of node.leaves) yield [l.key, l.value];
  else for (const child of node.children) yield* walk(child);
}

/** Far below 2^31, so insertion numbers stay small integers that hash to themselves. */
const insertionNumbersMax = 2 ** 30;

const bitsPerLevel = 5;
const levelMask = 31;

interface Leaf<K, V> {
  readonly kind: 0;
  readonly hash: number;
  readonly key: K;
  readonly value: V;
  /** Insertion number, in ordered maps. */
  readonly seq: number;
}

interface Branch<K, V> {
  readonly kind: 1;
  readonly bitmap: number;
  readonly children: ReadonlyArray<Trie<K, V>>;
}

/** Keys whose 32-bit hashes are equal. */
interface Collision<K, V> {
  readonly kind: 2;
  readonly hash: number;
  readonly leaves: ReadonlyArray<Leaf<K, V>>;
}

type Trie<K, V> = Leaf<K, V> | Branch<K, V> | Collision<K, V>;

const leaf = <K, V>(hash: number, key: K, value: V, seq: number): Leaf<K, V> => ({ kind: 0, hash, key, value, seq });
const branch = <K, V>(bitmap: number, children: ReadonlyArray<Trie<K, V>>): Branch<K, V> => ({ kind: 1, bitmap, children });

function find<K, V>(root: Trie<K, V> | undefined, hash: number, key: K): Leaf<K, V> | undefined {
  let node = root;
  for (let shift = 0; node !== undefined; shift += bitsPerLevel) {
    if (node.kind === 0) return node.key === key ? node : undefined;
    if (node.kind === 2) return node.hash === hash ? node.leaves.find((l) => l.key === key) : undefined;
    const bit = 1 << ((hash >>> shift) & levelMask);
    if ((node.bitmap & bit) === 0) return undefined;
    node = node.children[bitCount(node.bitmap & (bit - 1))];
  }
  return undefined;
}

function insert<K, V>(node: Trie<K, V> | undefined, added: Leaf<K, V>, shift: number): Trie<K, V> {
  if (node === undefined) return added;
  if (node.kind === 1) {
    const bit = 1 << ((added.hash >>> shift) & levelMask);
    const at = bitCount(node.bitmap & (bit - 1));
    if ((node.bitmap & bit) === 0) return branch(node.bitmap | bit, [...node.children.slice(0, at), added, ...node.children.slice(at)]);
    const child = node.children[at]!;
    const next = insert(child, added, shift + bitsPerLevel);
    if (next === child) return node;
    const children = node.children.slice();
    children[at] = next;
    return branch(node.bitmap, children);
  }
  if (node.hash !== added.hash) return split(node, added, shift);
  if (node.kind === 0) return node.key === added.key ? added : { kind: 2, hash: node.hash, leaves: [node, added] };
  const at = node.leaves.findIndex((l) => l.key === added.key);
  const leaves = node.leaves.slice();
  if (at < 0) leaves.push(added);
  else leaves[at] = added;
  return { kind: 2, hash: node.hash, leaves };
}

/** Two nodes whose hashes differ: branch down until their next five bits differ (they must by the 7th level). */
function split<K, V>(existing: Leaf<K, V> | Collision<K, V>, added: Leaf<K, V>, shift: number): Branch<K, V> {
  const a = (existing.hash >>> shift) & levelMask;
  const b = (added.hash >>> shift) & levelMask;
  if (a === b) return branch(1 << a, [split(existing, added, shift + bitsPerLevel)]);
  return branch((1 << a) | (1 << b), a < b ? [existing, added] : [added, existing]);
}

/** The trie without `key` (which must be present): undefined when nothing is left. */
function remove<K, V>(node: Trie<K, V>, hash: number, key: K, shift: number): Trie<K, V> | undefined {
  if (node.kind === 0) return node.key === key ? undefined : node;
  if (node.kind === 2) {
    const leaves = node.leaves.filter((l) => l.key !== key);
    return leaves.length === 1 ? leaves[0] : { kind: 2, hash: node.hash, leaves };
  }
  const bit = 1 << ((hash >>> shift) & levelMask);
  if ((node.bitmap & bit) === 0) return node;
  const at = bitCount(node.bitmap & (bit - 1));
  const next = remove(node.children[at]!, hash, key, shift + bitsPerLevel);
  const children = node.children.slice();
  if (next === undefined) children.splice(at, 1);
  else children[at] = next;
  // A lone leaf moves up: lookups compare whole keys, so a leaf may sit at any depth.
  if (children.length === 1 && children[0]!.kind !== 1) return children[0];
  if (children.length === 0) return undefined;
  return branch(next === undefined ? node.bitmap & ~bit : node.bitmap, children);
}

function bitCount(x: number): number {
  let n = x - ((x >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (Math.imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
}

/** FNV-1a over UTF-16 code units: fast, and spreads the similar ids of one employee well. */
function hashString(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash | 0;
}

function hashInt(n: number): number {
  return n | 0;
}
