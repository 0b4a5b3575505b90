import { describe, expect, it } from 'vitest';
import {
  dedupe,
  hitAtK,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  reciprocalRankAtK,
  retrievalScores,
} from '../../../src/eval/retrieval-metrics.js';

// Hand-computed: log2(2) = 1, log2(3) = 1.5849625, log2(4) = 2.
const L3 = Math.log2(3);

describe('retrieval metrics against hand-computed values', () => {
  it('scores a ranked list with one duplicate: hit 1, recall 1, precision 2/3, RR 1, nDCG 1.5/(1+1/log2 3)', () => {
    const s = retrievalScores(['a', 'b', 'a', 'c', 'd'], ['a', 'c'], 3);
    expect(s.hit).toBe(1);
    expect(s.recall).toBe(1);
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.mrr).toBe(1);
    expect(s.ndcg).toBeCloseTo(1.5 / (1 + 1 / L3), 12);
    expect(s.ndcg).toBeCloseTo(0.919721, 6);
  });

  it('de-duplicates ids first so a repeated relevant id cannot push nDCG or recall above 1 (llama_index PR #22683)', () => {
    expect(dedupe(['a', 'a', 'b', 'a'])).toEqual(['a', 'b']);
    expect(ndcgAtK(['a', 'a', 'a'], ['a'], 3)).toBe(1);
    expect(recallAtK(['a', 'a', 'a'], ['a'], 3)).toBe(1);
    expect(precisionAtK(['a', 'a', 'a'], ['a'], 3)).toBeCloseTo(1 / 3, 12);
    // the duplicate does not take a slot: 'c' at dedup rank 2 is inside k=2
    expect(recallAtK(['a', 'a', 'c'], ['a', 'c'], 2)).toBe(1);
  });

  it('computes IDCG over min(k, |R|) positions when k > |R| (llama_index#17070)', () => {
    // one relevant id at rank 2 of 5: DCG = 1/log2 3, IDCG = 1 (one ideal position, not five)
    expect(ndcgAtK(['x', 'a', 'y', 'b', 'z'], ['a'], 5)).toBeCloseTo(1 / L3, 12);
    expect(ndcgAtK(['a', 'x', 'y', 'b', 'z'], ['a'], 5)).toBe(1);
  });

  it('keeps k fixed when fewer than k ids are retrieved (mlflow#24541)', () => {
    // one id back, k = 5, |R| = 2: precision 1/5 (not 1/1), nDCG 1/(1 + 1/log2 3) (not 1)
    expect(precisionAtK(['a'], ['a', 'b'], 5)).toBeCloseTo(0.2, 12);
    expect(recallAtK(['a'], ['a', 'b'], 5)).toBe(0.5);
    expect(ndcgAtK(['a'], ['a', 'b'], 5)).toBeCloseTo(1 / (1 + 1 / L3), 12);
    expect(ndcgAtK(['a'], ['a', 'b'], 5)).toBeCloseTo(0.613147, 6);
    expect(hitAtK([], ['a'], 5)).toBe(0);
    expect(ndcgAtK([], ['a'], 5)).toBe(0);
  });

  it('returns null for every metric when the case has no relevant ids, instead of 0 or 1', () => {
    expect(retrievalScores(['a', 'b'], [], 5)).toEqual({
      hit: null,
      recall: null,
      precision: null,
      mrr: null,
      ndcg: null,
    });
  });

  it('cuts the reciprocal rank at k: relevant at rank 3 gives 1/3 at k=3 and 0 at k=2', () => {
    expect(reciprocalRankAtK(['x', 'y', 'a'], ['a'], 3)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRankAtK(['x', 'y', 'a'], ['a'], 2)).toBe(0);
    expect(hitAtK(['x', 'y', 'a'], ['a'], 2)).toBe(0);
  });

  it('scores two relevant at ranks 2 and 4 of k=4, |R|=3: nDCG (1/log2 3 + 1/log2 5)/(1 + 1/log2 3 + 1/2)', () => {
    const expected = (1 / L3 + 1 / Math.log2(5)) / (1 + 1 / L3 + 0.5);
    expect(ndcgAtK(['x', 'a', 'y', 'b'], ['a', 'b', 'c'], 4)).toBeCloseTo(expected, 12);
    expect(recallAtK(['x', 'a', 'y', 'b'], ['a', 'b', 'c'], 4)).toBeCloseTo(2 / 3, 12);
    expect(precisionAtK(['x', 'a', 'y', 'b'], ['a', 'b', 'c'], 4)).toBe(0.5);
  });

  it('rejects k < 1 and fractional k', () => {
    expect(() => hitAtK(['a'], ['a'], 0)).toThrow(/k must be/);
    expect(() => hitAtK(['a'], ['a'], 1.5)).toThrow(/k must be/);
  });
});
