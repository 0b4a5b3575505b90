import type { Comparison, MetricRow } from './compare.js';
import { fmt, fmtP } from './compare.js';
import type { CaseSummary, ResultSet } from './results.js';
import type { RunRecord } from './runner.js';

/**
 * The report people look at: one self-contained HTML file (inline CSS and SVG, no script, no
 * network) — the metric table, a chart of each metric's change with its interval, and the
 * cases that changed with main's and the PR's answers and sources side by side.
 */

export interface HtmlReportInput {
  comparison: Comparison;
  head: ResultSet;
  base?: ResultSet;
  /** Recorded runs (answers, sources) of the cases shown, per side. */
  headRuns: Map<string, RunRecord>;
  baseRuns: Map<string, RunRecord>;
  baselineSource: string;
  runUrl?: string;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f6f8fa}.regressed{color:#cf222e}.improved{color:#1a7f37}.muted{color:#59636e}
.answer{max-width:520px;white-space:pre-wrap}code{font-size:12px}`;

/** One row per metric: the interval as a bar, the delta as a dot, 0 as a vertical line. */
export function deltaChart(rows: readonly MetricRow[]): string {
  const shown = rows.filter((r) => r.delta !== null);
  if (!shown.length) return '<p class="muted">no paired metric to chart</p>';
  const extent = Math.max(
    0.05,
    ...shown.flatMap((r) => [Math.abs(r.low ?? 0), Math.abs(r.high ?? 0), Math.abs(r.delta!)]),
  );
  const width = 360;
  const label = 140;
  const rowH = 22;
  const x = (v: number) => label + ((v + extent) / (2 * extent)) * width;
  const parts = shown.map((r, i) => {
    const y = 14 + i * rowH;
    const colour = r.verdict === 'regressed' ? '#cf222e' : r.verdict === 'improved' ? '#1a7f37' : '#59636e';
    return [
      `<text x="0" y="${y + 4}" font-size="12">${escapeHtml(r.metric)}</text>`,
      r.low !== null && r.high !== null
        ? `<line class="interval" x1="${x(r.low).toFixed(1)}" x2="${x(r.high).toFixed(1)}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="3"/>`
        : '',
      `<circle class="delta" data-metric="${escapeHtml(r.metric)}" cx="${x(r.delta!).toFixed(1)}" cy="${y}" r="4" fill="${colour}"><title>${escapeHtml(`${r.metric}: ${fmt(r.delta)} (${fmt(r.low)} … ${fmt(r.high)})`)}</title></circle>`,
    ].join('');
  });
  const h = 14 + shown.length * rowH;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="change of each metric with its 95% interval" width="${label + width + 60}" height="${h + 16}">
<line x1="${x(0)}" x2="${x(0)}" y1="0" y2="${h}" stroke="#8c959f" stroke-dasharray="3,3"/>
<text x="${x(-extent)}" y="${h + 12}" font-size="11">${(-extent).toFixed(2)}</text>
<text x="${x(0) - 4}" y="${h + 12}" font-size="11">0</text>
<text x="${x(extent) - 24}" y="${h + 12}" font-size="11">+${extent.toFixed(2)}</text>
${parts.join('\n')}
</svg>`;
}

function metricChanges(h: CaseSummary | undefined, b: CaseSummary | undefined): string {
  if (!h) return '';
  const names = new Set([...Object.keys(h.metrics), ...Object.keys(b?.metrics ?? {})]);
  const out: string[] = [];
  for (const n of names) {
    const hv = h.metrics[n as keyof typeof h.metrics];
    const bv = b?.metrics[n as keyof typeof h.metrics];
    if (hv === bv) continue;
    const d = hv !== null && hv !== undefined && bv !== null && bv !== undefined ? hv - bv : null;
    out.push(
      `<span class="${d !== null && d < 0 ? 'regressed' : d !== null && d > 0 ? 'improved' : ''}">${escapeHtml(n)} ${fmt(bv)} → ${fmt(hv)}</span>`,
    );
  }
  return out.join('<br>');
}

export function renderHtml(input: HtmlReportInput): string {
  const c = input.comparison;
  const runCell = (r: RunRecord | undefined) =>
    r
      ? `<div class="answer">${escapeHtml((r.answer ?? r.error ?? '–').slice(0, 2000))}</div>${
          r.sources?.length
            ? `<div class="muted">sources: ${r.sources
                .slice(0, 10)
                .map((s) => `<code>${escapeHtml(s)}</code>`)
                .join(', ')}</div>`
            : ''
        }`
      : '<span class="muted">–</span>';
  const groups: Array<[string, string[]]> = [
    ['pass → fail', c.regressedCases],
    ['new errors', c.newErrors],
    ['fail → pass', c.improvedCases],
  ];
  const caseRows = groups.flatMap(([what, ids]) =>
    ids.map((id) => {
      const h = input.head.cases.get(id);
      const b = input.base?.cases.get(id);
      return `<tr data-case="${escapeHtml(id)}"><td><code>${escapeHtml(id)}</code><br><span class="muted">${what}</span></td><td>${runCell(input.baseRuns.get(id))}</td><td>${runCell(input.headRuns.get(id))}</td><td>${metricChanges(h, b)}</td></tr>`;
    }),
  );
  const metricRows = c.rows.map(
    (r) =>
      `<tr data-metric="${escapeHtml(r.metric)}"><td>${escapeHtml(r.metric)}</td><td>${fmt(r.base)}</td><td>${fmt(r.head)}</td><td>${fmt(r.delta)}</td><td>${r.low === null ? '–' : `${fmt(r.low)} … ${fmt(r.high)}`}</td><td>${fmtP(r.pAdjusted)}</td><td>${escapeHtml(r.test)} · ${r.nonZero}/${r.paired}</td><td class="${r.verdict === 'regressed' ? 'regressed' : r.verdict === 'improved' ? 'improved' : ''}">${escapeHtml(r.verdict)}</td></tr>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eval gate ${escapeHtml(c.suite)}: ${escapeHtml(c.gate.headline)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head>
<body>
<h1 id="headline">${c.gate.passed ? '✅' : '❌'} Eval gate <code>${escapeHtml(c.suite)}</code>: ${escapeHtml(c.gate.headline)}</h1>
${c.gate.reasons.length ? `<ul id="reasons">${c.gate.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : ''}
<p class="muted">baseline: ${escapeHtml(input.baselineSource)}${input.runUrl ? ` · <a href="${escapeHtml(input.runUrl)}">workflow run</a>` : ''}</p>
<h2>Metrics (main vs PR)</h2>
<table id="metrics"><tr><th>metric</th><th>main</th><th>PR</th><th>delta</th><th>95% CI (bootstrap)</th><th>p (Holm)</th><th>test · changed/paired</th><th>verdict</th></tr>
${metricRows.join('\n')}</table>
<h2>Change of each metric, with its interval</h2>
<div id="chart">${deltaChart(c.rows)}</div>
<h2>Cases that changed</h2>
${
  caseRows.length
    ? `<table id="cases"><tr><th>case</th><th>main</th><th>PR</th><th>metric changes</th></tr>\n${caseRows.join('\n')}</table>`
    : '<p class="muted">no case changed outcome</p>'
}
${
  c.errored.length
    ? `<h2>Errored cases</h2><ul id="errors">${c.errored.map((e) => `<li><code>${escapeHtml(e.id)}</code>: ${escapeHtml(e.reason)}</li>`).join('')}</ul>`
    : ''
}
</body></html>
`;
}
