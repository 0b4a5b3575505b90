import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { FolderBaselineStore } from '../../../src/eval/baseline.js';
import { NoCache } from '../../../src/eval/cache.js';
import { runEvalGate } from '../../../src/eval/gate.js';
import { loadResults } from '../../../src/eval/results.js';
import { type Standin, startLlmStandin } from '../../fixtures/llm-standin/server.mjs';

// Real part: the LLM stand-in on an ephemeral port, as target and as a judge whose
// json_schema answers are not JSON (its `garbage` mode).
let standin: Standin;
let dir: string;

beforeAll(async () => {
  standin = await startLlmStandin({ port: 0 });
  standin.setBehaviour({ garbage: true });
  dir = mkdtempSync(join(tmpdir(), 'ragship-eval-judge-errors-'));
  writeFileSync(
    join(dir, 'cases.jsonl'),
    [
      {
        id: 'c0',
        question: 'Which robot carries 100 kg?',
        reference: 'robot 0',
        must_contain: ['zzz-never-said'],
      },
      { id: 'c1', question: 'Which robot carries 101 kg?', reference: 'robot 1' },
    ]
      .map((c) => JSON.stringify(c))
      .join('\n'),
  );
  writeFileSync(
    join(dir, 'suite.yaml'),
    [
      'name: judge-errors',
      'cases: cases.jsonl',
      'target:',
      '  type: http',
      `  url: ${standin.url}/chat/completions`,
      '  identity: v1',
      '  body: { model: standin-1, messages: [{ role: user, content: "question: {{question}}" }] }',
      '  response: { answer: "choices[0].message.content", sources: none }',
      'metrics:',
      '  token_f1: {}',
      '  contains: { case_min: 1 }',
      '  answer_relevance: { case_min: 0.5 }',
      'judge:',
      `  base_url: ${standin.url}`,
      '  model: standin-1',
      'run: { max_retries: 0 }',
      'gate: { max_error_rate: 1 }',
    ].join('\n'),
  );
});
afterAll(async () => {
  await standin?.close();
});

describe('a judge failure is that metric’s error', () => {
  it('keeps the deterministic metrics, decides a case that failed them, and shows every error’s reason', async () => {
    const r = await runEvalGate(
      { suitePath: join(dir, 'suite.yaml'), outDir: join(dir, 'out'), headSha: 'abc', judgeApiKey: 'k' },
      {
        logger: new MemoryLogger(),
        cache: new NoCache(),
        baselines: new FolderBaselineStore(join(dir, 'b')),
      },
    );
    const set = await loadResults(r.resultsPath);
    const c0 = set.cases.get('c0')!;
    const c1 = set.cases.get('c1')!;
    // c0 failed `contains` whatever the judge says: a fail, not an error
    expect(c0.outcome).toBe('fail');
    expect(c0.metrics.contains).toBe(0);
    // c1 passed every deterministic metric; the judge metric is unknown: an error
    expect(c1.outcome).toBe('error');
    expect(c1.error).toMatch(/^judge output \(answer_relevance\): /);
    for (const c of [c0, c1]) {
      expect(typeof c.metrics.token_f1).toBe('number');
      expect(c.metrics.answer_relevance).toBeNull();
    }
    expect(r.comparison.rows.find((x) => x.metric === 'token_f1')!.head).not.toBeNull();
    expect(r.comparison.errored).toEqual([{ id: 'c1', reason: c1.error }]);
    expect(r.markdown).toContain('1 errored case(s) and why');
    expect(r.markdown).toContain('- `c1`: judge output (answer_relevance): ');
  });
});
