import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { FolderBaselineStore } from '../../../src/eval/baseline.js';
import { FolderCache } from '../../../src/eval/cache.js';
import { runEvalGate } from '../../../src/eval/gate.js';
import { createJudge } from '../../../src/eval/judge.js';
import { loadResults } from '../../../src/eval/results.js';
import { runSuite } from '../../../src/eval/runner.js';
import { loadSuite } from '../../../src/eval/suite.js';
import { createTarget } from '../../../src/eval/target.js';
import { type Standin, startLlmStandin } from '../../fixtures/llm-standin/server.mjs';

// Real parts: the LLM stand-in (target over HTTP and judge) on an ephemeral port, a folder cache.
let standin: Standin;
let dir: string;

beforeAll(async () => {
  standin = await startLlmStandin({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'ragship-eval-identity-'));
  writeFileSync(
    join(dir, 'cases.jsonl'),
    `${Array.from({ length: 4 }, (_, i) => JSON.stringify({ id: `c${i}`, question: `Which robot carries ${i} kg?`, reference: `robot ${i}` })).join('\n')}\n`,
  );
});
afterAll(async () => {
  await standin?.close();
});

function suiteFile(name: string, identity: string, judge = false): string {
  const p = join(dir, `${name}.suite.yaml`);
  writeFileSync(
    p,
    [
      `name: ${name}`,
      'cases: cases.jsonl',
      'target:',
      '  type: http',
      `  url: ${standin.url}/chat/completions`,
      ...(identity ? [`  identity: ${identity}`] : []),
      '  body: { model: standin-1, messages: [{ role: user, content: "question: {{question}}" }] }',
      '  response: { answer: "choices[0].message.content", sources: none, prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens }',
      'metrics:',
      '  token_f1: {}',
      ...(judge
        ? [
            '  answer_relevance: {}',
            'judge:',
            `  base_url: ${standin.url}`,
            '  model: standin-1',
            '  price_input_per_mtok: 1000',
            '  price_output_per_mtok: 2000',
          ]
        : []),
      'gate:',
      '  max_error_rate: 1',
    ].join('\n'),
  );
  return p;
}

const quiet = () => ({
  logger: new MemoryLogger(),
  cache: new FolderCache(join(dir, 'cache')),
  baselines: new FolderBaselineStore(join(dir, 'baselines')),
});

describe('target-response cache keyed on the target identity', () => {
  it("keeps the suite's identity: when --sha is the CLI placeholder 'local'; a new identity calls the app again", async () => {
    const v1 = suiteFile('ident-v1', 'app-v1');
    const first = await runEvalGate({ suitePath: v1, outDir: join(dir, 'o1'), headSha: 'local' }, quiet());
    const again = await runEvalGate({ suitePath: v1, outDir: join(dir, 'o2'), headSha: 'local' }, quiet());
    expect(first.run.cache).toEqual({ hits: 0, misses: 4 });
    expect(again.run.cache).toEqual({ hits: 4, misses: 0 });
    // same URL, same cases, but the suite now says app-v2: the (possibly broken) new app is asked
    const v2 = suiteFile('ident-v1', 'app-v2');
    const before = standin.stats.chat;
    const changed = await runEvalGate({ suitePath: v2, outDir: join(dir, 'o3'), headSha: 'local' }, quiet());
    expect(changed.run.cache.hits).toBe(0);
    expect(standin.stats.chat - before).toBe(4);
    // --identity adds to the suite's identity: a new value is a new version
    const withFlag = await runEvalGate(
      { suitePath: v2, outDir: join(dir, 'o4'), headSha: 'local', identity: 'build-7' },
      quiet(),
    );
    expect(withFlag.run.cache.hits).toBe(0);
  });

  it('reuses no target answer when no identity is given anywhere (every run reaches the app)', async () => {
    const none = suiteFile('ident-none', '');
    const before = standin.stats.chat;
    const a = await runEvalGate({ suitePath: none, outDir: join(dir, 'n1'), headSha: 'local' }, quiet());
    const b = await runEvalGate({ suitePath: none, outDir: join(dir, 'n2'), headSha: 'local' }, quiet());
    expect(a.run.cache.hits + b.run.cache.hits).toBe(0);
    expect(standin.stats.chat - before).toBe(8);
    const target = await createTarget(loadSuite(none));
    expect(target.reusable).toBe(false);
    expect((await createTarget(loadSuite(none), { identity: 'sha1' })).reusable).toBe(true);
  });

  it('keeps judge verdicts cached by content and counts their full price; live cost of a cached re-run is 0', async () => {
    const p = suiteFile('ident-cost', 'app-v1', true);
    const suite = loadSuite(p);
    const target = await createTarget(suite);
    const judge = createJudge(suite.config.judge!, 'k');
    const cache = new FolderCache(join(dir, 'cost-cache'));
    const run = (n: string) =>
      runSuite({
        suite,
        target,
        judge,
        cache,
        resultsPath: join(dir, `${n}.jsonl`),
        logger: new MemoryLogger(),
      });
    const live = await run('cost1');
    const cached = await run('cost2');
    expect(live.costUsd).toBeGreaterThan(0);
    expect(live.liveCostUsd).toBeCloseTo(live.costUsd, 12);
    expect(cached.liveCalls).toBe(0);
    expect(cached.liveCostUsd).toBe(0);
    // full price is the same whether the answers came live or from the cache (the judge included)
    expect(cached.costUsd).toBeCloseTo(live.costUsd, 12);
    const set = await loadResults(join(dir, 'cost2.jsonl'));
    expect(set).toMatchObject({ liveCostUsd: 0 });
    expect(set.costUsd).toBeCloseTo(live.costUsd, 12);
  });
});

describe('fail fast and explain', () => {
  it('an unreachable target fails in one preflight request naming the cause (ECONNREFUSED), before any case', async () => {
    // a port that was just free: bind, read the port, close
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const p = suiteFile('unreachable', 'v1');
    const err = await runEvalGate(
      {
        suitePath: p,
        outDir: join(dir, 'u1'),
        headSha: 'abc',
        targetUrl: `http://127.0.0.1:${port}/query`,
      },
      quiet(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/unreachable: .*ECONNREFUSED.*preflight/);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  }, 60_000);

  it.each([0, -3, Number.NaN, 2.5, 1000])(
    'rejects --concurrency %s with a ConfigError (exit 2) naming the flag',
    async (n) => {
      const p = suiteFile('conc', 'v1');
      const before = standin.stats.requests;
      const err = await runEvalGate(
        { suitePath: p, outDir: join(dir, 'c1'), headSha: 'abc', concurrency: n },
        quiet(),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(
        /^--concurrency \(input concurrency\): .* is not a whole number from 1 to 256/,
      );
      expect(standin.stats.requests).toBe(before);
    },
  );

  it('measures latency of the answering attempt only, not the Retry-After wait before it', async () => {
    const p = suiteFile('latency', 'v1');
    const suite = loadSuite(p);
    suite.config.run.max_backoff_ms = 5000;
    standin.setBehaviour({ rateLimit: { count: 1, retryAfterSeconds: 3 } });
    const resultsPath = join(dir, 'lat.jsonl');
    const t0 = Date.now();
    const s = await runSuite({
      suite,
      target: await createTarget(suite, { identity: `lat-${Date.now()}` }),
      cache: new FolderCache(join(dir, 'lat-cache')),
      resultsPath,
      logger: new MemoryLogger(),
      concurrency: 1,
    });
    expect(s.retries).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    const set = await loadResults(resultsPath);
    // the 3 s wait is not in any case's latency (a local answer takes milliseconds)
    expect(Math.max(...set.latencies)).toBeLessThan(2500);
  }, 60_000);
});
