import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { FolderBaselineStore } from '../../../src/eval/baseline.js';
import { FolderCache } from '../../../src/eval/cache.js';
import { runEvalGate } from '../../../src/eval/gate.js';
import {
  type AppServer,
  type ChromaServer,
  ingestCorpus,
  startChroma,
  startExampleApp,
} from './example-app-process.js';

// Real parts: the Chroma server from npm (`chroma run`), the example app (Fastify, embedded mode:
// local hash embeddings + extractive answers) started twice as child processes — as on main
// (TOP_K=4) and as a degraded "PR" that retrieves one chunk (TOP_K=1) — on ports 18330-18332.
const SUITE = new URL('../../../eval/example-app.suite.yaml', import.meta.url).pathname;

describe('eval gate end to end against the example app (real Chroma + app processes)', () => {
  let chroma: ChromaServer;
  let app: AppServer;
  let degraded: AppServer;
  const work = mkdtempSync(join(tmpdir(), 'ragship-eval-e2e-'));
  const baselines = new FolderBaselineStore(join(work, 'baselines'));
  const cache = new FolderCache(join(work, 'cache'));

  beforeAll(async () => {
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
});
