/**
 * Paired statistics for head-vs-baseline comparisons, honest at small n: exact McNemar on
 * pass/fail flips, an exact sign-flip permutation test on score deltas (Monte Carlo with
 * p ≥ 1/(B+1) when there are too many non-zero pairs to enumerate), a seeded paired bootstrap
 * for the interval only, Holm's step-down correction across metrics.
 */

/** mulberry32: a tiny seeded PRNG, so a bootstrap gives the same interval on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

export interface McNemarResult {
  /** Baseline pass → head fail. */
  regressions: number;
  /** Baseline fail → head pass. */
  improvements: number;
  /** Two-sided exact p-value (binomial on the discordant pairs, p = 0.5). */
  p: number;
}

/** Exact McNemar: p = min(1, 2·Σ_{i ≤ min(b,c)} C(b+c, i) / 2^(b+c)). No discordant pair → 1. */
export function mcnemarExact(regressions: number, improvements: number): McNemarResult {
  const n = regressions + improvements;
  if (n === 0) return { regressions, improvements, p: 1 };
  const m = Math.min(regressions, improvements);
  let tail = 0;
  for (let i = 0; i <= m; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return { regressions, improvements, p: Math.min(1, 2 * tail) };
}

export interface BootstrapResult {
  meanDelta: number;
  low: number;
  high: number;
  /** Two-sided bootstrap p-value for "mean delta = 0". */
  p: number;
  samples: number;
}

/** Percentile with linear interpolation between order statistics (type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Paired bootstrap of the mean of `deltas` (head − baseline per case): resample cases with
 * replacement `samples` times; percentile interval at 1 − alpha. The p-value is twice the
 * smaller share of resampled means on either side of 0 (centred on the observed sign).
 */
export function pairedBootstrap(
  deltas: readonly number[],
  options: { samples?: number; seed?: number; alpha?: number } = {},
): BootstrapResult {
  const samples = options.samples ?? 2000;
  const alpha = options.alpha ?? 0.05;
  const n = deltas.length;
  if (n === 0) return { meanDelta: 0, low: 0, high: 0, p: 1, samples: 0 };
  const mean = deltas.reduce((s, d) => s + d, 0) / n;
  if (deltas.every((d) => d === deltas[0]))
    return { meanDelta: mean, low: mean, high: mean, p: mean === 0 ? 1 : 1 / (samples + 1), samples };
  const rand = seededRandom(options.seed ?? 1);
  const means = new Float64Array(samples);
  for (let b = 0; b < samples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += deltas[Math.floor(rand() * n)]!;
    means[b] = s / n;
  }
  const sorted = Array.from(means).sort((x, y) => x - y);
  let atOrBelow = 0;
  let atOrAbove = 0;
  for (const m of sorted) {
    if (m <= 0) atOrBelow++;
    if (m >= 0) atOrAbove++;
  }
  // +1 in numerator and denominator: a resampling p-value is never 0 (Phipson & Smyth 2010).
  const p = Math.min(1, (2 * Math.min(atOrBelow, atOrAbove) + 1) / (samples + 1));
  return {
    meanDelta: mean,
    low: quantile(sorted, alpha / 2),
    high: quantile(sorted, 1 - alpha / 2),
    p,
    samples,
  };
}

export interface SignFlipResult {
  /** Two-sided p-value for "the deltas are symmetric around 0" (statistic: their sum). */
  p: number;
  /** Pairs with a non-zero delta: the only ones that carry evidence. */
  nonZero: number;
  /** true: all 2^nonZero sign patterns counted; false: `samples` random patterns. */
  exact: boolean;
  samples: number;
}

/** Sums of every sign pattern of `values` (2^n of them), for the exact test. */
function signedSums(values: readonly number[]): Float64Array {
  const out = new Float64Array(2 ** values.length);
  out[0] = values.reduce((s, v) => s + v, 0);
  // Gray-code walk: each step flips one sign, so each sum costs one subtraction.
  let sum = out[0]!;
  const sign = new Int8Array(values.length).fill(1);
  for (let i = 1; i < out.length; i++) {
    const bit = 31 - Math.clz32(i & -i);
    sum -= 2 * sign[bit]! * values[bit]!;
    sign[bit] = -sign[bit]! as 1 | -1;
    out[i] = sum;
  }
  return out;
}

/** Count of x in a sorted array with x ≥ t (binary search). */
function countAtLeast(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

/** Count of x in a sorted array with x ≤ t. */
function countAtMost(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Paired sign-flip permutation test of the mean delta. Under "no change" each non-zero
 * delta is as likely to have either sign, so p = P(|Σ ±dᵢ| ≥ |Σ dᵢ|) over the sign patterns.
 * Exact (meet in the middle: two halves of 2^(n/2) sums) up to `exactMaxPairs` non-zero
 * pairs; above that `samples` random patterns with p = (1 + hits) / (samples + 1), never 0.
 * On deltas in {−1, 0, 1} it is the exact McNemar test.
 */
export function signFlipTest(
  deltas: readonly number[],
  options: { samples?: number; seed?: number; exactMaxPairs?: number } = {},
): SignFlipResult {
  const d = deltas.filter((x) => x !== 0);
  const k = d.length;
  const samples = options.samples ?? 10_000;
  if (k === 0) return { p: 1, nonZero: 0, exact: true, samples: 0 };
  const observed = Math.abs(d.reduce((s, v) => s + v, 0));
  // Sums are floating point: a pattern that ties the observed sum must count as "as extreme".
  const eps = 1e-9 * d.reduce((s, v) => s + Math.abs(v), 0);
  const t = observed - eps;
  if (t <= 0) return { p: 1, nonZero: k, exact: true, samples: 0 };
  if (k <= (options.exactMaxPairs ?? 30)) {
    const left = signedSums(d.slice(0, k >> 1));
    const right = signedSums(d.slice(k >> 1)).sort();
    let hits = 0;
    // |a + b| ≥ t  ⇔  b ≥ t − a  or  b ≤ −t − a  (disjoint as t > 0).
    for (const a of left) hits += countAtLeast(right, t - a) + countAtMost(right, -t - a);
    return { p: Math.min(1, hits / (left.length * right.length)), nonZero: k, exact: true, samples: 0 };
  }
  const rand = seededRandom(options.seed ?? 1);
  let hits = 0;
  for (let b = 0; b < samples; b++) {
    let s = 0;
    for (let i = 0; i < k; i++) s += rand() < 0.5 ? d[i]! : -d[i]!;
    if (Math.abs(s) >= t) hits++;
  }
  return { p: Math.min(1, (1 + hits) / (samples + 1)), nonZero: k, exact: false, samples };
}

/** Holm step-down adjusted p-values, returned in the input order. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Nearest-rank percentile (p50, p95 of latencies). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
