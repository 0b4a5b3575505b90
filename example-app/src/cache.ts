import { createHash } from 'node:crypto';

/** LRU with TTL and an entry bound; Map iteration order is insertion order. */
export class AnswerCache<V> {
  private readonly map = new Map<string, { at: number; value: V }>();
  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  static key(parts: { question: string; k: number; indexVersion: string; model: string }): string {
    const q = parts.question
      .normalize('NFKC')
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .replace(/[?!. ]+$/, '')
      .trim();
    return createHash('sha256')
      .update(JSON.stringify([q, parts.k, parts.indexVersion, parts.model]))
      .digest('hex');
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (this.now() - e.at > this.ttlMs) {
      this.map.delete(key);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, { at: this.now(), value });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}
