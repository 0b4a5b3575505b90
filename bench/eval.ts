/**
 * `npm run bench -- eval`: eval runner throughput and cache effect.
 *   1. 40 cases at concurrency 1 and at concurrency 8, no cache, against the LLM stand-in with a
 *      fixed 50 ms latency per call (target = chat completions over HTTP, judge = json_schema);
 *   2. the same suite re-run with a warm response cache: speed-up and LLM calls made (should be 0);
 *   3. the gate's statistics (bench/eval-stats.ts): false-alarm rate under no change at
 *      n = 5…100 (must stay ≤ α) and power under a real change, beside the pre-issue-18 bootstrap.
 * Real parts: the deterministic OpenAI-compatible stand-in (the only allowed stand-in) on port
 * 18360, the eval runner as `ragship eval` runs it. Writes bench/results/eval.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogger } from '../src/core/logger.js';
import { type CacheStore, FolderCache, NoCache } from '../src/eval/cache.js';
import { createJudge } from '../src/eval/judge.js';
import { runSuite } from '../src/eval/runner.js';
import { loadSuite } from '../src/eval/suite.js';
import { createTarget } from '../src/eval/target.js';
import { startLlmStandin } from '../test/fixtures/llm-standin/server.mjs';
import { run as runStatistics } from './eval-stats.js';

const CASES = 40;
const LATENCY_MS = 50;

export async function run(): Promise<unknown> {
  const standin = await startLlmStandin({ port: 18360, latencyMs: LATENCY_MS });
  const dir = mkdtempSync(join(tmpdir(), 'ragship-bench-eval-'));
  const quiet = new ConsoleLogger({ write: () => {} });
  try {
    writeFileSync(
      join(dir, 'cases.jsonl'),
      `${Array.from({ length: CASES }, (_, i) => JSON.stringify({ id: `c${i}`, question: `What is fact number ${i}?`, reference: `fact ${i}` })).join('\n')}\n`,
    );
    writeFileSync(
      join(dir, 'suite.yaml'),
      [
        'name: bench',
        'cases: cases.jsonl',
        'target:',
        '  type: http',
        `  url: ${standin.url}/chat/completions`,
        '  body: { model: standin-1, messages: [{ role: user, content: "question: {{question}}" }] }',
        '  response: { answer: "choices[0].message.content", sources: none, prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens }',
        'metrics:',
        '  token_f1: {}',
        '  rouge_l: {}',
        '  answer_relevance: { case_min: 0.5 }',
        'judge:',
        `  base_url: ${standin.url}`,
        '  model: standin-1',
      ].join('\n'),
    );
    const suite = loadSuite(join(dir, 'suite.yaml'));
    const target = await createTarget(suite, { identity: 'bench' });
    const judge = createJudge(suite.config.judge!, 'bench-key');
    const measure = async (label: string, concurrency: number, cache: CacheStore) => {
      const before = standin.stats.requests;
      const t0 = performance.now();
      const s = await runSuite({
        suite,
        target,
        judge,
        cache,
        resultsPath: join(dir, `${label}.jsonl`),
        logger: quiet,
        concurrency,
      });
      const seconds = (performance.now() - t0) / 1000;
      if (s.error) throw new Error(`${label}: ${s.error} cases errored`);
      return {
        label,
        concurrency,
        seconds: round(seconds),
        casesPerSecond: round(CASES / seconds),
        llmCalls: standin.stats.requests - before,
        cacheHits: s.cache.hits,
        cacheMisses: s.cache.misses,
      };
    };
    const c1 = await measure('concurrency-1', 1, new NoCache());
    const c8 = await measure('concurrency-8', 8, new NoCache());
    const cache = new FolderCache(join(dir, 'cache'));
    const cold = await measure('cold-cache-8', 8, cache);
    const warm = await measure('warm-cache-8', 8, cache);
    return {
      bench: 'eval',
      what: `${CASES} cases, target + judge call per case, stand-in latency ${LATENCY_MS} ms per call`,
      machine: { cpus: cpus().length, node: process.version },
      runs: [c1, c8, cold, warm],
      speedupConcurrency8vs1: round(c8.casesPerSecond / c1.casesPerSecond),
      cachedRerunSpeedup: round(cold.seconds / warm.seconds),
      cachedRerunLlmCalls: warm.llmCalls,
      statistics: await runStatistics(),
    };
  } finally {
    await standin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
