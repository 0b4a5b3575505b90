import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../core/logger.js';
import { findFiles, globToRegExp } from './files.js';
import { locate, parseJUnit } from './junit.js';
import { runTestReport } from './report.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseJUnit', () => {
  it('reads vitest output: statuses, decoded names, file and line from the stack, node_modules frames ignored', () => {
    const r = parseJUnit(fixture('vitest.xml'));
    expect(r.totals).toMatchObject({ tests: 3, passed: 1, failed: 1, errored: 0, skipped: 1 });
    const failed = r.cases.find((c) => c.status === 'failed')!;
    expect(failed).toMatchObject({
      name: 'math > divides by zero',
      file: 'test/unit/math.test.ts',
      line: 14,
      message: 'expected 1 to be 2 // Object.is equality',
    });
    expect(r.cases[0]!.name).toBe('adds & subtracts');
  });

  it('reads pytest output: failure vs error, CDATA bodies, file:line from the traceback', () => {
    const r = parseJUnit(fixture('pytest.xml'));
    expect(r.totals).toMatchObject({ tests: 3, passed: 1, failed: 1, errored: 1 });
    expect(r.cases[1]).toMatchObject({
      status: 'failed',
      file: 'tests/test_app.py',
      line: 9,
      message: 'assert 41 == 42',
    });
    expect(r.cases[2]).toMatchObject({ status: 'errored', file: 'tests/conftest.py', line: 4 });
    expect(r.cases[2]!.details).toContain('raise ConnectionError("<no db>")');
    expect(r.cases[2]!.message).toBe('failed on setup with "ConnectionError"');
  });

  it('turns a suite that failed to load (errors, no cases) into an errored entry instead of a green zero', () => {
    const r = parseJUnit(fixture('load-error.xml'));
    expect(r.totals.errored).toBe(1);
    expect(r.cases[0]!.details).toContain('SyntaxError');
  });

  it('makes absolute paths workspace-relative', () => {
    const xml =
      '<testsuite name="s"><testcase name="t" file="/home/runner/work/app/app/src/a.test.ts"><failure message="x"/></testcase></testsuite>';
    expect(parseJUnit(xml, { workspace: '/home/runner/work/app/app' }).cases[0]!.file).toBe('src/a.test.ts');
  });

  it('locate prefers the declared file over the first frame', () => {
    expect(locate('at a (lib/x.ts:3:1)\nat b (test/y.test.ts:7:2)', 'test/y.test.ts')).toEqual({
      file: 'test/y.test.ts',
      line: 7,
    });
    expect(locate('File "app/main.py", line 12, in f')).toEqual({ file: 'app/main.py', line: 12 });
  });
});

describe('findFiles', () => {
  it('matches ** at any depth, * within a segment, skips node_modules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-glob-'));
    for (const p of ['junit.xml', 'a/b/junit-1.xml', 'a/other.xml', 'node_modules/x/junit.xml']) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), '<testsuite/>');
    }
    expect(findFiles(['**/junit*.xml'], dir).map((f) => f.slice(dir.length + 1))).toEqual([
      'a/b/junit-1.xml',
      'junit.xml',
    ]);
    expect(findFiles(['a/*.xml'], dir).map((f) => f.slice(dir.length + 1))).toEqual(['a/other.xml']);
    expect(findFiles(['junit.xml'], dir)).toHaveLength(1);
    expect(globToRegExp('a/**/b.xml').test('a/b.xml')).toBe(true);
  });
});

describe('runTestReport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragship-report-'));
  writeFileSync(join(dir, 'junit-vitest.xml'), fixture('vitest.xml'));
  writeFileSync(join(dir, 'junit-pytest.xml'), fixture('pytest.xml'));
  const base = {
    files: ['junit*.xml'],
    workingDirectory: dir,
    workspace: dir,
    title: 'Unit tests',
    limit: 2,
    requireFiles: true,
  };

  it('annotates failures up to the limit and lists every failure in the summary', () => {
    const logger = new MemoryLogger({ json: true });
    const result = runTestReport(base, logger);
    const entries = logger.lines.map(
      (l) => JSON.parse(l) as { level: string; file?: string; startLine?: number },
    );
    expect(result.totals).toMatchObject({ tests: 6, failed: 2, errored: 1 });
    expect(result.annotated).toBe(2);
    const errors = entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ file: 'tests/test_app.py', startLine: 9 });
    const md = result.report.toString();
    expect(md).toContain('| 6 | 2 | 2 | 1 | 1 |');
    expect(md).toContain('tests/conftest.py:4');
    expect(md).toContain('math > divides by zero');
  });

  it('fails when no JUnit file exists, so a crashed test command cannot look green', () => {
    expect(() => runTestReport({ ...base, files: ['nothing/*.xml'] }, new MemoryLogger())).toThrow(
      /no JUnit XML file matches/,
    );
    expect(
      runTestReport({ ...base, files: ['nothing/*.xml'], requireFiles: false }, new MemoryLogger()).totals
        .tests,
    ).toBe(0);
  });
});
