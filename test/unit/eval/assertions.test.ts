import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { type AssertionContext, evaluateAssertion, schemaProblem } from '../../../src/eval/assertions.js';
import { FolderCache } from '../../../src/eval/cache.js';
import { createJudge } from '../../../src/eval/judge.js';
import { loadResults } from '../../../src/eval/results.js';
import { runSuite } from '../../../src/eval/runner.js';
import { loadSuite, parseCaseLine } from '../../../src/eval/suite.js';
import { createTarget } from '../../../src/eval/target.js';
import { type Standin, startLlmStandin } from '../../fixtures/llm-standin/server.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ragship-eval-assert-'));
writeFileSync(
  join(dir, 'hook.mjs'),
  [
    'export default (output, c, ctx) => ({ pass: output.includes(String(c.vars.want)), score: 0.7, reason: `sources ${ctx.sources.length}` });',
    'export const bad = () => ({ ok: true });',
    "export const boom = () => { throw new Error('hook exploded'); };",
  ].join('\n'),
);
const ctx = (output: string, extra: Partial<AssertionContext> = {}): AssertionContext => ({
  output,
  sources: ['a', 'b'],
  latencyMs: 120,
  costUsd: 0.002,
  case: { id: 'x', vars: { want: 'blue' } },
  suitePath: join(dir, 'suite.yaml'),
  ...extra,
});
const check = (a: unknown, c: AssertionContext) =>
  evaluateAssertion(
    parseCaseLine(JSON.stringify({ id: 'x', question: 'q', assert: [a] }), 'f', 1).assert[0]!,
    c,
  );

describe('assertions', () => {
  it('equals, icontains-any and regex pass and fail as written', async () => {
    expect((await check({ type: 'equals', value: 'Paris' }, ctx(' Paris\n'))).pass).toBe(true);
    expect((await check({ type: 'equals', value: 'Paris' }, ctx('paris'))).pass).toBe(false);
    expect(
      await check({ type: 'icontains-any', value: ['LYON', 'paris'] }, ctx('It is Paris.')),
    ).toMatchObject({
      pass: true,
      reason: 'contains "paris"',
    });
    expect((await check({ type: 'icontains-any', value: ['rome'] }, ctx('Paris'))).pass).toBe(false);
    expect((await check({ type: 'regex', value: '^[A-Z][a-z]+$' }, ctx('Paris'))).pass).toBe(true);
    expect((await check({ type: 'regex', value: '^\\d+$' }, ctx('Paris'))).pass).toBe(false);
  });

  it('is-json, with and without a JSON Schema', async () => {
    const schema = {
      type: 'object',
      required: ['city', 'pop'],
      additionalProperties: false,
      properties: { city: { type: 'string', minLength: 2 }, pop: { type: 'integer', minimum: 0 } },
    };
    expect((await check({ type: 'is-json' }, ctx('{"a":1}'))).pass).toBe(true);
    expect((await check({ type: 'is-json' }, ctx('not json'))).reason).toMatch(/^not JSON/);
    expect((await check({ type: 'is-json', schema }, ctx('{"city":"Paris","pop":2}'))).pass).toBe(true);
    expect(await check({ type: 'is-json', schema }, ctx('{"city":"Paris"}'))).toMatchObject({
      pass: false,
      reason: '$.pop is required',
    });
    expect((await check({ type: 'is-json', schema }, ctx('{"city":"Paris","pop":2.5}'))).reason).toBe(
      '$.pop is number, expected integer',
    );
    expect(schemaProblem({ a: [1, 'x'] }, { properties: { a: { items: { type: 'number' } } } })).toBe(
      '$.a[1] is string, expected number',
    );
    expect(schemaProblem({ x: 1 }, { type: 'object', additionalProperties: false })).toBe(
      '$.x is not allowed',
    );
  });

  it('per-case latency and cost limits', async () => {
    expect((await check({ type: 'latency', threshold: 200 }, ctx('a'))).pass).toBe(true);
    expect((await check({ type: 'latency', threshold: 100 }, ctx('a'))).reason).toBe('120 ms (limit 100 ms)');
    expect((await check({ type: 'cost', threshold: 0.001 }, ctx('a'))).pass).toBe(false);
  });

  it('a custom hook gets (output, case, context) and its {pass, score, reason}; a bad answer or a throw is an error', async () => {
    expect(await check({ type: 'custom', path: 'hook.mjs' }, ctx('the blue one'))).toEqual({
      type: 'custom',
      pass: true,
      score: 0.7,
      reason: 'sources 2',
    });
    expect((await check({ type: 'custom', path: 'hook.mjs' }, ctx('red'))).pass).toBe(false);
    expect((await check({ type: 'custom', path: 'hook.mjs', export: 'bad' }, ctx('x'))).error).toMatch(
      /returned \{"ok":true\}, expected \{pass: boolean/,
    );
    expect((await check({ type: 'custom', path: 'hook.mjs', export: 'boom' }, ctx('x'))).error).toBe(
      'hook.mjs: hook exploded',
    );
  });

  it('llm-rubric passes at the threshold, and a judge failure is an error, not a fail', async () => {
    const rubric = async () => ({ score: 0.6, reason: 'mostly' });
    expect(await check({ type: 'llm-rubric', value: 'polite' }, ctx('x', { rubric }))).toMatchObject({
      pass: true,
      score: 0.6,
    });
    expect(
      (await check({ type: 'llm-rubric', value: 'polite', threshold: 0.8 }, ctx('x', { rubric }))).pass,
    ).toBe(false);
    const broken = async () => {
      throw new Error('judge output is not JSON');
    };
    expect((await check({ type: 'llm-rubric', value: 'polite' }, ctx('x', { rubric: broken }))).error).toBe(
      'judge output is not JSON',
    );
    expect((await check({ type: 'llm-rubric', value: 'polite' }, ctx('x'))).error).toMatch(
      /needs a `judge:`/,
    );
  });

  it('rejects an unknown assertion type and a bad regex, naming the line and key', () => {
    expect(() => parseCaseLine('{"id":"x","question":"q","assert":[{"type":"nope"}]}', 'c.jsonl', 3)).toThrow(
      /c\.jsonl:3 assert\[0\]\.type/,
    );
    expect(() =>
      parseCaseLine('{"id":"x","question":"q","assert":[{"type":"regex","value":"("}]}', 'c.jsonl', 4),
    ).toThrow(/c\.jsonl:4 assert\[0\]\.value: is not a valid regular expression/);
  });
});

describe('assertions in a run', () => {
  let standin: Standin;
  beforeAll(async () => {
    standin = await startLlmStandin({ port: 0 });
  });
  afterAll(async () => {
    await standin?.close();
  });

  it('a failed assertion fails the case; a judge failure on llm-rubric is an error that keeps the other results', async () => {
    writeFileSync(
      join(dir, 'target.mjs'),
      "export default async (c) => ({ answer: c.id === 'ok' ? 'The sky is blue.' : 'It is red.', sources: [] });",
    );
    writeFileSync(
      join(dir, 'cases.jsonl'),
      [
        { id: 'ok', question: 'Colour of the sky?', vars: { want: 'blue' } },
        { id: 'bad', question: 'Colour of the sky?', vars: { want: 'blue' } },
        {
          id: 'rubric',
          question: 'Colour of the sky?',
          vars: { want: 'red' },
          assert: [{ type: 'llm-rubric', value: 'names a colour' }],
        },
      ]
        .map((c) => JSON.stringify(c))
        .join('\n'),
    );
    writeFileSync(
      join(dir, 'suite.yaml'),
      [
        'name: asserts',
        'cases: cases.jsonl',
        'target: { type: module, path: target.mjs, identity: v1 }',
        'metrics: { exact_match: {} }',
        'assert:',
        '  - { type: custom, path: hook.mjs }',
        '  - { type: icontains-any, value: [blue, red] }',
        'judge:',
        `  base_url: ${standin.url}`,
        '  model: standin-1',
      ].join('\n'),
    );
    standin.setBehaviour({ garbage: true });
    const suite = loadSuite(join(dir, 'suite.yaml'));
    const resultsPath = join(dir, 'r.jsonl');
    await runSuite({
      suite,
      target: await createTarget(suite),
      judge: createJudge(suite.config.judge!, 'k'),
      cache: new FolderCache(join(dir, 'cache')),
      resultsPath,
      logger: new MemoryLogger(),
    });
    const set = await loadResults(resultsPath);
    expect(set.cases.get('ok')).toMatchObject({ outcome: 'pass', failed: [] });
    expect(set.cases.get('bad')).toMatchObject({ outcome: 'fail', failed: ['assert:custom'] });
    const rubric = set.cases.get('rubric')!;
    expect(rubric.outcome).toBe('error');
    expect(rubric.error).toMatch(/^assert llm-rubric: judge output is not JSON/);
  });
});
