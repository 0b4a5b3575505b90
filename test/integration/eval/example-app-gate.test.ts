import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { FolderBaselineStore } from '../../../src/eval/baseline.js';
import { FolderCache } from '../../../src/eval/cache.js';
import { runEvalGate } from '../../../src/eval/gate.js';
import { type Standin, startLlmStandin } from '../../fixtures/llm-standin/server.mjs';
import {
  type AppServer,
  type ChromaServer,
  ingestCorpus,
  startChroma,
  startExampleApp,
} from './example-app-process.js';

// Real parts: the Chroma server from npm (`chroma run`), the example app (Fastify, embedded mode:
// local hash embeddings + extractive answers) started twice as child processes — as on main
// (TOP_K=4) and as a degraded "PR" that retrieves one chunk (TOP_K=1) — on ports 18330-18332;
// the LLM stand-in (18333) as the judge of the judged variant.
const SUITE = new URL('../../../eval/example-app.suite.yaml', import.meta.url).pathname;

describe('eval gate end to end against the example app (real Chroma + app processes)', () => {
  let chroma: ChromaServer;
  let app: AppServer;
  let degraded: AppServer;
  let standin: Standin;
  const work = mkdtempSync(join(tmpdir(), 'ragship-eval-e2e-'));
  const baselines = new FolderBaselineStore(join(work, 'baselines'));
  const cache = new FolderCache(join(work, 'cache'));

  beforeAll(async () => {
    standin = await startLlmStandin({ port: 18333 });
    chroma = await startChroma(18330);
    await ingestCorpus(chroma.url, 'northwind-eval-e2e');
    [app, degraded] = await Promise.all([
      startExampleApp(18331, chroma.url, 'northwind-eval-e2e'),
      startExampleApp(18332, chroma.url, 'northwind-eval-e2e', { TOP_K: '1' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([app?.stop(), degraded?.stop()]);
    await chroma?.stop();
    await standin?.close();
  });

  it('passes the suite on the current app on main and stores the baseline', async () => {
    const r = await runEvalGate(
      {
        suitePath: SUITE,
        outDir: join(work, 'main'),
        targetUrl: `${app.url}/query`,
        headSha: 'aaaaaaa-main',
        saveBaseline: true,
      },
      { logger: new MemoryLogger(), cache, baselines },
    );
    expect(r.comparison.gate.reasons).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.comparison.head.cases).toBe(62);
    expect(r.comparison.head.error).toBe(0);
    const hit = r.comparison.rows.find((x) => x.metric === 'hit@k')!;
    expect(hit.head).toBeGreaterThanOrEqual(0.8);
    console.log(
      `main: ${r.comparison.head.pass}/${r.comparison.head.cases} pass; ${r.comparison.rows.map((x) => `${x.metric}=${x.head?.toFixed(3)}`).join(' ')}`,
    );
  });

  it('reports "within noise" for a PR that changes nothing, against the stored baseline', async () => {
    const r = await runEvalGate(
      {
        suitePath: SUITE,
        outDir: join(work, 'pr-same'),
        targetUrl: `${app.url}/query`,
        headSha: 'bbbbbbb-pr',
        baseSha: 'aaaaaaa-main',
      },
      { logger: new MemoryLogger(), cache, baselines },
    );
    expect(r.baselineSource).toMatch(/^main aaaaaaa/);
    expect(r.passed).toBe(true);
    expect(r.comparison.gate.headline).toBe('passed — within noise');
    expect(r.regressions).toBe(0);
    expect(r.comparison.rows.every((x) => x.verdict === 'within noise')).toBe(true);
    // a new head sha is a new app version: its answers were fetched, not taken from main's cache
    expect(r.run.cache.hits).toBe(0);
    expect(readFileSync(r.reportPath, 'utf8')).toContain('within noise');
  });

  it('evaluates the merge-base app at baseline-url when main has no stored baseline', async () => {
    const r = await runEvalGate(
      {
        suitePath: SUITE,
        outDir: join(work, 'pr-mb'),
        targetUrl: `${degraded.url}/query`,
        headSha: 'eeeeeee-pr',
        baseSha: 'fffffff-unknown',
        baselineUrl: `${app.url}/query`,
      },
      { logger: new MemoryLogger(), cache, baselines },
    );
    expect(r.baselineSource).toBe(`merge-base fffffff evaluated now (${app.url}/query)`);
    expect(r.comparison.base?.cases).toBe(62);
    expect(r.passed).toBe(false);
    expect(r.comparison.regressedCases.length).toBeGreaterThan(0);
  });

  it('fails the gate for a PR that retrieves one chunk (TOP_K=1) and lists the regressed cases', async () => {
    const r = await runEvalGate(
      {
        suitePath: SUITE,
        outDir: join(work, 'pr-k1'),
        targetUrl: `${degraded.url}/query`,
        headSha: 'ccccccc-pr',
        baseSha: 'aaaaaaa-main',
      },
      { logger: new MemoryLogger(), cache, baselines },
    );
    expect(r.passed).toBe(false);
    const recall = r.comparison.rows.find((x) => x.metric === 'recall@k')!;
    expect(recall.verdict).toBe('regressed');
    expect(r.comparison.regressedCases.length).toBeGreaterThan(0);
    expect(r.regressions).toBe(r.comparison.regressedCases.length);
    // every multi-source case needs two chunks: with one retrieved it cannot pass recall@k = 1
    const markdown = readFileSync(r.reportPath, 'utf8');
    for (const id of r.comparison.regressedCases.slice(0, 30)) expect(markdown).toContain(`**${id}**`);
    expect(markdown).toContain('heron-total-cost-with-dock');
    expect(markdown).toMatch(/recall@k regressed by/);
    const junit = readFileSync(r.junitPath, 'utf8');
    expect(junit).toMatch(/<testsuite name="example-app" tests="62" failures="[1-9][0-9]*"/);
    console.log(
      `k=1: ${r.comparison.gate.headline}; ${r.comparison.gate.reasons.join(' | ')}; regressed ${r.comparison.regressedCases.length}`,
    );
  });

  it('judges faithfulness and relevance through the stand-in, and a cached re-run makes zero LLM calls', async () => {
    const judged = join(work, 'judged.suite.yaml');
    writeFileSync(
      judged,
      `${readFileSync(SUITE, 'utf8')
        .replace(
          'cases: example-app.cases.jsonl',
          `cases: ${SUITE.replace(/[^/]+$/, 'example-app.cases.jsonl')}`,
        )
        .replace('name: example-app', 'name: example-app-judged')
        .replace(
          'metrics:\n',
          'metrics:\n  faithfulness: { case_min: 0.5 }\n  answer_relevance: {}\n',
        )}\njudge:\n  base_url: ${standin.url}\n  model: standin-1\n  price_input_per_mtok: 0.15\n  price_output_per_mtok: 0.6\n`,
    );
    const go = (out: string) =>
      runEvalGate(
        {
          suitePath: judged,
          outDir: join(work, out),
          targetUrl: `${app.url}/query`,
          headSha: 'ddddddd-judged',
          judgeApiKey: 'k',
        },
        { logger: new MemoryLogger(), cache, baselines },
      );
    const before = standin.stats.chat;
    const first = await go('judged-1');
    expect(standin.stats.chat - before).toBe(124); // 62 cases × 2 judged metrics
    expect(first.comparison.head.error).toBe(0);
    expect(first.comparison.rows.find((r) => r.metric === 'faithfulness')!.head).toBe(1);
    expect(first.comparison.head.costUsd).toBeGreaterThan(0);
    const requests = standin.stats.requests;
    const second = await go('judged-2');
    expect(standin.stats.requests).toBe(requests);
    expect(second.run.liveCalls).toBe(0);
    expect(second.run.cache).toEqual({ hits: 62 * 3, misses: 0 });
    expect(second.markdown).toContain('186 hits / 0 misses (100.0% hit ratio)');
  });
});
