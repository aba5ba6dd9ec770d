/**
 * A bounded least-recently-used map. Two bounds: how many entries, and their total weight (an
 * estimate of size the owner supplies), so a few huge entries cannot blow the memory budget either.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; weight: number }>();
  private totalWeight = 0;

  constructor(
    readonly entriesMax: number,
    readonly weightMax = Number.POSITIVE_INFINITY,
    private readonly weigh: (value: V) => number = () => 1,
  ) {
    if (!Number.isInteger(entriesMax) || entriesMax < 1) throw new Error(`LruCache: entriesMax must be a positive integer, got ${entriesMax}`);
  }

  get(key: K): V | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    // Re-insertion moves the key to the young end of Map's insertion order.
    this.map.delete(key);
    this.map.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const weight = Math.max(1, this.weigh(value));
    this.map.set(key, { value, weight });
    this.totalWeight += weight;
    while (this.map.size > this.entriesMax || (this.totalWeight > this.weightMax && this.map.size > 1)) {
      const oldest = this.map.keys().next().value as K;
      this.delete(oldest);
    }
  }

  delete(key: K): void {
    const entry = this.map.get(key);
    if (entry === undefined) return;
    this.map.delete(key);
    this.totalWeight -= entry.weight;
  }

  get size(): number {
    return this.map.size;
  }

  get weight(): number {
    return this.totalWeight;
  }
}
