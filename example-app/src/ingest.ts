import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Chunk, chunkMarkdown, slugify } from './chunking.js';
import type { Embedder } from './embedding.js';
import type { Store } from './store.js';

export interface SourceDocument {
  id: string;
  text: string;
  metadata?: Record<string, string | number | boolean>;
}

export interface IngestResult {
  documents: number;
  chunks: number;
  removed: number;
  indexVersion: string;
}

export type Progress = (e: { doc: string; docsDone: number; docsTotal: number; chunks: number }) => void;

export function readCorpus(dir: string): SourceDocument[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => ({
      id: slugify(basename(f, '.md')),
      text: readFileSync(join(dir, f), 'utf8'),
      metadata: { path: f },
    }));
}

/**
 * Chunk → embed → upsert, idempotent by chunk id; chunks a document no longer has are
 * deleted. Ends by bumping the collection's `index_version`, which keys the answer cache.
 */
export async function ingest(
  store: Store,
  embedder: Embedder,
  docs: SourceDocument[],
  progress?: Progress,
): Promise<IngestResult> {
  const col = await store.collection();
  let chunks = 0;
  let removed = 0;
  for (const [i, doc] of docs.entries()) {
    const parts: Chunk[] = chunkMarkdown(doc.id, doc.text);
    const vectors = await embedder.embed(parts.map((c) => c.text));
    await store.upsert(
      parts.map((c, j) => ({
        id: c.id,
        embedding: vectors[j] ?? [],
        document: c.text,
        metadata: {
          ...(doc.metadata ?? {}),
          doc_id: c.docId,
          title: c.title,
          heading: c.heading,
          chunk_index: c.index,
          embedder: embedder.id,
        },
      })),
    );
    const existing = await col.get({ where: { doc_id: doc.id }, include: [] });
    const keep = new Set(parts.map((c) => c.id));
    const stale = existing.ids.filter((id) => !keep.has(id));
    if (stale.length > 0) await col.delete({ ids: stale });
    removed += stale.length;
    chunks += parts.length;
    progress?.({ doc: doc.id, docsDone: i + 1, docsTotal: docs.length, chunks });
  }
  const indexVersion = `${new Date().toISOString()}-${randomUUID().slice(0, 8)}`;
  await store.setIndexMetadata({ index_version: indexVersion });
  return { documents: docs.length, chunks, removed, indexVersion };
}
