import { ChromaClient, type Collection, type Metadata } from 'chromadb';

export const MIGRATIONS_COLLECTION = 'ragship_migrations';
/** Chroma's HTTP server caps bodies at 40 MB; stay far below. */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export interface Record_ {
  id: string;
  embedding: number[];
  document: string;
  metadata: Metadata;
}

export function chromaClient(url: string): ChromaClient {
  const u = new URL(url);
  return new ChromaClient({
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
    ssl: u.protocol === 'https:',
  });
}

/** Thin wrapper: the app's collection and batch writes within max_batch_size and payload limits. */
export class Store {
  readonly client: ChromaClient;
  private maxBatch?: number;
  private col?: Collection;

  constructor(
    readonly url: string,
    readonly collectionName: string,
  ) {
    this.client = chromaClient(url);
  }

  async heartbeat(): Promise<boolean> {
    try {
      await this.client.heartbeat();
      return true;
    } catch {
      return false;
    }
  }

  async maxBatchSize(): Promise<number> {
    this.maxBatch ??= await this.client.getMaxBatchSize();
    return this.maxBatch;
  }

  async collection(): Promise<Collection> {
    this.col ??= await this.client.getCollection({ name: this.collectionName });
    return this.col;
  }

  /** Drop the cached handle (after a migration replaced the collection). */
  forget(): void {
    this.col = undefined;
  }

  async indexMetadata(): Promise<Record<string, unknown>> {
    const c = await this.client.getCollection({ name: this.collectionName });
    return (c.metadata ?? {}) as Record<string, unknown>;
  }

  async setIndexMetadata(patch: Record<string, string | number | boolean>): Promise<void> {
    const c = await this.client.getCollection({ name: this.collectionName });
    await c.modify({ metadata: { ...(c.metadata ?? {}), ...patch } });
    this.col = undefined;
  }

  async upsert(records: Record_[], onBatch?: (done: number, total: number) => void): Promise<void> {
    const col = await this.collection();
    for (const batch of batches(records, await this.maxBatchSize(), MAX_BATCH_BYTES)) {
      await col.upsert({
        ids: batch.map((r) => r.id),
        embeddings: batch.map((r) => r.embedding),
        documents: batch.map((r) => r.document),
        metadatas: batch.map((r) => r.metadata),
      });
      onBatch?.(batch.length, records.length);
    }
  }
}

/** Split into batches of at most `maxCount` records and about `maxBytes` of JSON each. */
export function* batches<T>(items: T[], maxCount: number, maxBytes: number): Generator<T[]> {
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    const size = JSON.stringify(it).length;
    if (cur.length > 0 && (cur.length >= maxCount || bytes + size > maxBytes)) {
      yield cur;
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += size;
  }
  if (cur.length > 0) yield cur;
}
