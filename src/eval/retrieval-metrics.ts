/**
 * Rank-aware retrieval metrics with binary relevance. Three rules the anchors got wrong
 * (ANCHORS.md, "Eval gate") are fixed here and pinned by tests:
 * - retrieved ids are de-duplicated first (keeping the first rank), so a repeated relevant
 *   id can never push recall or nDCG above 1 (llama_index PR #22683);
 * - IDCG@k sums over min(k, |R|) positions, not over the retrieved length (llama_index#17070);
 * - k stays k when fewer than k ids come back: precision@k divides by k (mlflow#24541).
 * When a case has no relevant ids the metrics are undefined (`null`) and are left out of
 * means, instead of counting as 0 or 1.
 */

export interface RetrievalScores {
  hit: number | null;
  recall: number | null;
  precision: number | null;
  mrr: number | null;
  ndcg: number | null;
}

/** Keeps the first occurrence of every id, in order. */
export function dedupe(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a whole number ≥ 1, got ${k}`);
}

/** The top-k after de-duplication. */
export function topK(retrieved: readonly string[], k: number): string[] {
  checkK(k);
  return dedupe(retrieved).slice(0, k);
}

export function hitAtK(retrieved: readonly string[], relevant: readonly string[], k: number): number | null {
  const rel = new Set(relevant);
  if (rel.size === 0) return null;
  return topK(retrieved, k).some((id) => rel.has(id)) ? 1 : 0;
}

export function recallAtK(
  retrieved: readonly string[],
  relevant: readonly string[],
  k: number,
): number | null {
  const rel = new Set(relevant);
  if (rel.size === 0) return null;
  return topK(retrieved, k).filter((id) => rel.has(id)).length / rel.size;
}

/** |L_k ∩ R| / k: k is fixed even when fewer than k ids were retrieved. */
export function precisionAtK(
  retrieved: readonly string[],
  relevant: readonly string[],
  k: number,
): number | null {
  const rel = new Set(relevant);
  if (rel.size === 0) return null;
  return topK(retrieved, k).filter((id) => rel.has(id)).length / k;
}

/** 1 / rank of the first relevant id within the top k (0 when none); MRR is its mean. */
export function reciprocalRankAtK(
  retrieved: readonly string[],
  relevant: readonly string[],
  k: number,
): number | null {
  const rel = new Set(relevant);
  if (rel.size === 0) return null;
  const at = topK(retrieved, k).findIndex((id) => rel.has(id));
  return at < 0 ? 0 : 1 / (at + 1);
}

/** DCG@k / IDCG@k with DCG = Σ rel_i / log2(i + 1) and IDCG over min(k, |R|) positions. */
export function ndcgAtK(retrieved: readonly string[], relevant: readonly string[], k: number): number | null {
  const rel = new Set(relevant);
  if (rel.size === 0) return null;
  const list = topK(retrieved, k);
  let dcg = 0;
  list.forEach((id, i) => {
    if (rel.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(k, rel.size); i++) idcg += 1 / Math.log2(i + 2);
  return dcg / idcg;
}

export function retrievalScores(
  retrieved: readonly string[],
  relevant: readonly string[],
  k: number,
): RetrievalScores {
  return {
    hit: hitAtK(retrieved, relevant, k),
    recall: recallAtK(retrieved, relevant, k),
    precision: precisionAtK(retrieved, relevant, k),
    mrr: reciprocalRankAtK(retrieved, relevant, k),
    ndcg: ndcgAtK(retrieved, relevant, k),
  };
}
