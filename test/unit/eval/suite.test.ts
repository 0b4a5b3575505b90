import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import {
  inShard,
  interpolateEnv,
  parseCaseLine,
  parseShard,
  parseSuite,
  readCases,
} from '../../../src/eval/suite.js';
import { fillTemplate, getPath, normaliseResponse } from '../../../src/eval/target.js';

const dir = mkdtempSync(join(tmpdir(), 'ragship-suite-'));
writeFileSync(join(dir, 'c.jsonl'), '{"id":"a","question":"q?"}\n');
const file = join(dir, 's.yaml');

const VALID = `name: demo
cases: c.jsonl
target:
  type: http
  url: \${APP_URL:-http://127.0.0.1:9/query}
metrics:
  hit@k: { case_min: 1 }
`;

function error(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('suite file validation', () => {
  it('accepts a minimal suite, fills defaults and resolves env with $VAR defaults', () => {
    const s = parseSuite(VALID, file, {});
    expect(s.config.target).toMatchObject({ type: 'http', url: 'http://127.0.0.1:9/query', method: 'POST' });
    expect(s.config.retrieval.k).toBe(5);
    expect(s.casesPath).toBe(join(dir, 'c.jsonl'));
    expect(parseSuite(VALID, file, { APP_URL: 'http://10.0.0.1/q' }).config.target).toMatchObject({
      url: 'http://10.0.0.1/q',
    });
  });

  it('names the line and key of a wrong type', () => {
    const e = error(() => parseSuite(VALID.replace('case_min: 1', "case_min: 'high'"), file, {}));
    expect(e.message).toMatch(
      /s\.yaml:7 metrics\.hit@k\.case_min: is a string \("high"\), not a number — write a number/,
    );
  });

  it('names the line and key of a misspelt key and of an unknown metric', () => {
    expect(error(() => parseSuite(`${VALID}run:\n  concurency: 3\n`, file, {})).message).toMatch(
      /s\.yaml:9 run\.concurency: is not a known key — did you mean `concurrency`\?/,
    );
    expect(error(() => parseSuite(VALID.replace('hit@k', 'hit@10'), file, {})).message).toMatch(
      /s\.yaml:7 metrics\.hit@10/,
    );
  });

  it('requires a judge section for judged metrics and min_passes ≤ repeats', () => {
    expect(error(() => parseSuite(`${VALID}  faithfulness: {}\n`, file, {})).message).toMatch(
      /metrics\.faithfulness: needs a `judge:` section/,
    );
    expect(
      error(() => parseSuite(`${VALID}run:\n  repeats: 2\n  min_passes: 3\n`, file, {})).message,
    ).toMatch(/run\.min_passes: is 3 but run\.repeats is 2/);
  });

  it('reports YAML syntax errors with the line', () => {
    expect(error(() => parseSuite('name: x\n  bad: [\n', file, {})).message).toMatch(
      /s\.yaml:\d+: is not valid YAML/,
    );
  });

  it('changes the config hash with the metrics but not with the URL or the concurrency', () => {
    const a = parseSuite(VALID, file, {});
    expect(parseSuite(VALID, file, { APP_URL: 'http://other/q' }).configHash).toBe(a.configHash);
    expect(parseSuite(`${VALID}run:\n  concurrency: 9\n`, file, {}).configHash).toBe(a.configHash);
    expect(parseSuite(VALID.replace('case_min: 1', 'case_min: 0.5'), file, {}).configHash).not.toBe(
      a.configHash,
    );
  });
});

describe('cases file validation', () => {
  it('names the file, line and key of a bad case', () => {
    expect(
      error(() => parseCaseLine('{"id":"x","question":"q","relevant_sources":"a#b"}', 'c.jsonl', 7)).message,
    ).toMatch(/^c\.jsonl:7 relevant_sources: is a string \("a#b"\), not a list \(case x\) — write a list/);
    expect(error(() => parseCaseLine('{"id":"x","question":"q","tagz":[]}', 'c.jsonl', 3)).message).toMatch(
      /^c\.jsonl:3 tagz: is not a known key \(case x\) — did you mean `tags`\?/,
    );
    expect(error(() => parseCaseLine('{"id":"x",', 'c.jsonl', 2)).message).toMatch(
      /^c\.jsonl:2: is not valid JSON/,
    );
    expect(
      error(() => parseCaseLine('{"id":"x","question":"q","must_match":"("}', 'c.jsonl', 4)).message,
    ).toMatch(/c\.jsonl:4 must_match: is not a valid regular expression/);
  });

  it('rejects a repeated id naming both lines', async () => {
    const p = join(dir, 'dup.jsonl');
    writeFileSync(p, '{"id":"a","question":"q"}\n\n{"id":"a","question":"r"}\n');
    await expect(async () => {
      for await (const _ of readCases(p, 'dup.jsonl'));
    }).rejects.toThrow(/dup\.jsonl:3 id: "a" repeats the id on line 1/);
  });
});

describe('shards, templates and response mapping', () => {
  it('puts every id in exactly one shard of n', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `case-${i}`);
    const counts = [1, 2, 3].map((index) => ids.filter((id) => inShard(id, { index, count: 3 })).length);
    expect(counts.reduce((a, b) => a + b)).toBe(200);
    expect(Math.min(...counts)).toBeGreaterThan(40);
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('5/4')).toThrow(/not i\/n/);
  });

  it('fills {{question}} and {{vars.k}} keeping the type of whole-value placeholders', () => {
    const c = {
      id: 'a',
      question: 'Why?',
      reference: '',
      relevant_sources: [],
      tags: [],
      must_contain: [],
      vars: { k: 3 },
      assert: [],
    };
    expect(fillTemplate({ question: '{{question}}', k: '{{vars.k}}', note: 'id={{id}}' }, c)).toEqual({
      question: 'Why?',
      k: 3,
      note: 'id=a',
    });
    expect(interpolateEnv({ a: [`$${'{'}X:-d}`, 1] }, {})).toEqual({ a: ['d', 1] });
  });

  it('maps answers, source objects and usage by dotted path', () => {
    expect(getPath({ choices: [{ message: { content: 'hi' } }] }, 'choices[0].message.content')).toBe('hi');
    const r = normaliseResponse(
      {
        answer: 'A',
        sources: [{ id: 'd#1', text: 'T1' }, 'd#2'],
        usage: { promptTokens: 3, completionTokens: 4 },
        costUsd: 0.01,
      },
      {
        answer: 'answer',
        sources: 'sources',
        source_id: 'id',
        source_text: 'text',
        prompt_tokens: 'usage.promptTokens',
        completion_tokens: 'usage.completionTokens',
        cost_usd: 'costUsd',
      },
    );
    expect(r).toEqual({
      answer: 'A',
      sources: ['d#1', 'd#2'],
      contexts: ['T1'],
      promptTokens: 3,
      completionTokens: 4,
      costUsd: 0.01,
    });
  });
});
