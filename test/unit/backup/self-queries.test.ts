import { describe, expect, it } from 'vitest';
import { type ChromaApi, idSetDigest } from '../../../src/backup/chroma-api.js';
import type { Manifest } from '../../../src/backup/manifest.js';
import { compareWithManifest } from '../../../src/backup/verify.js';

// A restored collection of 100 records with 10 sampled ids, whose vector index finds `found` of
// the samples (HNSW is approximate: on a large collection some records never come back).
function restored(found: number): { api: ChromaApi; manifest: Manifest } {
  const ids = Array.from({ length: 100 }, (_, i) => `r${String(i).padStart(3, '0')}`);
  const samples = ids.filter((_, i) => i % 10 === 0);
  const vectorOf = (id: string) => [Number(id.slice(1))];
  const api = {
    collections: async () => [{ id: 'c1', name: 'docs' }],
    allIds: async () => ids,
    get: async (_c: string, q: { ids: string[] }) => ({ ids: q.ids, embeddings: q.ids.map(vectorOf) }),
    query: async (_c: string, vectors: number[][], k: number) => {
      const rows = vectors.map((v, i) => {
        const self = `r${String(v[0]).padStart(3, '0')}`;
        const others = ids.filter((id) => id !== self).slice(0, k);
        return i < found
          ? { ids: [self, ...others].slice(0, k), d: [0, 5, 6] }
          : { ids: others, d: [4, 5, 6] };
      });
      return { ids: rows.map((r) => r.ids), distances: rows.map((r) => r.d) };
    },
  } as unknown as ChromaApi;
  const manifest = {
    chroma: { collections: [{ name: 'docs', count: 100, idsSha256: idSetDigest(ids), sampleIds: samples }] },
  } as unknown as Manifest;
  return { api, manifest };
}

describe('compareWithManifest self-queries', () => {
  it('a few samples the approximate index misses are not damage', async () => {
    const { api, manifest } = restored(8);
    const r = await compareWithManifest(api, manifest);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ records: 100, selfQueries: 10, selfHits: 8 });
  });

  it('an index where most samples miss themselves fails, naming the collection', async () => {
    const { api, manifest } = restored(4);
    const r = await compareWithManifest(api, manifest);
    expect(r.selfHits).toBe(4);
    expect(r.problems).toEqual([
      expect.stringMatching(/^docs: 6 of 10 sampled vectors do not find themselves/),
    ]);
  });

  it('a hit at a distance that is not ~0 does not count (another record with a near vector)', async () => {
    const { api, manifest } = restored(10);
    const query = api.query.bind(api);
    api.query = async (c, v, k) => {
      const r = await query(c, v, k);
      return { ...r, distances: r.distances.map(() => [0.5, 5, 6]) };
    };
    const r = await compareWithManifest(api, manifest);
    expect(r.selfHits).toBe(0);
    expect(r.problems).toHaveLength(1);
  });
});
