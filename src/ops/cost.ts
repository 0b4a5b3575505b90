import { Report } from '../core/report.js';

/** One sample of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text format (the app's /metrics or a Prometheus federate dump). */
export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

export interface CostRow {
  key: string;
  costUsd: number;
  promptTokens: number;
  completionTokens: number;
}

export interface CostSummary {
  totalUsd: number;
  totalTokens: number;
  byUser: CostRow[];
  byFeature: CostRow[];
  byModel: CostRow[];
  budgetUsd?: number;
  overBudget: boolean;
}

/**
 * Sums `llm_cost_usd_total` and `llm_tokens_total` per user, feature and model. Counters are
 * cumulative since the app started: pass `baseline` (an earlier scrape, e.g. yesterday's saved
 * artifact) to get the spend in between; a counter that went down (restart) counts from zero.
 */
export function summariseCost(current: Sample[], baseline: Sample[] = [], budgetUsd?: number): CostSummary {
  const key = (s: Sample) =>
    `${s.name}{${Object.entries(s.labels)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}}`;
  const before = new Map(baseline.map((s) => [key(s), s.value]));
  const delta = (s: Sample) => {
    const b = before.get(key(s)) ?? 0;
    return s.value >= b ? s.value - b : s.value;
  };
  const groups = {
    user: new Map<string, CostRow>(),
    feature: new Map<string, CostRow>(),
    model: new Map<string, CostRow>(),
  };
  const row = (by: keyof typeof groups, k: string) => {
    let r = groups[by].get(k);
    if (!r) {
      r = { key: k, costUsd: 0, promptTokens: 0, completionTokens: 0 };
      groups[by].set(k, r);
    }
    return r;
  };
  let totalUsd = 0;
  let totalTokens = 0;
  for (const s of current) {
    if (s.name === 'llm_cost_usd_total') {
      const d = delta(s);
      totalUsd += d;
      for (const by of ['user', 'feature', 'model'] as const) row(by, s.labels[by] ?? 'unknown').costUsd += d;
    } else if (s.name === 'llm_tokens_total') {
      const d = delta(s);
      totalTokens += d;
      const field = s.labels.type === 'completion' ? 'completionTokens' : 'promptTokens';
      for (const by of ['user', 'feature', 'model'] as const) row(by, s.labels[by] ?? 'unknown')[field] += d;
    }
  }
  const sorted = (m: Map<string, CostRow>) =>
    [...m.values()].sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key));
  return {
    totalUsd,
    totalTokens,
    byUser: sorted(groups.user),
    byFeature: sorted(groups.feature),
    byModel: sorted(groups.model),
    budgetUsd,
    overBudget: budgetUsd !== undefined && totalUsd > budgetUsd,
  };
}

const usd = (x: number) => `$${x.toFixed(4)}`;

export function costReport(s: CostSummary, title = 'LLM cost'): Report {
  const r = new Report().heading(title);
  r.text(
    `**${usd(s.totalUsd)}** for ${s.totalTokens} tokens` +
      (s.budgetUsd !== undefined
        ? ` — budget ${usd(s.budgetUsd)}: ${s.overBudget ? '**over budget**' : `${((s.totalUsd / s.budgetUsd) * 100).toFixed(1)} % used`}`
        : ''),
  );
  for (const [label, rows] of [
    ['user', s.byUser],
    ['feature', s.byFeature],
    ['model', s.byModel],
  ] as const) {
    r.heading(`By ${label}`, 3).table(
      [label, 'USD', 'prompt tokens', 'completion tokens'],
      rows.slice(0, 20).map((x) => [x.key, usd(x.costUsd), x.promptTokens, x.completionTokens]),
    );
  }
  return r;
}
