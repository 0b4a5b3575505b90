import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../../../src/eval/compare.js';
import { renderJUnit } from '../../../src/eval/report.js';
import type { CaseSummary, ResultSet } from '../../../src/eval/results.js';
import { parseSuite } from '../../../src/eval/suite.js';

const dir = mkdtempSync(join(tmpdir(), 'ragship-compare-'));
writeFileSync(join(dir, 'c.jsonl'), '{"id":"a","question":"q"}\n');
const config = (gate = '', metrics = '  recall@k: {}\n') =>
  parseSuite(
    `name: t\ncases: c.jsonl\ntarget: { type: http, url: "http://127.0.0.1:9/q" }\nmetrics:\n${metrics}gate:\n  seed: 5\n${gate}`,
    join(dir, 's.yaml'),
    {},
  ).config;

function set(cases: Array<Partial<CaseSummary> & { id: string }>, costUsd = 0): ResultSet {
  const map = new Map<string, CaseSummary>();
  for (const c of cases)
    map.set(c.id, {
      tags: [],
      outcome: 'pass',
      passes: 1,
      runs: 1,
      errors: 0,
      metrics: {},
      failed: [],
      latencyMs: 10,
      costUsd: 0,
      tokens: 0,
      ...c,
    });
  return {
    meta: {
      type: 'meta',
      suite: 't',
      suiteHash: 'h',
      configHash: 'c',
      shard: { index: 1, count: 1 },
      target: 'x',
      k: 5,
      repeats: 1,
      minPasses: 1,
      startedAt: '',
      labels: {},
    },
    cases: map,
    runs: map.size,
    costUsd,
    liveCostUsd: costUsd / 2,
    promptTokens: 0,
    completionTokens: 0,
    latencies: [10, 20, 30],
    cachedRuns: 0,
  };
}

const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);

describe('paired comparison verdicts', () => {
  it('says "within noise" when nothing changed', () => {
    const base = set(ids.map((id) => ({ id, metrics: { 'recall@k': 0.5 } })));
    const head = set(ids.map((id) => ({ id, metrics: { 'recall@k': 0.5 } })));
    const c = compareResults(head, base, config());
    expect(c.gate).toMatchObject({ passed: true, headline: 'passed — within noise' });
    expect(c.rows.map((r) => r.verdict)).toEqual(['within noise', 'within noise']);
    expect(c.mcnemar).toEqual({ regressions: 0, improvements: 0, p: 1 });
  });

  it('says "not enough evidence" (never "regressed") for 2 flips each way and a small score wobble', () => {
    const base = set(
      ids.map((id, i) => ({
        id,
        outcome: i < 2 ? 'fail' : 'pass',
        metrics: { 'recall@k': i % 2 ? 0.5 : 1 },
      })),
    );
    const head = set(
      ids.map((id, i) => ({
        id,
        outcome: i >= 2 && i < 4 ? 'fail' : 'pass',
        metrics: { 'recall@k': i % 2 ? 1 : 0.5 },
      })),
    );
    const c = compareResults(head, base, config());
    expect(c.regressedCases).toEqual(['c2', 'c3']);
    expect(c.improvedCases).toEqual(['c0', 'c1']);
    expect(c.mcnemar!.p).toBe(1);
    expect(c.gate.passed).toBe(true);
    // 4 changed cases on pass_rate (< min_nonzero_pairs 6); recall changed on all 40, balanced
    expect(c.rows.map((r) => r.verdict)).toEqual(['not enough evidence', 'within noise']);
  });

  it('fails on 10 pass→fail flips with recall dropping 1 → 0: McNemar p = 2/1024, Holm over 2 metrics', () => {
    const base = set(ids.map((id) => ({ id, metrics: { 'recall@k': 1 } })));
    const head = set(
      ids.map((id, i) => ({
        id,
        outcome: i < 10 ? 'fail' : 'pass',
        metrics: { 'recall@k': i < 10 ? 0 : 1 },
      })),
    );
    const c = compareResults(head, base, config());
    expect(c.mcnemar!.p).toBeCloseTo(2 / 1024, 12);
    const pass = c.rows.find((r) => r.metric === 'pass_rate')!;
    const recall = c.rows.find((r) => r.metric === 'recall@k')!;
    // recall's deltas are 0/−1: the same exact McNemar test, the same p; Holm doubles both
    expect(recall).toMatchObject({ test: 'mcnemar', nonZero: 10, paired: 40 });
    expect(recall.p).toBeCloseTo(2 / 1024, 12);
    expect(pass.pAdjusted).toBeCloseTo(4 / 1024, 12);
    expect(recall.pAdjusted).toBeCloseTo(4 / 1024, 12);
    expect(pass.delta).toBe(-0.25);
    expect(pass.verdict).toBe('regressed');
    expect(c.rows.find((r) => r.metric === 'recall@k')!.verdict).toBe('regressed');
    expect(c.regressedCases).toHaveLength(10);
    expect(c.gate.passed).toBe(false);
    expect(c.gate.reasons[0]).toMatch(/^pass_rate regressed by 0\.250/);
  });

  it('does not fail a significant drop smaller than the margin', () => {
    const base = set(ids.map((id) => ({ id, metrics: { 'recall@k': 1 } })));
    const head = set(ids.map((id) => ({ id, metrics: { 'recall@k': 0.99 } })));
    const c = compareResults(head, base, config('  margin: 0.02\n'));
    const r = c.rows.find((x) => x.metric === 'recall@k')!;
    // 40 changed cases > 30: Monte Carlo sign flips, whose p is never below 1/(B+1)
    expect(r).toMatchObject({ test: 'sign-flip monte carlo', nonZero: 40 });
    expect(r.p).toBeCloseTo(1 / 10_001, 12);
    expect(r.verdict).toBe('within noise');
    expect(c.gate.passed).toBe(true);
    expect(compareResults(head, base, config('  margin: 0.005\n')).gate.passed).toBe(false);
  });

  it('pairs only cases on both sides, lists added/removed, and counts new errors (not as fails)', () => {
    const base = set([{ id: 'a' }, { id: 'b' }, { id: 'gone' }]);
    const head = set([{ id: 'a' }, { id: 'b', outcome: 'error', error: 'target: 503' }, { id: 'new' }]);
    const c = compareResults(head, base, config('  max_error_rate: 0.5\n'));
    expect(c.added).toEqual(['new']);
    expect(c.removed).toEqual(['gone']);
    expect(c.newErrors).toEqual(['b']);
    expect(c.rows[0]!.paired).toBe(1);
    expect(c.head).toMatchObject({ cases: 3, pass: 2, error: 1 });
    expect(c.gate.passed).toBe(true);
    expect(compareResults(head, base, config('  max_error_rate: 0.2\n')).gate.reasons).toEqual([
      'error budget exceeded: 1 of 3 cases errored (33.3% > 20.0%)',
    ]);
  });

  it('applies absolute thresholds and cost budgets, also without a baseline', () => {
    const head = set(
      ids.map((id) => ({ id, metrics: { 'recall@k': 0.5 } })),
      0.3,
    );
    const c = compareResults(
      head,
      undefined,
      config('  max_cost_usd: 0.25\n', '  recall@k: { suite_min: 0.6 }\n'),
    );
    expect(c.rows.every((r) => r.verdict === 'no baseline')).toBe(true);
    expect(c.gate.reasons).toEqual([
      'recall@k 0.500 is below the threshold 0.600',
      'full-price cost $0.3000 is above the budget $0.25 (this run paid $0.1500)',
    ]);
    const base = set(
      ids.map((id) => ({ id, metrics: { 'recall@k': 0.5 } })),
      0.1,
    );
    const rise = compareResults(
      set(
        ids.map((id) => ({ id, metrics: { 'recall@k': 0.5 } })),
        0.2,
      ),
      base,
      config('  max_cost_increase_pct: 50\n'),
    );
    expect(rise.gate.reasons).toEqual(['cost rose 100.0% vs main (limit 50%)']);
  });
});

describe('honest statistics at small n', () => {
  const twenty = ids.slice(0, 20);
  /** `flips` cases go pass → fail and their recall 1 → 0; everything else is unchanged. */
  const flipped = (flips: number, metrics = '  recall@k: {}\n', gate = '') => {
    const base = set(twenty.map((id) => ({ id, metrics: { 'recall@k': 1 } })));
    const head = set(
      twenty.map((id, i) => ({
        id,
        outcome: i < flips ? 'fail' : 'pass',
        metrics: { 'recall@k': i < flips ? 0 : 1 },
      })),
    );
    return compareResults(head, base, config(gate, metrics));
  };

  it('one case going pass → fail is "not enough evidence" with p = 1, and the gate passes', () => {
    const c = flipped(1);
    expect(c.gate).toMatchObject({
      passed: true,
      headline: 'passed — not enough evidence (fewer than 6 changed cases: pass_rate, recall@k)',
    });
    for (const r of c.rows) expect(r).toMatchObject({ verdict: 'not enough evidence', p: 1, nonZero: 1 });
  });

  it('5 of 20 one-way flips: p = 0.0625 on every row (the bootstrap said p = 0), gate passes', () => {
    const c = flipped(5);
    expect(c.mcnemar!.p).toBeCloseTo(0.0625, 12);
    for (const r of c.rows) {
      expect(r.p).toBeCloseTo(0.0625, 12);
      expect(r.verdict).toBe('not enough evidence');
    }
    expect(c.gate.passed).toBe(true);
  });

  it('pass_rate and a 0/1 metric row never contradict each other on the same flips (1–20 flips)', () => {
    for (let flips = 1; flips <= 20; flips++) {
      const c = flipped(flips);
      const [pass, recall] = c.rows;
      expect(recall!.p).toBeCloseTo(pass!.p!, 12);
      expect(recall!.pAdjusted).toBeCloseTo(pass!.pAdjusted!, 12);
      expect(recall!.verdict).toBe(pass!.verdict);
    }
    // 8 one-way flips: p = 2/256, Holm ×2 = 1/64 < 0.05 → regressed on both rows
    expect(flipped(8).rows.map((r) => r.verdict)).toEqual(['regressed', 'regressed']);
  });

  it('a continuous metric uses the exact sign-flip test: 10 of 40 dropping by different amounts, p = 2/1024', () => {
    const base = set(ids.map((id) => ({ id, metrics: { 'recall@k': 0.9 } })));
    const head = set(
      ids.map((id, i) => ({ id, metrics: { 'recall@k': i < 10 ? 0.9 - 0.05 * (i + 1) : 0.9 } })),
    );
    const r = compareResults(head, base, config()).rows.find((x) => x.metric === 'recall@k')!;
    expect(r).toMatchObject({ test: 'sign-flip exact', nonZero: 10, paired: 40, verdict: 'regressed' });
    expect(r.p).toBeCloseTo(2 / 1024, 12);
  });

  it('the minimum evidence is configurable: min_nonzero_pairs 10 keeps 8 flips at "not enough evidence"', () => {
    const c = flipped(8, '  recall@k: {}\n', '  min_nonzero_pairs: 10\n');
    expect(c.rows.map((r) => r.verdict)).toEqual(['not enough evidence', 'not enough evidence']);
    expect(c.gate.passed).toBe(true);
  });

  it('thresholds still apply when there is not enough evidence', () => {
    const c = flipped(2, '  recall@k: { suite_min: 0.95 }\n');
    expect(c.rows[1]!.verdict).toBe('not enough evidence');
    expect(c.gate.passed).toBe(false);
    expect(c.gate.reasons).toEqual(['recall@k 0.900 is below the threshold 0.950']);
  });
});

describe('JUnit XML', () => {
  it('writes one testcase per case with failures and errors, escaped', () => {
    const xml = renderJUnit('s<1>', [
      { id: 'ok', outcome: 'pass', failed: [], latencyMs: 1500, metrics: { mrr: 1 } },
      { id: 'bad "one"', outcome: 'fail', failed: ['mrr'], latencyMs: 10, metrics: { mrr: 0.25 } },
      { id: 'err', outcome: 'error', failed: [], error: 'judge output <x>', latencyMs: 0, metrics: {} },
    ]);
    expect(xml).toContain('<testsuite name="s&lt;1&gt;" tests="3" failures="1" errors="1">');
    expect(xml).toContain('name="ok" time="1.500"></testcase>');
    expect(xml).toContain('name="bad &quot;one&quot;"');
    expect(xml).toContain('<failure message="below threshold: mrr">mrr=0.250</failure>');
    expect(xml).toContain('<error message="judge output &lt;x&gt;"/>');
  });
});
