import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { FolderBaselineStore } from '../../../src/eval/baseline.js';
import { FolderCache } from '../../../src/eval/cache.js';
import { runEvalGate } from '../../../src/eval/gate.js';
import { caseHash, parseCaseLine } from '../../../src/eval/suite.js';

// Real parts: a module target (a JS file the suite names) whose answers come from a file the
// test rewrites between "main" and "PR", the folder baseline store, the folder cache.
const dir = mkdtempSync(join(tmpdir(), 'ragship-eval-per-case-'));
const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
const caseLine = (id: string, question = `What is the code of ${id}?`) =>
  JSON.stringify({ id, question, must_contain: [`code-${id}`] });

writeFileSync(
  join(dir, 'target.mjs'),
  [
    "import { readFileSync } from 'node:fs';",
    'export default async (c) => {',
    "  const answers = JSON.parse(readFileSync(new URL('./answers.json', import.meta.url), 'utf8'));",
    "  return { answer: answers[c.id] ?? 'I do not know', sources: [] };",
    '};',
  ].join('\n'),
);
writeFileSync(
  join(dir, 'suite.yaml'),
  [
    'name: per-case',
    'cases: cases.jsonl',
    'target: { type: module, path: target.mjs }',
    'metrics:',
    '  contains: { case_min: 1 }',
    'gate:',
    '  max_error_rate: 0',
  ].join('\n'),
);

const ports = () => ({
  logger: new MemoryLogger(),
  cache: new FolderCache(join(dir, 'cache')),
  baselines: new FolderBaselineStore(join(dir, 'baselines')),
});

describe('per-case baselines', () => {
  it('the case hash ignores tags and changes with the question', () => {
    const a = parseCaseLine(caseLine('x'), 'f', 1);
    const tagged = parseCaseLine(JSON.stringify({ ...JSON.parse(caseLine('x')), tags: ['t'] }), 'f', 1);
    const edited = parseCaseLine(caseLine('x', 'another question'), 'f', 1);
    expect(caseHash(tagged)).toBe(caseHash(a));
    expect(caseHash(edited)).not.toBe(caseHash(a));
  });

  it('a PR that edits the cases file still finds main’s baseline: unchanged cases are compared, edited and added ones listed', async () => {
    // main: every case answered right, stored as the baseline of main's sha
    writeFileSync(join(dir, 'cases.jsonl'), `${ids.map((id) => caseLine(id)).join('\n')}\n`);
    writeFileSync(
      join(dir, 'answers.json'),
      JSON.stringify(Object.fromEntries(ids.map((id) => [id, `code-${id}`]))),
    );
    const main = await runEvalGate(
      {
        suitePath: join(dir, 'suite.yaml'),
        outDir: join(dir, 'main'),
        headSha: 'main-sha-1',
        saveBaseline: true,
      },
      ports(),
    );
    expect(main.passed).toBe(true);
    expect(main.markdown).toContain('Stored as the baseline');

    // PR: c1 edited, c12 added, c2…c9 regress (8 pass → fail on unchanged cases)
    const pr = ids.map((id) => (id === 'c1' ? caseLine(id, 'What is the new code of c1?') : caseLine(id)));
    pr.push(caseLine('c12'));
    writeFileSync(join(dir, 'cases.jsonl'), `${pr.join('\n')}\n`);
    const answers = Object.fromEntries([...ids, 'c12'].map((id) => [id, `code-${id}`]));
    for (let i = 2; i <= 9; i++) answers[`c${i}`] = 'wrong';
    writeFileSync(join(dir, 'answers.json'), JSON.stringify(answers));
    const r = await runEvalGate(
      {
        suitePath: join(dir, 'suite.yaml'),
        outDir: join(dir, 'pr'),
        headSha: 'pr-sha-1',
        baseSha: 'main-sha-1',
      },
      ports(),
    );
    expect(r.baselineSource).toMatch(/^main main-sh/);
    expect(r.comparison.changed).toEqual(['c1']);
    expect(r.comparison.added).toEqual(['c12']);
    expect(r.comparison.rows[0]!.paired).toBe(11);
    // cases finish in any order (concurrency 4): compare as sets
    expect([...r.comparison.regressedCases].sort()).toEqual(['c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9']);
    expect(r.passed).toBe(false);
    expect(r.comparison.gate.reasons[0]).toMatch(/^pass_rate regressed/);
    expect(r.markdown).toContain('not paired with main: 1 edited (`c1`) · 1 added (`c12`) · 0 removed');
  });

  it('a missing baseline is a loud warning in the report that says how to create one', async () => {
    writeFileSync(join(dir, 'cases.jsonl'), `${ids.map((id) => caseLine(id)).join('\n')}\n`);
    const r = await runEvalGate(
      {
        suitePath: join(dir, 'suite.yaml'),
        outDir: join(dir, 'nobase'),
        headSha: 'pr-sha-2',
        baseSha: 'never-stored',
      },
      ports(),
    );
    expect(r.comparison.base).toBeUndefined();
    const md = readFileSync(r.reportPath, 'utf8');
    expect(md).toContain('⚠️ **No baseline from main** (none stored for never-s)');
    expect(md).toContain('--save-baseline');
  });
});
