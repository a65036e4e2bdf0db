/**
 * Entries with a time to live, bounded by an approximate size in bytes, least recently used
 * first out. The size of an entry is estimated from its key and value (two bytes a UTF-16
 * code unit) plus a fixed overhead for the Map slot and the record.
 */
export class ByteLru {
  private readonly entries = new Map<string, { value: string; expires: number; bytes: number }>();
  private used = 0;

  constructor(
    /** The most bytes the entries may hold together. */
    readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(maxBytes > 0)) throw new RangeError(`a byte budget must be positive, not ${maxBytes}`);
  }

  /** Bytes held now, by the estimate. */
  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The live value under `key`, which becomes the most recently used; undefined once expired. */
  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.remove(key);
    if (entry.expires <= this.now()) return undefined;
    this.entries.set(key, entry);
    this.used += entry.bytes;
    return entry.value;
  }

  /**
   * Stores `value` for `ttlMs`, pushing out the least recently used entries until it fits. False,
   * and nothing stored (an older value under the key is dropped too), when the entry alone is
   * larger than the whole budget.
   */
  set(key: string, value: string, ttlMs: number): boolean {
    this.remove(key);
    const bytes = sizeOf(key, value);
    if (bytes > this.maxBytes) return false;
    while (this.used + bytes > this.maxBytes) this.remove(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: this.now() + ttlMs, bytes });
    this.used += bytes;
    return true;
  }

  delete(key: string): void {
    this.remove(key);
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= entry.bytes;
  }
}

/** A Map slot, the record and two string headers, roughly, on a 64-bit V8. */
export const ENTRY_OVERHEAD_BYTES = 96;

export function sizeOf(key: string, value: string): number {
  return 2 * (key.length + value.length) + ENTRY_OVERHEAD_BYTES;
}
