import type { CaseSummary, ResultSet } from './results.js';
import { holm, mcnemarExact, mean, pairedBootstrap, percentile } from './stats.js';
import type { MetricName, SuiteConfig } from './suite.js';

/**
 * Head vs baseline, paired by case id. Pass/fail uses the exact McNemar test on flipped
 * cases; every score metric uses a seeded paired bootstrap on per-case deltas; p-values are
 * Holm-adjusted across all metrics. A metric regresses only when the drop is significant
 * AND larger than the margin; otherwise the honest answer is "within noise".
 */

export type Verdict = 'regressed' | 'improved' | 'within noise' | 'no baseline';

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
  test: 'mcnemar' | 'bootstrap' | 'none';
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
  costUsd: number;
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
  added: string[];
  removed: string[];
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
    const x = c.metrics[name];
    if (c.outcome !== 'error' && x !== null && x !== undefined) v.push(x);
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
    for (const [id, h] of head.cases) {
      const b = base.cases.get(id);
      if (!b) continue;
      if (h.outcome === 'error' && b.outcome !== 'error') newErrors.push(id);
      if (h.outcome !== 'error' && b.outcome !== 'error') pairs.push([b, h]);
    }
    const boot = (d: number[]) =>
      pairedBootstrap(d, { samples: gate.bootstrap_samples, seed: gate.seed, alpha: gate.alpha });
    // pass rate: McNemar on the flips; the interval from the bootstrap of 0/1 deltas.
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
      test: 'mcnemar',
      verdict: 'within noise',
      belowThreshold: false,
    });
    for (const m of metricNames) {
      const deltas: number[] = [];
      for (const [bs, hs] of pairs) {
        const bv = bs.metrics[m];
        const hv = hs.metrics[m];
        if (bv !== null && bv !== undefined && hv !== null && hv !== undefined) deltas.push(hv - bv);
      }
      const r = deltas.length ? boot(deltas) : undefined;
      rows.push({
        metric: m,
        head: metricMean(head.cases.values(), m),
        base: metricMean(base.cases.values(), m),
        delta: r ? r.meanDelta : null,
        low: r?.low ?? null,
        high: r?.high ?? null,
        p: r?.p ?? null,
        pAdjusted: null,
        paired: deltas.length,
        test: r ? 'bootstrap' : 'none',
        verdict: 'within noise',
        belowThreshold: false,
      });
    }
    const tested = rows.filter((r) => r.p !== null);
    const adjusted = holm(tested.map((r) => r.p!));
    tested.forEach((r, i) => {
      r.pAdjusted = adjusted[i]!;
      if (r.delta === null) return;
      if (r.pAdjusted < gate.alpha && r.delta < -gate.margin) r.verdict = 'regressed';
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
    reasons.push(`cost $${headTotals.costUsd.toFixed(4)} is above the budget $${gate.max_cost_usd}`);
  }
  const baseTotals = base ? totals(base) : undefined;
  if (gate.max_cost_increase_pct !== undefined && baseTotals && baseTotals.costUsd > 0) {
    const inc = ((headTotals.costUsd - baseTotals.costUsd) / baseTotals.costUsd) * 100;
    if (inc > gate.max_cost_increase_pct)
      reasons.push(`cost rose ${inc.toFixed(1)}% vs main (limit ${gate.max_cost_increase_pct}%)`);
  }
  const passed = reasons.length === 0;
  const improved = rows.filter((r) => r.verdict === 'improved').map((r) => r.metric);
  const headline = !passed
    ? `failed — ${reasons.length} problem${reasons.length > 1 ? 's' : ''}`
    : !base
      ? 'passed — no baseline from main; absolute thresholds only'
      : improved.length
        ? `passed — improved: ${improved.join(', ')}`
        : 'passed — within noise';
  return {
    suite: config.name,
    rows,
    regressedCases,
    improvedCases,
    newErrors,
    added,
    removed,
    head: headTotals,
    base: baseTotals,
    mcnemar,
    gate: { passed, reasons, headline },
  };
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
