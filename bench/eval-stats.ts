/**
 * `npm run bench -- eval-stats` (also part of `npm run bench -- eval`): does the eval gate cry
 * wolf? Simulated suites of n = 5, 10, 20, 40, 100 paired cases, each case with its own pass
 * probability and score level, answers re-drawn on each side (a non-deterministic LLM):
 *   - no change: head and main drawn from the same per-case distributions. The false-alarm rate
 *     (gate fails on a "regressed" verdict) must stay ≤ α = 0.05;
 *   - no change, nearly deterministic app (pass probability 0.9–1, score noise 0.02): a few cases
 *     flip by chance — where a bootstrap p of 0 cried wolf;
 *   - a real change: each case's pass probability drops by 0.25 and its score by 0.10 — the power.
 * Each row is measured for the gate as it is (compareResults: exact McNemar / exact sign-flip,
 * Holm, minimum evidence) and for the gate before issue 18 (McNemar on pass_rate, a bootstrap
 * p-value of 2·min(share ≤ 0, share ≥ 0) on every metric — 0 when no resample crosses 0 —,
 * Holm, margin), on the same simulated data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareResults } from '../src/eval/compare.js';
import type { CaseSummary, ResultSet } from '../src/eval/results.js';
import { holm, mcnemarExact, seededRandom } from '../src/eval/stats.js';
import { parseSuite, type SuiteConfig } from '../src/eval/suite.js';

const SIZES = [5, 10, 20, 40, 100];
const NULL_SIMULATIONS = 2000;
const EFFECT_SIMULATIONS = 1000;
const ALPHA = 0.05;
const MARGIN = 0.02;
const PASS_DROP = 0.25;
const SCORE_DROP = 0.1;
const BOOTSTRAP_SAMPLES = 1000;

interface SimCase {
  pass: boolean;
  score: number;
}

/** The gate before issue 18: bootstrap p = 2·min(share ≤ 0, share ≥ 0), 0 when nothing crosses 0. */
function legacyBootstrapP(deltas: number[], rand: () => number): { mean: number; p: number } {
  const n = deltas.length;
  const mean = deltas.reduce((s, d) => s + d, 0) / n;
  if (deltas.every((d) => d === deltas[0])) return { mean, p: mean === 0 ? 1 : 0 };
  let below = 0;
  let above = 0;
  for (let b = 0; b < BOOTSTRAP_SAMPLES; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += deltas[Math.floor(rand() * n)]!;
    if (s <= 0) below++;
    if (s >= 0) above++;
  }
  return { mean, p: Math.min(1, (2 * Math.min(below, above)) / BOOTSTRAP_SAMPLES) };
}

function legacyRegressed(base: SimCase[], head: SimCase[], rand: () => number): boolean {
  let worse = 0;
  let better = 0;
  const passD: number[] = [];
  const scoreD: number[] = [];
  for (let i = 0; i < base.length; i++) {
    const d = Number(head[i]!.pass) - Number(base[i]!.pass);
    if (d < 0) worse++;
    if (d > 0) better++;
    passD.push(d);
    scoreD.push(head[i]!.score - base[i]!.score);
  }
  const passMean = passD.reduce((s, d) => s + d, 0) / passD.length;
  const contains = legacyBootstrapP(passD, rand);
  const f1 = legacyBootstrapP(scoreD, rand);
  const rows = [
    { p: mcnemarExact(worse, better).p, delta: passMean },
    { p: contains.p, delta: contains.mean },
    { p: f1.p, delta: f1.mean },
  ];
  const adjusted = holm(rows.map((r) => r.p));
  return rows.some((r, i) => adjusted[i]! < ALPHA && r.delta < -MARGIN);
}

function resultSet(cases: SimCase[]): ResultSet {
  const map = new Map<string, CaseSummary>();
  cases.forEach((c, i) => {
    map.set(`c${i}`, {
      id: `c${i}`,
      tags: [],
      outcome: c.pass ? 'pass' : 'fail',
      passes: c.pass ? 1 : 0,
      runs: 1,
      errors: 0,
      // `contains` is the 0/1 metric that decides pass/fail; token_f1 a continuous score
      metrics: { contains: c.pass ? 1 : 0, token_f1: c.score },
      failed: c.pass ? [] : ['contains'],
      latencyMs: 10,
      costUsd: 0,
      tokens: 0,
    });
  });
  return {
    meta: {
      type: 'meta',
      suite: 'sim',
      suiteHash: 'sim',
      configHash: 'sim',
      shard: { index: 1, count: 1 },
      target: 'sim',
      k: 5,
      repeats: 1,
      minPasses: 1,
      startedAt: '',
      labels: {},
    },
    cases: map,
    runs: map.size,
    costUsd: 0,
    liveCostUsd: 0,
    promptTokens: 0,
    completionTokens: 0,
    latencies: [10],
    cachedRuns: 0,
  };
}

/** Standard normal by Box–Muller, from the seeded uniform source. */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

interface Scenario {
  label: 'noChange' | 'noChangeNearlyDeterministic' | 'realChange';
  effect: boolean;
  simulations: number;
  /** Per-case pass probability drawn uniformly from [low, high]. */
  pass: [number, number];
  scoreNoise: number;
}

const SCENARIOS: Scenario[] = [
  { label: 'noChange', effect: false, simulations: NULL_SIMULATIONS, pass: [0.5, 0.95], scoreNoise: 0.1 },
  {
    label: 'noChangeNearlyDeterministic',
    effect: false,
    simulations: NULL_SIMULATIONS,
    pass: [0.9, 1],
    scoreNoise: 0.02,
  },
  { label: 'realChange', effect: true, simulations: EFFECT_SIMULATIONS, pass: [0.5, 0.95], scoreNoise: 0.1 },
];

function simulate(n: number, sc: Scenario, rand: () => number): { base: SimCase[]; head: SimCase[] } {
  const base: SimCase[] = [];
  const head: SimCase[] = [];
  const effect = sc.effect;
  for (let i = 0; i < n; i++) {
    const passProb = sc.pass[0] + (sc.pass[1] - sc.pass[0]) * rand();
    const level = 0.3 + 0.6 * rand();
    // token-level scores come in steps of 0.05 (a handful of tokens), so some deltas are exactly 0
    const score = (drop: number) =>
      Math.min(1, Math.max(0, Math.round((level - drop + sc.scoreNoise * gaussian(rand)) * 20) / 20));
    base.push({ pass: rand() < passProb, score: score(0) });
    head.push({
      pass: rand() < passProb - (effect ? PASS_DROP : 0),
      score: score(effect ? SCORE_DROP : 0),
    });
  }
  return { base, head };
}

/** Wilson score interval (95%) for a rate. */
function wilson(hits: number, total: number): [number, number] {
  const z = 1.96;
  const p = hits / total;
  const centre = (p + (z * z) / (2 * total)) / (1 + (z * z) / total);
  const half = (z * Math.sqrt((p * (1 - p)) / total + (z * z) / (4 * total * total))) / (1 + (z * z) / total);
  return [round4(Math.max(0, centre - half)), round4(Math.min(1, centre + half))];
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function gateConfig(): SuiteConfig {
  const dir = mkdtempSync(join(tmpdir(), 'ragship-bench-eval-stats-'));
  try {
    writeFileSync(join(dir, 'c.jsonl'), '{"id":"c0","question":"q"}\n');
    return parseSuite(
      [
        'name: sim',
        'cases: c.jsonl',
        'target: { type: http, url: "http://127.0.0.1:9/q" }',
        'metrics:',
        '  contains: { case_min: 1 }',
        '  token_f1: {}',
        'gate:',
        `  alpha: ${ALPHA}`,
        `  margin: ${MARGIN}`,
        `  bootstrap_samples: ${BOOTSTRAP_SAMPLES}`,
        '  permutation_samples: 2000',
        '  max_error_rate: 1',
      ].join('\n'),
      join(dir, 'suite.yaml'),
      {},
    ).config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const config = gateConfig();
  const rand = seededRandom(18);
  const rows = [];
  for (const n of SIZES) {
    const row: Record<string, unknown> = { n };
    for (const sc of SCENARIOS) {
      const sims = sc.simulations;
      let gate = 0;
      let legacy = 0;
      let notEnough = 0;
      for (let s = 0; s < sims; s++) {
        const { base, head } = simulate(n, sc, rand);
        const c = compareResults(resultSet(head), resultSet(base), config);
        if (c.rows.some((r) => r.verdict === 'regressed')) gate++;
        if (c.rows.some((r) => r.verdict === 'not enough evidence')) notEnough++;
        if (legacyRegressed(base, head, rand)) legacy++;
      }
      const key = sc.effect ? 'power' : 'falseAlarmRate';
      row[sc.label] = {
        simulations: sims,
        [key]: round4(gate / sims),
        [`${key}Wilson95`]: wilson(gate, sims),
        [`legacyBootstrap${key[0]!.toUpperCase()}${key.slice(1)}`]: round4(legacy / sims),
        [`legacyBootstrap${key[0]!.toUpperCase()}${key.slice(1)}Wilson95`]: wilson(legacy, sims),
        notEnoughEvidenceShare: round4(notEnough / sims),
      };
    }
    rows.push(row);
  }
  const worst = Math.max(
    ...rows.flatMap((r) =>
      SCENARIOS.filter((sc) => !sc.effect).map(
        (sc) => (r[sc.label] as { falseAlarmRate: number }).falseAlarmRate,
      ),
    ),
  );
  const legacyWorst = Math.max(
    ...rows.flatMap((r) =>
      SCENARIOS.filter((sc) => !sc.effect).map(
        (sc) => (r[sc.label] as { legacyBootstrapFalseAlarmRate: number }).legacyBootstrapFalseAlarmRate,
      ),
    ),
  );
  // The cases issue 18 reported: k of 20 cases go pass → fail (and their 0/1 metric 1 → 0), nothing else changes.
  const issueCases = [1, 5, 8].map((flips) => {
    const base = Array.from({ length: 20 }, () => ({ pass: true, score: 0.8 }));
    const head = base.map((c, i) => (i < flips ? { pass: false, score: c.score } : c));
    const c = compareResults(resultSet(head), resultSet(base), config);
    return {
      flipsOf20: flips,
      gate: Object.fromEntries(c.rows.map((r) => [r.metric, { p: round4(r.p ?? 1), verdict: r.verdict }])),
      gatePassed: c.gate.passed,
      legacyBootstrapFails: legacyRegressed(base, head, seededRandom(1)),
    };
  });
  return {
    issueCases,
    what:
      `false alarms (gate fails on "regressed") under no change and power under a real change ` +
      `(pass probability −${PASS_DROP}, score −${SCORE_DROP}); rows pass_rate + contains (0/1) + token_f1, ` +
      `α=${ALPHA}, margin=${MARGIN}, Holm across rows, min_nonzero_pairs=${config.gate.min_nonzero_pairs}; ` +
      'legacy = the gate before issue 18 (bootstrap p-values on metrics) on the same simulated data',
    alpha: ALPHA,
    sizes: rows,
    worstFalseAlarmRate: worst,
    falseAlarmRateWithinAlpha: worst <= ALPHA,
    legacyBootstrapWorstFalseAlarmRate: legacyWorst,
  };
}
