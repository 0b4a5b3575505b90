import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/program.js';

// `ragship eval --identity`: the target's version in the answer-cache key. Without a version
// (the CLI's --sha local) no answer is reused; with one, a re-run answers from the cache.
const TARGET = new URL('../../integration/eval/fixtures/echo-target.mjs', import.meta.url).pathname;
let dir: string;
let out: string[];
let stdout: string[];
const writes = { stdout: process.stdout.write, stderr: process.stderr.write };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ragship-eval-identity-'));
  writeFileSync(
    join(dir, 'cases.jsonl'),
    [1, 2, 3]
      .map((i) => JSON.stringify({ id: `c${i}`, question: `q${i}`, reference: `echo q${i}` }))
      .join('\n'),
  );
  writeFileSync(
    join(dir, 'suite.yaml'),
    `name: identity\ncases: cases.jsonl\ntarget: { type: module, path: ${TARGET} }\nmetrics:\n  token_f1: {}\n`,
  );
  out = [];
  stdout = [];
  process.stdout.write = ((c: string) =>
    stdout.push(String(c)) > 0 && out.push(String(c)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => out.push(String(c)) > 0) as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = writes.stdout;
  process.stderr.write = writes.stderr;
  process.exitCode = undefined;
});

async function evalRun(extra: string[]): Promise<{ code: number; hits: number }> {
  out = [];
  stdout = [];
  const code = await main([
    '--json',
    'eval',
    join(dir, 'suite.yaml'),
    '--sha',
    'local',
    '--out-dir',
    join(dir, 'out'),
    '--cache-dir',
    join(dir, 'cache'),
    '--baselines-dir',
    join(dir, 'baselines'),
    ...extra,
  ]);
  // --json: stdout holds the one result document (logs go to stderr).
  return { code, hits: code === 2 ? -1 : (JSON.parse(stdout.join('')).run.cache.hits as number) };
}

describe('ragship eval --identity', () => {
  it('with --identity a re-run reuses the answers; without a version nothing is reused', async () => {
    expect(await evalRun([])).toEqual({ code: 0, hits: 0 });
    expect(await evalRun([])).toEqual({ code: 0, hits: 0 });
    expect(await evalRun(['--identity', 'v7'])).toEqual({ code: 0, hits: 0 });
    expect(await evalRun(['--identity', 'v7'])).toEqual({ code: 0, hits: 3 });
    // Another version of the target never gets v7's answers.
    expect(await evalRun(['--identity', 'v8'])).toEqual({ code: 0, hits: 0 });
  });

  it('a value that is not one line exits 2 naming --identity', async () => {
    expect((await evalRun(['--identity', 'v1\nrm -rf /'])).code).toBe(2);
    expect(out.join('')).toMatch(/--identity.*is not one line of 1 to 200 characters/);
  });
});

describe('ragship eval numeric flags', () => {
  it.each(['abc', '0', '-3', '1.5', '1e3'])(
    '--concurrency %s exits 2 naming the flag, before any case runs',
    async (v) => {
      const r = await evalRun(['--concurrency', v]);
      expect(r.code).toBe(2);
      expect(out.join('')).toContain('--concurrency');
      expect(out.join('')).not.toMatch(/eval \d+\/\d+/);
    },
  );
});

describe('ragship eval flags share the action inputs', () => {
  it('sharded runs merge with `eval merge … --out` (the old eval --out shadowed it)', async () => {
    const shardFiles: string[] = [];
    for (const shard of ['1/2', '2/2']) {
      const outDir = join(dir, `shard-${shard[0]}`);
      expect(await evalRun(['--shard', shard, '--out-dir', outDir])).toMatchObject({ code: 0 });
      const results = JSON.parse(stdout.join('')).resultsPath as string;
      expect(results.startsWith(outDir)).toBe(true);
      shardFiles.push(results);
    }
    stdout = [];
    const merged = join(dir, 'merged.jsonl');
    expect(await main(['--json', 'eval', 'merge', ...shardFiles, '--out', merged])).toBe(0);
    expect(JSON.parse(stdout.join(''))).toMatchObject({ shards: 2, out: merged });
    const lines = readFileSync(merged, 'utf8').trim().split('\n');
    expect(lines.filter((l) => JSON.parse(l).type !== 'meta')).toHaveLength(3);
  });

  it.each([
    [['--shard', '3/2'], /--shard.*is not i\/n/],
    [['--save-baseline', 'maybe'], /--save-baseline/],
  ])('%j exits 2 naming the flag', async (extra, message) => {
    expect((await evalRun(extra)).code).toBe(2);
    expect(out.join('')).toMatch(message);
  });

  it('--baseline (the old spelling) still reads a baseline results file', async () => {
    expect(await evalRun(['--sha', 'v1', '--save-baseline'])).toMatchObject({ code: 0 });
    const baseline = JSON.parse(stdout.join('')).resultsPath as string;
    expect(await evalRun(['--baseline', baseline])).toMatchObject({ code: 0 });
    expect(JSON.parse(stdout.join('')).headline).not.toMatch(/no baseline/i);
  });
});
