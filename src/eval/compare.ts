import type { CaseSummary, ResultSet } from './results.js';
import { holm, mcnemarExact, mean, pairedBootstrap, percentile, signFlipTest } from './stats.js';
import type { MetricName, SuiteConfig } from './suite.js';

/**
 * Head vs baseline, paired by case id. The test is picked from the data: exact McNemar for
 * pass/fail outcomes and for any metric whose per-case deltas are all −1, 0 or 1 (so the
 * pass_rate row and a 0/1 metric row give the same p on the same flips); an exact sign-flip
 * permutation test for other scores (Monte Carlo above 30 non-zero pairs). p-values are
 * Holm-adjusted across all rows. The bootstrap gives the interval only. With fewer than
 * `gate.min_nonzero_pairs` non-zero pairs the verdict is "not enough evidence"; a metric
 * regresses only when the drop is significant AND larger than the margin.
 */

export type Verdict = 'regressed' | 'improved' | 'within noise' | 'not enough evidence' | 'no baseline';
export type TestName = 'mcnemar' | 'sign-flip exact' | 'sign-flip monte carlo' | 'none';

export interface MetricRow {
  metric: 'pass_rate' | MetricName;
  head: number | null;
  base: number | null;
  /** Paired mean delta (head − base) over cases scored on both sides. */
  delta: number | null;
  low: number | null;
  high: number | null;
  p: number | null;
  pAdjusted: number | null;
  paired: number;
  /** Paired cases whose value changed: the evidence the test has. */
  nonZero: number;
  test: TestName;
  verdict: Verdict;
  /** suite_min (or gate.min_pass_rate) and whether head is below it. */
  threshold?: number;
  belowThreshold: boolean;
}

export interface SideTotals {
  cases: number;
  pass: number;
  fail: number;
  error: number;
  passRate: number;
  errorRate: number;
  /** Full price: what cost gates use. */
  costUsd: number;
  liveCostUsd: number;
  tokens: number;
  p50Ms: number;
  p95Ms: number;
  cachedRuns: number;
  runs: number;
}

export interface Comparison {
  suite: string;
  rows: MetricRow[];
  /** pass → fail */
  regressedCases: string[];
  /** fail → pass */
  improvedCases: string[];
  /** not an error on main, an error now */
  newErrors: string[];
  /** Every errored head case with its reason (target unreachable, judge output…). */
  errored: Array<{ id: string; reason: string }>;
  added: string[];
  removed: string[];
  /** Same id on both sides, edited content: listed, not paired. */
  changed: string[];
  head: SideTotals;
  base?: SideTotals;
  mcnemar?: { regressions: number; improvements: number; p: number };
  gate: { passed: boolean; reasons: string[]; headline: string };
}

export function totals(set: ResultSet): SideTotals {
  let pass = 0;
  let fail = 0;
  let error = 0;
  for (const c of set.cases.values()) {
    if (c.outcome === 'pass') pass++;
    else if (c.outcome === 'fail') fail++;
    else error++;
  }
  const cases = set.cases.size;
  return {
    cases,
    pass,
    fail,
    error,
    passRate: pass + fail ? pass / (pass + fail) : 0,
    errorRate: cases ? error / cases : 0,
    costUsd: set.costUsd,
    liveCostUsd: set.liveCostUsd,
    tokens: set.promptTokens + set.completionTokens,
    p50Ms: percentile(set.latencies, 50),
    p95Ms: percentile(set.latencies, 95),
    cachedRuns: set.cachedRuns,
    runs: set.runs,
  };
}

function metricMean(cases: Iterable<CaseSummary>, name: MetricName): number | null {
  const v: number[] = [];
  for (const c of cases) {
    // errored cases keep the metrics they have (a judge error leaves the deterministic ones)
    const x = c.metrics[name];
    if (x !== null && x !== undefined) v.push(x);
  }
  return v.length ? mean(v) : null;
}

export function compareResults(
  head: ResultSet,
  base: ResultSet | undefined,
  config: SuiteConfig,
): Comparison {
  const gate = config.gate;
  const metricNames = Object.keys(config.metrics) as MetricName[];
  const headTotals = totals(head);
  const rows: MetricRow[] = [];
  const regressedCases: string[] = [];
  const improvedCases: string[] = [];
  const newErrors: string[] = [];
  let mcnemar: Comparison['mcnemar'];
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];

  if (!base) {
    // Without a baseline every row is the head value alone.
    const unpaired = (metric: MetricRow['metric'], head: number | null): MetricRow => ({
      metric,
      head,
      base: null,
      delta: null,
      low: null,
      high: null,
      p: null,
      pAdjusted: null,
      paired: 0,
      nonZero: 0,
      test: 'none' as const,
      verdict: 'no baseline' as const,
      belowThreshold: false,
    });
    rows.push(unpaired('pass_rate', headTotals.passRate));
    for (const m of metricNames) rows.push(unpaired(m, metricMean(head.cases.values(), m)));
  } else {
    for (const id of head.cases.keys()) if (!base.cases.has(id)) added.push(id);
    for (const id of base.cases.keys()) if (!head.cases.has(id)) removed.push(id);
    const pairs: Array<[CaseSummary, CaseSummary]> = [];
    /** Same id and content on both sides, whatever the outcome: metrics pair on these. */
    const matched: Array<[CaseSummary, CaseSummary]> = [];
    for (const [id, h] of head.cases) {
      const b = base.cases.get(id);
      if (!b) continue;
      // An edited case is a new question: comparing its answer with main's says nothing.
      if (h.caseHash && b.caseHash && h.caseHash !== b.caseHash) {
        changed.push(id);
        continue;
      }
      matched.push([b, h]);
      if (h.outcome === 'error' && b.outcome !== 'error') newErrors.push(id);
      if (h.outcome !== 'error' && b.outcome !== 'error') pairs.push([b, h]);
    }
    const boot = (d: number[]) =>
      pairedBootstrap(d, { samples: gate.bootstrap_samples, seed: gate.seed, alpha: gate.alpha });
    // pass rate: exact McNemar on the flips; the interval from the bootstrap of 0/1 deltas.
    let b = 0;
    let c = 0;
    const passDeltas: number[] = [];
    for (const [bs, hs] of pairs) {
      const bp = bs.outcome === 'pass' ? 1 : 0;
      const hp = hs.outcome === 'pass' ? 1 : 0;
      passDeltas.push(hp - bp);
      if (bp && !hp) {
        b++;
        regressedCases.push(hs.id);
      } else if (!bp && hp) {
        c++;
        improvedCases.push(hs.id);
      }
    }
    mcnemar = mcnemarExact(b, c);
    const pb = boot(passDeltas);
    rows.push({
      metric: 'pass_rate',
      head: headTotals.passRate,
      base: totals(base).passRate,
      delta: pairs.length ? pb.meanDelta : null,
      low: pairs.length ? pb.low : null,
      high: pairs.length ? pb.high : null,
      p: mcnemar.p,
      pAdjusted: null,
      paired: pairs.length,
      nonZero: b + c,
      test: 'mcnemar',
      verdict: 'within noise',
      belowThreshold: false,
    });
    for (const m of metricNames) {
      const deltas: number[] = [];
      for (const [bs, hs] of matched) {
        const bv = bs.metrics[m];
        const hv = hs.metrics[m];
        if (bv !== null && bv !== undefined && hv !== null && hv !== undefined) deltas.push(hv - bv);
      }
      const t = deltas.length ? pairedTest(deltas, gate) : undefined;
      const r = deltas.length ? boot(deltas) : undefined;
      rows.push({
        metric: m,
        head: metricMean(head.cases.values(), m),
        base: metricMean(base.cases.values(), m),
        delta: r ? r.meanDelta : null,
        low: r?.low ?? null,
        high: r?.high ?? null,
        p: t?.p ?? null,
        pAdjusted: null,
        paired: deltas.length,
        nonZero: t?.nonZero ?? 0,
        test: t?.test ?? 'none',
        verdict: 'within noise',
        belowThreshold: false,
      });
    }
    const tested = rows.filter((r) => r.p !== null);
    const adjusted = holm(tested.map((r) => r.p!));
    tested.forEach((r, i) => {
      r.pAdjusted = adjusted[i]!;
      if (r.delta === null || r.nonZero === 0) return;
      // Too few changed cases: no verdict from significance, whatever the p-value says.
      if (r.nonZero < gate.min_nonzero_pairs) r.verdict = 'not enough evidence';
      else if (r.pAdjusted < gate.alpha && r.delta < -gate.margin) r.verdict = 'regressed';
      else if (r.pAdjusted < gate.alpha && r.delta > gate.margin) r.verdict = 'improved';
    });
  }

  const reasons: string[] = [];
  // Absolute thresholds on the head.
  for (const r of rows) {
    const threshold =
      r.metric === 'pass_rate' ? gate.min_pass_rate : config.metrics[r.metric as MetricName]?.suite_min;
    if (threshold === undefined || (r.metric === 'pass_rate' && threshold === 0)) continue;
    r.threshold = threshold;
    if (r.head === null || r.head < threshold) {
      r.belowThreshold = true;
      reasons.push(`${r.metric} ${fmt(r.head)} is below the threshold ${fmt(threshold)}`);
    }
  }
  for (const r of rows)
    if (r.verdict === 'regressed')
      reasons.push(
        `${r.metric} regressed by ${fmt(-(r.delta ?? 0))} (95% CI ${fmt(r.low)}…${fmt(r.high)}, Holm p=${fmtP(r.pAdjusted)})`,
      );
  if (headTotals.errorRate > gate.max_error_rate) {
    reasons.push(
      `error budget exceeded: ${headTotals.error} of ${headTotals.cases} cases errored (${pct(headTotals.errorRate)} > ${pct(gate.max_error_rate)})`,
    );
  }
  if (gate.max_cost_usd !== undefined && headTotals.costUsd > gate.max_cost_usd) {
    reasons.push(
      `full-price cost $${headTotals.costUsd.toFixed(4)} is above the budget $${gate.max_cost_usd} (this run paid $${headTotals.liveCostUsd.toFixed(4)})`,
    );
  }
  const baseTotals = base ? totals(base) : undefined;
  if (gate.max_cost_increase_pct !== undefined && baseTotals && baseTotals.costUsd > 0) {
    const inc = ((headTotals.costUsd - baseTotals.costUsd) / baseTotals.costUsd) * 100;
    if (inc > gate.max_cost_increase_pct)
      reasons.push(`cost rose ${inc.toFixed(1)}% vs main (limit ${gate.max_cost_increase_pct}%)`);
  }
  const passed = reasons.length === 0;
  const improved = rows.filter((r) => r.verdict === 'improved').map((r) => r.metric);
  const unsure = rows.filter((r) => r.verdict === 'not enough evidence').map((r) => r.metric);
  const headline = !passed
    ? `failed — ${reasons.length} problem${reasons.length > 1 ? 's' : ''}`
    : !base
      ? 'passed — no baseline from main; absolute thresholds only'
      : improved.length
        ? `passed — improved: ${improved.join(', ')}`
        : unsure.length
          ? `passed — not enough evidence (fewer than ${gate.min_nonzero_pairs} changed cases: ${unsure.join(', ')})`
          : 'passed — within noise';
  return {
    suite: config.name,
    rows,
    regressedCases,
    improvedCases,
    newErrors,
    errored: [...head.cases.values()]
      .filter((x) => x.outcome === 'error')
      .map((x) => ({ id: x.id, reason: x.error ?? 'no run succeeded' })),
    added,
    removed,
    changed,
    head: headTotals,
    base: baseTotals,
    mcnemar,
    gate: { passed, reasons, headline },
  };
}

/**
 * The paired test for one metric's per-case deltas: exact McNemar when every delta is −1, 0
 * or 1 (a 0/1 metric), otherwise the sign-flip permutation test.
 */
export function pairedTest(
  deltas: readonly number[],
  gate: { permutation_samples: number; seed: number },
): { p: number; nonZero: number; test: TestName } {
  if (deltas.every((d) => d === 0 || d === 1 || d === -1)) {
    const worse = deltas.filter((d) => d === -1).length;
    const better = deltas.filter((d) => d === 1).length;
    return { p: mcnemarExact(worse, better).p, nonZero: worse + better, test: 'mcnemar' };
  }
  const r = signFlipTest(deltas, { samples: gate.permutation_samples, seed: gate.seed });
  return { p: r.p, nonZero: r.nonZero, test: r.exact ? 'sign-flip exact' : 'sign-flip monte carlo' };
}

export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits);
}
export function fmtP(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return v < 0.001 ? '<0.001' : v.toFixed(3);
}
export function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}
