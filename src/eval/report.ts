import { Report } from '../core/report.js';
import { type Comparison, fmt, fmtP, pct } from './compare.js';
import type { RunRecord, RunSummary } from './runner.js';

export const COMMENT_MARKER_PREFIX = '<!-- ragship-eval-gate:';

/** The hidden marker that lets the PR comment be found and updated instead of duplicated. */
export function commentMarker(suite: string): string {
  return `${COMMENT_MARKER_PREFIX}${suite} -->`;
}

const ICON: Record<string, string> = {
  regressed: '🔴 regressed',
  improved: '🟢 improved',
  'within noise': '⚪ within noise',
  'not enough evidence': '⚪ not enough evidence',
  'no baseline': '– no baseline',
};

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function signed(v: number | null): string {
  if (v === null) return '–';
  return `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;
}

export interface ReportInput {
  comparison: Comparison;
  run: RunSummary;
  /** Recorded head and baseline runs of the listed cases (answers, sources). */
  headRuns: Map<string, RunRecord>;
  baseRuns: Map<string, RunRecord>;
  baselineSource: string;
  /** This run was stored as main's baseline (no warning about a missing one). */
  savedAsBaseline?: boolean;
  runUrl?: string;
  /** Name of the artifact the workflow uploads the HTML report under (linked from the comment). */
  reportArtifact?: string;
}

/** The Markdown a person reads: PR comment and job summary (same text). */
export function renderMarkdown(input: ReportInput): string {
  const { comparison: c, run } = input;
  const r = new Report();
  r.text(commentMarker(c.suite));
  r.heading(`${c.gate.passed ? '✅' : '❌'} Eval gate \`${c.suite}\`: ${c.gate.headline}`, 3);
  if (!c.base && input.savedAsBaseline)
    r.text('Stored as the baseline that pull requests are compared with, case by case.');
  else if (!c.base)
    r.text(
      [
        `> ⚠️ **No baseline from main** (${input.baselineSource}): nothing was compared, only absolute thresholds apply — a regression would pass.`,
        '> To create one: let the eval gate run on a push to main (`save-baseline` is on there by default; the workflow uploads the results as the `baseline-artifact` it outputs, which PR runs find with `actions: read`), or run',
        '> `ragship eval <suite> --sha <main sha> --save-baseline`; or give `baseline-url` (an app of the merge-base) to evaluate it now.',
      ].join('\n'),
    );
  if (c.gate.reasons.length) r.list(c.gate.reasons);
  r.table(
    ['metric', 'main', 'PR', 'delta', '95% CI (bootstrap)', 'p (Holm)', 'test · changed/paired', 'verdict'],
    c.rows.map((row) => [
      row.threshold !== undefined
        ? `${row.metric} (min ${fmt(row.threshold, 2)})${row.belowThreshold ? ' ⚠️' : ''}`
        : row.metric,
      fmt(row.base),
      fmt(row.head),
      signed(row.delta),
      row.low === null ? '–' : `${signed(row.low)} … ${signed(row.high)}`,
      fmtP(row.pAdjusted),
      row.test === 'none' ? '–' : `${row.test} · ${row.nonZero}/${row.paired}`,
      ICON[row.verdict] ?? row.verdict,
    ]),
  );
  const h = c.head;
  const lines = [
    `cases: ${h.cases} (${h.pass} pass, ${h.fail} fail, ${h.error} error)${c.base ? ` · main: ${c.base.pass} pass, ${c.base.fail} fail, ${c.base.error} error` : ''}`,
    `flips: ${c.regressedCases.length} pass→fail, ${c.improvedCases.length} fail→pass${c.mcnemar ? ` (exact McNemar p=${fmtP(c.mcnemar.p)})` : ''}`,
    `latency p50 ${fmt(h.p50Ms, 0)} ms · p95 ${fmt(h.p95Ms, 0)} ms · tokens ${h.tokens} · full-price cost $${h.costUsd.toFixed(4)}${c.base ? ` (main $${c.base.costUsd.toFixed(4)})` : ''} · paid live $${h.liveCostUsd.toFixed(4)}`,
    `cache: ${run.cache.hits} hits / ${run.cache.misses} misses (${pct(run.cache.hits + run.cache.misses ? run.cache.hits / (run.cache.hits + run.cache.misses) : 0)} hit ratio) · live calls ${run.liveCalls} · throttled ${run.throttled} · retries ${run.retries}`,
    `baseline: ${input.baselineSource}`,
  ];
  const ids = (list: string[]) =>
    list.length
      ? ` (${list
          .slice(0, 20)
          .map((id) => `\`${id}\``)
          .join(', ')}${list.length > 20 ? ', …' : ''})`
      : '';
  if (c.added.length || c.removed.length || c.changed.length)
    lines.push(
      `not paired with main: ${c.changed.length} edited${ids(c.changed)} · ${c.added.length} added${ids(c.added)} · ${c.removed.length} removed${ids(c.removed)}`,
    );
  r.list(lines);
  const listed = [...c.regressedCases, ...c.newErrors];
  if (listed.length) {
    const body = listed
      .slice(0, 30)
      .map((id) => {
        const head = input.headRuns.get(id);
        const base = input.baseRuns.get(id);
        const src = (x?: RunRecord) =>
          x?.sources?.length
            ? x.sources
                .slice(0, 8)
                .map((s) => `\`${s}\``)
                .join(', ')
            : '–';
        const ans = (x?: RunRecord) =>
          escapeHtml((x?.answer ?? x?.error ?? '–').slice(0, 400).replace(/\n/g, ' '));
        return [
          `**${id}**${head?.failed.length ? ` — below threshold: ${head.failed.join(', ')}` : ''}${head?.error ? ` — error: ${escapeHtml(head.error)}` : ''}`,
          '',
          `| | main | PR |\n| --- | --- | --- |\n| answer | ${ans(base).replace(/\|/g, '\\|')} | ${ans(head).replace(/\|/g, '\\|')} |\n| sources | ${src(base)} | ${src(head)} |`,
        ].join('\n');
      })
      .join('\n\n');
    r.details(
      `${c.regressedCases.length} regressed case(s)${c.newErrors.length ? `, ${c.newErrors.length} new error(s)` : ''}${listed.length > 30 ? ' (first 30)' : ''}`,
      body,
    );
  }
  if (c.errored.length)
    r.details(
      `${c.errored.length} errored case(s) and why${c.errored.length > 50 ? ' (first 50)' : ''}`,
      c.errored
        .slice(0, 50)
        .map((e) => `- \`${e.id}\`: ${escapeHtml(e.reason.slice(0, 300).replace(/\n/g, ' '))}`)
        .join('\n'),
    );
  if (c.improvedCases.length)
    r.details(
      `${c.improvedCases.length} improved case(s)`,
      c.improvedCases.map((id) => `\`${id}\``).join(', '),
    );
  if (input.reportArtifact)
    r.text(
      `📊 HTML report (main vs PR answers and sources side by side, each metric's change with its interval): artifact \`${input.reportArtifact}\`${input.runUrl ? ` of [this run](${input.runUrl}#artifacts)` : ''}.`,
    );
  if (input.runUrl) r.text(`[workflow run](${input.runUrl})`);
  return r.toString();
}

function xml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** JUnit XML: one testcase per case; fail → <failure>, error → <error>. */
export function renderJUnit(
  suite: string,
  cases: Iterable<{
    id: string;
    outcome: string;
    failed: string[];
    error?: string;
    latencyMs: number;
    metrics: Record<string, number | null | undefined>;
  }>,
): string {
  const items: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const c of cases) {
    tests++;
    const metrics = Object.entries(c.metrics)
      .map(([k, v]) => `${k}=${v === null || v === undefined ? 'n/a' : v.toFixed(3)}`)
      .join(' ');
    let inner = '';
    if (c.outcome === 'fail') {
      failures++;
      inner = `<failure message="${xml(`below threshold: ${c.failed.join(', ')}`)}">${xml(metrics)}</failure>`;
    } else if (c.outcome === 'error') {
      errors++;
      inner = `<error message="${xml(c.error ?? 'error')}"/>`;
    }
    items.push(
      `    <testcase classname="${xml(suite)}" name="${xml(c.id)}" time="${(c.latencyMs / 1000).toFixed(3)}">${inner}</testcase>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="${xml(suite)}" tests="${tests}" failures="${failures}" errors="${errors}">\n${items.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}
