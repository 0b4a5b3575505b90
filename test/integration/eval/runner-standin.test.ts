import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { FolderBaselineStore } from '../../../src/eval/baseline.js';
import { FolderCache } from '../../../src/eval/cache.js';
import { runEvalGate } from '../../../src/eval/gate.js';
import { createJudge } from '../../../src/eval/judge.js';
import { loadResults, mergeResults } from '../../../src/eval/results.js';
import { runSuite } from '../../../src/eval/runner.js';
import { loadSuite } from '../../../src/eval/suite.js';
import { createTarget } from '../../../src/eval/target.js';
import { type Standin, startLlmStandin } from '../../fixtures/llm-standin/server.mjs';

// Real part: the deterministic OpenAI-compatible LLM stand-in (the one allowed stand-in), used as
// the target (chat completions over HTTP, real wire format) and as the judge (json_schema output).
let standin: Standin;
let dir: string;

const CASES = Array.from({ length: 12 }, (_, i) => ({
  id: `case-${i}`,
  question: `Passage check ${i}: which robot carries ${100 + i} kg?`,
  reference: `robot ${i}`,
  relevant_sources: [`doc#${i}`],
  tags: ['t'],
}));

function writeSuite(
  name: string,
  extra: {
    judge?: boolean;
    repeats?: number;
    minPasses?: number;
    maxRetries?: number;
    maxErrorRate?: number;
  } = {},
): string {
  const casesPath = join(dir, `${name}.cases.jsonl`);
  writeFileSync(casesPath, `${CASES.map((c) => JSON.stringify(c)).join('\n')}\n`);
  const suitePath = join(dir, `${name}.suite.yaml`);
  writeFileSync(
    suitePath,
    [
      `name: ${name}`,
      `cases: ${name}.cases.jsonl`,
      'target:',
      '  type: http',
      `  url: ${standin.url}/chat/completions`,
      '  body:',
      '    model: standin-1',
      '    messages:',
      "      - { role: user, content: 'question: {{question}}' }",
      '  response:',
      '    answer: choices[0].message.content',
      '    sources: none',
      '    prompt_tokens: usage.prompt_tokens',
      '    completion_tokens: usage.completion_tokens',
      'metrics:',
      '  token_f1: {}',
      ...(extra.judge
        ? [
            '  answer_relevance: { case_min: 0.5 }',
            'judge:',
            `  base_url: ${standin.url}`,
            '  model: standin-1',
            '  price_input_per_mtok: 1',
            '  price_output_per_mtok: 2',
          ]
        : []),
      'run:',
      '  concurrency: 4',
      `  max_retries: ${extra.maxRetries ?? 5}`,
      '  max_backoff_ms: 2000',
      `  repeats: ${extra.repeats ?? 1}`,
      `  min_passes: ${extra.minPasses ?? 1}`,
      'gate:',
      `  max_error_rate: ${extra.maxErrorRate ?? 0}`,
    ].join('\n'),
  );
  return suitePath;
}

beforeAll(async () => {
  standin = await startLlmStandin({ port: 18340 });
});
afterAll(async () => {
  await standin?.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ragship-eval-standin-'));
  standin.setBehaviour({
    rateLimit: { count: 0, retryAfterSeconds: 1 },
    fail: { count: 0 },
    garbage: false,
    latencyMs: 0,
  });
});

async function run(
  suitePath: string,
  opts: { cacheDir?: string; results?: string; shard?: { index: number; count: number } } = {},
) {
  const suite = loadSuite(suitePath);
  const target = await createTarget(suite, { identity: 'v1' });
  const judge = suite.config.judge ? createJudge(suite.config.judge, 'test-key') : undefined;
  const resultsPath = opts.results ?? join(dir, 'results.jsonl');
  const summary = await runSuite({
    suite,
    target,
    judge,
    cache: new FolderCache(opts.cacheDir ?? join(dir, 'cache')),
    resultsPath,
    logger: new MemoryLogger(),
    shard: opts.shard,
  });
  return { summary, results: await loadResults(resultsPath) };
}

describe('eval runner against the LLM stand-in', () => {
  it('loses no case when the endpoint answers 429 with Retry-After: 1 s; it waits, lowers concurrency and retries', async () => {
    const suitePath = writeSuite('rate-limited', { judge: true });
    standin.setBehaviour({ rateLimit: { count: 5, retryAfterSeconds: 1 } });
    const before = standin.stats.rateLimited;
    const t0 = Date.now();
    const { summary, results } = await run(suitePath);
    expect(standin.stats.rateLimited - before).toBe(5);
    expect(summary.throttled).toBeGreaterThanOrEqual(1);
    expect(summary.retries).toBe(5);
    expect(summary.error).toBe(0);
    expect(results.cases.size).toBe(12);
    expect([...results.cases.values()].every((c) => c.outcome === 'pass')).toBe(true);
    // Retry-After was honoured: at least one full second passed
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });

  it('ends a case as an error (not dropped, not a pass) when 5xx persists past max_retries, and the error budget fails the gate', async () => {
    const suitePath = writeSuite('failing', { maxRetries: 1 });
    // 25 = the preflight request (a 503 still proves the app is listening) + 12 cases × 2
    // attempts: every attempt of every case fails
    standin.setBehaviour({ fail: { count: 25, status: 503 } });
    const r = await runEvalGate(
      { suitePath, outDir: join(dir, 'out'), headSha: 'x1', env: {} },
      {
        logger: new MemoryLogger(),
        cache: new FolderCache(join(dir, 'cache')),
        baselines: new FolderBaselineStore(join(dir, 'b')),
      },
    );
    expect(r.run.runs).toBe(12);
    expect(r.run.error).toBe(12);
    expect(r.run.liveCalls).toBe(24);
    expect(r.comparison.head.cases).toBe(12);
    expect(r.passed).toBe(false);
    expect(r.comparison.gate.reasons.join()).toMatch(/error budget exceeded: 12 of 12 cases errored/);
    const lines = readFileSync(r.resultsPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const errored = lines.filter((l) => l.outcome === 'error');
    expect(errored[0].error).toMatch(/503.*gave up after 2 attempts/);
    expect(readFileSync(r.junitPath, 'utf8')).toMatch(/<error message="target: .*503/);
  });

  it('counts unparseable judge output as an error, never as a pass or a fail', async () => {
    const suitePath = writeSuite('garbage-judge', { judge: true, maxErrorRate: 1 });
    standin.setBehaviour({ garbage: true });
    const { summary, results } = await run(suitePath);
    expect(summary.error).toBe(12);
    expect(summary.pass + summary.fail).toBe(0);
    const c = results.cases.get('case-0')!;
    expect(c.outcome).toBe('error');
    expect(c.error).toMatch(/judge output \(answer_relevance\): judge output is not JSON/);
  });

  it('re-running an unchanged suite with the cache makes zero LLM calls and gives the same results', async () => {
    const suitePath = writeSuite('cached', { judge: true });
    const first = await run(suitePath, { results: join(dir, 'r1.jsonl') });
    expect(first.summary.liveCalls).toBe(24); // 12 target + 12 judge calls
    const before = standin.stats.requests;
    const second = await run(suitePath, { results: join(dir, 'r2.jsonl') });
    expect(standin.stats.requests - before).toBe(0);
    expect(second.summary.liveCalls).toBe(0);
    expect(second.summary.cache).toEqual({ hits: 24, misses: 0 });
    for (const [id, c] of first.results.cases)
      expect(second.results.cases.get(id)!.metrics).toEqual(c.metrics);
  });

  it('gives each repeat its own cache entry, so repeats are fresh samples (promptfoo#360) and k-of-n applies', async () => {
    const suitePath = writeSuite('repeats', { repeats: 3, minPasses: 2 });
    const before = standin.stats.chat;
    const { summary, results } = await run(suitePath);
    expect(standin.stats.chat - before).toBe(36);
    expect(summary.cache.misses).toBe(36);
    expect(results.cases.get('case-3')).toMatchObject({ runs: 3, passes: 3, outcome: 'pass' });
  });

  it('splits a suite into shards by id and merges them back into the full set', async () => {
    const suitePath = writeSuite('sharded');
    const a = await run(suitePath, { results: join(dir, 's1.jsonl'), shard: { index: 1, count: 2 } });
    const b = await run(suitePath, { results: join(dir, 's2.jsonl'), shard: { index: 2, count: 2 } });
    expect(a.results.cases.size + b.results.cases.size).toBe(12);
    expect(a.results.cases.size).toBeGreaterThan(0);
    expect(b.results.cases.size).toBeGreaterThan(0);
    const merged = await mergeResults(
      [join(dir, 's1.jsonl'), join(dir, 's2.jsonl')],
      join(dir, 'merged.jsonl'),
    );
    expect(merged).toEqual({ runs: 12, shards: 2 });
    const all = await loadResults(join(dir, 'merged.jsonl'));
    expect([...all.cases.keys()].sort()).toEqual(CASES.map((c) => c.id).sort());
    await expect(mergeResults([join(dir, 's1.jsonl')], join(dir, 'm2.jsonl'))).rejects.toThrow(
      /shard\(s\) 2\/2 missing/,
    );
    await expect(
      mergeResults([join(dir, 's1.jsonl'), join(dir, 's1.jsonl')], join(dir, 'm3.jsonl')),
    ).rejects.toThrow(/repeats shard 1\/2/);
  });
});
