import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ChromaApi, CollectionInfo, Records } from './chroma-api.js';
import type { FileEntry } from './tar-index.js';

/**
 * Logical export format (NDJSON, one JSON object per line, portable across Chroma versions):
 *   {"kind":"ragship-logical","version":1,"chroma":"1.0.0"}
 *   {"kind":"collection","name":…,"metadata":…,"configuration":…,"count":N}
 *   {"kind":"records","collection":…,"ids":[…],"embeddings":[[…]],"documents":[…],"metadatas":[…]}  (pages)
 *   {"kind":"end","collection":…,"exported":N}
 */
export interface ExportStats {
  collection: string;
  before: number;
  exported: number;
  after: number;
  ids: string[];
  /**
   * Records whose content (document, metadata, embedding) differs between the export and a
   * second read right after it, or that only one of the two saw: updates and delete-plus-add
   * that keep the count.
   */
  changed: number;
}

/** JSON with object keys sorted: Chroma returns a metadata's keys in no fixed order. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/** One record's content, as exported: id, embedding, document and metadata. */
function recordDigest(page: Records, i: number): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        page.ids[i],
        page.embeddings?.[i] ?? null,
        page.documents?.[i] ?? null,
        canonical(page.metadatas?.[i] ?? null),
      ]),
    )
    .digest('base64')
    .slice(0, 22);
}

/** Counts the records whose content differs from `exported` (id → digest) on a second read. */
async function changedSince(
  api: ChromaApi,
  collectionId: string,
  exported: Map<string, string>,
  pageSize: number,
): Promise<number> {
  let changed = 0;
  const seen = new Set<string>();
  for (let offset = 0; ; offset += pageSize) {
    const page = await api.get(collectionId, {
      limit: pageSize,
      offset,
      include: ['embeddings', 'documents', 'metadatas'],
    });
    for (let i = 0; i < page.ids.length; i++) {
      const id = page.ids[i]!;
      seen.add(id);
      if (exported.get(id) !== recordDigest(page, i)) changed++;
    }
    if (page.ids.length < pageSize) break;
  }
  for (const id of exported.keys()) if (!seen.has(id)) changed++;
  return changed;
}

export function exportStream(
  api: ChromaApi,
  version: string,
  options: { pageSize: number; logger: Logger },
): { stream: Readable; stats: ExportStats[]; done: Promise<void> } {
  const stats: ExportStats[] = [];
  let resolveDone!: () => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  done.catch(() => {});
  async function* lines(): AsyncGenerator<string> {
    try {
      yield `${JSON.stringify({ kind: 'ragship-logical', version: 1, chroma: version })}\n`;
      for (const c of await api.collections()) {
        const before = await api.count(c.id);
        yield `${JSON.stringify({ kind: 'collection', name: c.name, metadata: c.metadata ?? null, configuration: c.configuration_json ?? null, count: before })}\n`;
        const ids: string[] = [];
        const digests = new Map<string, string>();
        for (let offset = 0; ; offset += options.pageSize) {
          const page = await api.get(c.id, {
            limit: options.pageSize,
            offset,
            include: ['embeddings', 'documents', 'metadatas'],
          });
          if (page.ids.length === 0) break;
          ids.push(...page.ids);
          for (let i = 0; i < page.ids.length; i++) digests.set(page.ids[i]!, recordDigest(page, i));
          yield `${JSON.stringify({ kind: 'records', collection: c.name, ids: page.ids, embeddings: page.embeddings, documents: page.documents, metadatas: page.metadatas })}\n`;
          if (page.ids.length < options.pageSize) break;
        }
        const after = await api.count(c.id);
        const unique = new Set(ids).size;
        const changed = await changedSince(api, c.id, digests, options.pageSize);
        stats.push({ collection: c.name, before, exported: unique, after, ids, changed });
        yield `${JSON.stringify({ kind: 'end', collection: c.name, exported: unique })}\n`;
        options.logger.info(
          `exported ${c.name}: ${unique} records (count before ${before}, after ${after}; ${changed} changed since read)`,
        );
      }
      resolveDone();
    } catch (err) {
      rejectDone(err as Error);
      throw err;
    }
  }
  return { stream: Readable.from(lines(), { objectMode: false }), stats, done };
}

/** Splits NDJSON lines as they pass and hashes each collection's lines: the manifest's "files". */
export class NdjsonIndex extends Transform {
  private buf = '';
  /** Keeps a multi-byte character split across two chunks whole (toString per chunk breaks it). */
  private readonly decoder = new StringDecoder('utf8');
  private current?: { name: string; hash: Hash; bytes: number };
  private readonly entries: FileEntry[] = [];
  readonly files = (): FileEntry[] => this.entries;

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    const text = this.buf + this.decoder.write(chunk);
    const parts = text.split('\n');
    this.buf = parts.pop() ?? '';
    for (const line of parts) this.line(line);
    cb(null, chunk);
  }
  private line(line: string): void {
    if (!line) return;
    const kind = /^\{"kind":"([a-z-]+)"/.exec(line)?.[1];
    if (kind === 'collection') {
      this.current = {
        name: (JSON.parse(line) as { name: string }).name,
        hash: createHash('sha256'),
        bytes: 0,
      };
    }
    if (this.current) {
      this.current.hash.update(`${line}\n`);
      this.current.bytes += Buffer.byteLength(line) + 1;
    }
    if (kind === 'end' && this.current) {
      this.entries.push({
        path: `collections/${this.current.name}.ndjson`,
        bytes: this.current.bytes,
        sha256: this.current.hash.digest('hex'),
      });
      this.current = undefined;
    }
  }
  override _flush(cb: TransformCallback): void {
    this.buf += this.decoder.end();
    if (this.buf) this.line(this.buf);
    cb();
  }
}

/**
 * Reads a logical export and re-creates its collections through the API, in batches under
 * both max_batch_size and the server's 40 MB body cap.
 */
export async function importNdjson(
  api: ChromaApi,
  input: AsyncIterable<string>,
  logger: Logger,
): Promise<Map<string, number>> {
  // Take the iterator before any await: readline drops lines emitted before it is iterated.
  const it = input[Symbol.asyncIterator]();
  const maxBatch = await api.maxBatchSize();
  const counts = new Map<string, number>();
  const ids = new Map<string, CollectionInfo>();
  for await (const line of { [Symbol.asyncIterator]: () => it }) {
    if (!line) continue;
    const rec = JSON.parse(line) as { kind: string } & Record<string, unknown>;
    if (rec.kind === 'collection') {
      const name = rec.name as string;
      if (await api.collection(name))
        throw new UserError(
          `collection ${name}`,
          'already exists in the target',
          'restore into an empty Chroma',
        );
      ids.set(
        name,
        await api.createCollection(
          name,
          rec.metadata as Record<string, unknown> | null,
          hnswOnly(rec.configuration),
        ),
      );
      counts.set(name, 0);
    } else if (rec.kind === 'records') {
      const name = rec.collection as string;
      const c = ids.get(name);
      if (!c)
        throw new UserError(
          'logical export',
          `records of ${name} come before its collection line`,
          'the export is corrupted',
        );
      for (const batch of batches(rec as unknown as Records, maxBatch, 32 * 1024 * 1024)) {
        await api.add(c.id, batch);
        counts.set(name, (counts.get(name) ?? 0) + batch.ids.length);
      }
    }
  }
  logger.info(
    `imported ${[...counts.values()].reduce((a, b) => a + b, 0)} records into ${counts.size} collections`,
  );
  return counts;
}

function hnswOnly(configuration: unknown): Record<string, unknown> | undefined {
  const hnsw = (configuration as { hnsw?: Record<string, unknown> } | null)?.hnsw;
  return hnsw ? { hnsw } : undefined;
}

export function* batches(r: Records, maxCount: number, maxBytes: number): Generator<Records> {
  let start = 0;
  while (start < r.ids.length) {
    let end = start;
    let bytes = 0;
    while (end < r.ids.length && end - start < maxCount) {
      const size = JSON.stringify([
        r.ids[end],
        r.embeddings?.[end],
        r.documents?.[end],
        r.metadatas?.[end],
      ]).length;
      if (end > start && bytes + size > maxBytes) break;
      bytes += size;
      end++;
    }
    yield {
      ids: r.ids.slice(start, end),
      embeddings: r.embeddings?.slice(start, end),
      documents: r.documents?.slice(start, end),
      metadatas: r.metadatas?.slice(start, end),
    };
    start = end;
  }
}
