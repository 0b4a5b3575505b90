import { describe, expect, it } from 'vitest';
import {
  holm,
  mcnemarExact,
  pairedBootstrap,
  percentile,
  quantile,
  seededRandom,
  signFlipTest,
} from '../../../src/eval/stats.js';

/**
 * Independent reference: enumerate every sign pattern by bitmask (no Gray code, no
 * meet in the middle) and count |Σ ±dᵢ| ≥ |Σ dᵢ| with an explicit tolerance.
 */
function bruteForceSignFlip(deltas: number[]): number {
  const d = deltas.filter((x) => x !== 0);
  if (d.length === 0) return 1;
  const obs = Math.abs(d.reduce((a, b) => a + b, 0));
  let hits = 0;
  const total = 2 ** d.length;
  for (let mask = 0; mask < total; mask++) {
    let s = 0;
    for (let i = 0; i < d.length; i++) s += mask & (1 << i) ? -d[i]! : d[i]!;
    if (Math.abs(s) >= obs - 1e-9) hits++;
  }
  return hits / total;
}

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
    expect(pairedBootstrap([-0.5, -0.5], { samples: 999 })).toMatchObject({
      meanDelta: -0.5,
      low: -0.5,
      high: -0.5,
      p: 1 / 1000,
    });
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

describe('bootstrap p-value is never below 1/(B+1)', () => {
  it('one case dropping by 1 (every resample below 0) gives p = 1/(B+1), not 0', () => {
    expect(pairedBootstrap([-1], { samples: 500 }).p).toBe(1 / 501);
    expect(pairedBootstrap([-1, -0.5, -0.2], { samples: 500, seed: 2 }).p).toBe(1 / 501);
  });
});

describe('exact sign-flip permutation test', () => {
  it('matches the brute-force enumeration on random real-valued deltas, 1 to 16 non-zero pairs', () => {
    const rand = seededRandom(2024);
    for (let k = 1; k <= 16; k++) {
      for (let rep = 0; rep < 3; rep++) {
        // a drift per repetition so small, medium and large p-values are all checked
        const drift = [0, -0.15, -0.4][rep]!;
        const d = Array.from({ length: k }, () => Math.round((rand() - 0.5 + drift) * 1000) / 1000);
        d.push(0, 0); // zeros carry no evidence and must not change p
        const r = signFlipTest(d);
        expect(r.exact).toBe(true);
        expect(r.nonZero).toBe(d.filter((x) => x !== 0).length);
        expect(r.p).toBeCloseTo(bruteForceSignFlip(d), 12);
      }
    }
  });

  it('matches the brute force on tied integer deltas (ties at the observed sum count as extreme)', () => {
    const d = [1, -1, 2, 2, -2, 1, 1, 3, -1, 1];
    expect(signFlipTest(d).p).toBeCloseTo(bruteForceSignFlip(d), 12);
    expect(signFlipTest([0.1, 0.2, -0.3]).p).toBe(1);
  });

  it('is the exact McNemar test on deltas of −1/0/+1, for every split of up to 20 changed cases', () => {
    for (let n = 1; n <= 20; n++)
      for (let worse = 0; worse <= n; worse++) {
        const d = [...new Array(worse).fill(-1), ...new Array(n - worse).fill(1), 0, 0, 0];
        expect(signFlipTest(d).p).toBeCloseTo(mcnemarExact(worse, n - worse).p, 12);
      }
  });

  it('5 of 5 changed cases all dropping gives p = 2/32 = 0.0625, whatever the sizes', () => {
    expect(signFlipTest([-0.3, -0.3, -0.3, -0.3, -0.3, 0, 0, 0]).p).toBeCloseTo(0.0625, 12);
    expect(signFlipTest([-1, -2, -3, -4, -5]).p).toBeCloseTo(0.0625, 12);
    expect(signFlipTest([-0.9]).p).toBe(1);
  });

  it('Monte Carlo above 30 changed pairs: agrees with the exact count within 0.01 and p ≥ 1/(B+1)', () => {
    const rand = seededRandom(7);
    const d = Array.from({ length: 32 }, () => Math.round((rand() - 0.62) * 1000) / 1000);
    const exact = signFlipTest(d, { exactMaxPairs: 40 });
    const mc = signFlipTest(d, { samples: 40_000, seed: 3 });
    expect(exact.exact).toBe(true);
    expect(mc.exact).toBe(false);
    expect(Math.abs(mc.p - exact.p)).toBeLessThan(0.01);
    const allDown = signFlipTest(new Array(40).fill(-0.5), { samples: 2000 });
    expect(allDown).toMatchObject({ exact: false, nonZero: 40 });
    expect(allDown.p).toBe(1 / 2001);
  });

  it('is deterministic for a seed', () => {
    const d = Array.from({ length: 35 }, (_, i) => ((i * 37) % 11) / 10 - 0.6);
    expect(signFlipTest(d, { seed: 4 })).toEqual(signFlipTest(d, { seed: 4 }));
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
