import { describe, expect, it } from 'vitest';
import {
  holm,
  mcnemarExact,
  pairedBootstrap,
  percentile,
  quantile,
  seededRandom,
} from '../../../src/eval/stats.js';

describe('exact McNemar test against binomial values', () => {
  it('b=1, c=9: p = 2·(C(10,0)+C(10,1))/2^10 = 22/1024', () => {
    expect(mcnemarExact(1, 9).p).toBeCloseTo(22 / 1024, 15);
  });
  it('b=0, c=5: p = 2/32; b=10, c=2: p = 2·(1+12+66)/4096', () => {
    expect(mcnemarExact(0, 5).p).toBeCloseTo(0.0625, 15);
    expect(mcnemarExact(10, 2).p).toBeCloseTo(158 / 4096, 15);
  });
  it('balanced flips and no flips give p = 1', () => {
    expect(mcnemarExact(3, 3).p).toBe(1);
    expect(mcnemarExact(0, 0).p).toBe(1);
  });
  it('stays finite for large counts (log-space binomials)', () => {
    const r = mcnemarExact(400, 600);
    expect(r.p).toBeGreaterThan(0);
    expect(r.p).toBeLessThan(1e-9);
  });
});

describe('Holm correction', () => {
  it('adjusts [0.01, 0.04, 0.03] to [0.03, 0.06, 0.06] (step-down with monotonicity)', () => {
    const adj = holm([0.01, 0.04, 0.03]);
    expect(adj[0]).toBeCloseTo(0.03, 15);
    expect(adj[1]).toBeCloseTo(0.06, 15);
    expect(adj[2]).toBeCloseTo(0.06, 15);
  });
  it('caps at 1 and leaves a single p-value unchanged', () => {
    expect(holm([0.6, 0.7])).toEqual([1, 1]);
    expect(holm([0.02])).toEqual([0.02]);
  });
});

describe('paired bootstrap', () => {
  it('gives the same interval for the same seed and a different one for another seed', () => {
    const d = [0, -1, 0, 0.5, -0.25, 0, 1, -1, 0, 0];
    const a = pairedBootstrap(d, { seed: 7, samples: 500 });
    const b = pairedBootstrap(d, { seed: 7, samples: 500 });
    const c = pairedBootstrap(d, { seed: 8, samples: 500 });
    expect(a).toEqual(b);
    expect([c.low, c.high]).not.toEqual([a.low, a.high]);
  });

  it('collapses to the point when every delta is equal (no resampling noise)', () => {
    expect(pairedBootstrap([0, 0, 0])).toMatchObject({ meanDelta: 0, low: 0, high: 0, p: 1 });
    expect(pairedBootstrap([-0.5, -0.5])).toMatchObject({ meanDelta: -0.5, low: -0.5, high: -0.5, p: 0 });
  });

  it('matches the binomial distribution of the mean for two cases [0, 1]: P(mean ≤ 0) = 1/4, p ≈ 0.5', () => {
    const r = pairedBootstrap([0, 1], { samples: 20000, seed: 3 });
    expect(r.meanDelta).toBe(0.5);
    expect(r.low).toBe(0);
    expect(r.high).toBe(1);
    expect(r.p).toBeGreaterThan(0.47);
    expect(r.p).toBeLessThan(0.53);
  });

  it('10 of 40 cases dropping by 1: CI ≈ mean ± 1.96·sqrt(0.25·0.75/40) and significant', () => {
    const d = [...new Array(10).fill(-1), ...new Array(30).fill(0)];
    const r = pairedBootstrap(d, { samples: 4000, seed: 11 });
    const se = Math.sqrt((0.25 * 0.75) / 40);
    expect(r.meanDelta).toBe(-0.25);
    expect(Math.abs(r.low - (-0.25 - 1.96 * se))).toBeLessThan(0.03);
    expect(Math.abs(r.high - (-0.25 + 1.96 * se))).toBeLessThan(0.03);
    expect(r.p).toBeLessThan(0.01);
  });

  it('seeded PRNG is uniform-ish on [0,1)', () => {
    const rand = seededRandom(42);
    const xs = Array.from({ length: 10000 }, rand);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((a, b) => a + b) / xs.length).toBeCloseTo(0.5, 1);
  });
});

describe('percentiles', () => {
  it('nearest-rank p50/p95 and type-7 quantile', () => {
    const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(v, 50)).toBe(5);
    expect(percentile(v, 95)).toBe(10);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
  });
});
