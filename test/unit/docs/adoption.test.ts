// Issue 16: what a newcomer copies must run as it is. Node LTS defaults, dependabot over the
// templates, the example app's own `npm test`, the package's tarball contents.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { WORKFLOW_CALLERS } from '../../../src/init/init.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

describe('adoption', () => {
  it("the example app's image defaults to a supported Node LTS (22 or 24); tests pass their own base image", () => {
    const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(read('example-app/Dockerfile'))?.[1];
    expect(arg).toMatch(/^node:(22|24)-/);
  });

  it('dependabot keeps the pins of workflows-templates/ fresh, with the workflows and actions', () => {
    const cfg = parseYaml(read('.github/dependabot.yml')) as {
      updates: Array<{ 'package-ecosystem': string; directories?: string[] }>;
    };
    const actions = cfg.updates.find((u) => u['package-ecosystem'] === 'github-actions');
    expect(actions?.directories).toEqual(expect.arrayContaining(['/', '/actions/*', '/workflows-templates']));
  });

  it('the example app has its own npm test with tests in it (what pr.yml runs on a copied app)', () => {
    const pkg = JSON.parse(read('example-app/package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toMatch(/--test test\/\*\.test\.ts/);
    expect(
      readdirSync(join(ROOT, 'example-app/test')).filter((f) => f.endsWith('.test.ts')).length,
    ).toBeGreaterThan(0);
  });

  it("tests of example-app code run in the app's npm test (CI runs it), not in the root suite", () => {
    expect(existsSync(join(ROOT, 'example-app/test/disclaimer.test.ts'))).toBe(true);
    const config = read('vitest.config.ts');
    const includes = [...config.matchAll(/include: \[([^\]]*)\]/g)].flatMap((m) =>
      [...m[1]!.matchAll(/'([^']+)'/g)].map((g) => g[1]!),
    );
    expect(includes.length).toBeGreaterThan(0);
    for (const glob of includes) expect(glob).toMatch(/^(test|src)\//);
    const check = parseYaml(read('.github/workflows/check.yml')) as {
      jobs: Record<string, { steps: Array<{ run?: string }> }>;
    };
    const runs = Object.values(check.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''));
    expect(runs).toContain('npm test --prefix example-app');
    // The app's dependencies are installed before its tests and the root type check need them.
    const job = Object.values(check.jobs).find((j) =>
      j.steps.some((s) => s.run === 'npm test --prefix example-app'),
    )!;
    const order = job.steps.map((s) => s.run ?? '');
    expect(order.indexOf('npm ci --no-audit --no-fund --prefix example-app')).toBeLessThan(
      order.indexOf('npm test --prefix example-app'),
    );
    expect(order.indexOf('npm ci --no-audit --no-fund --prefix example-app')).toBeLessThan(
      order.indexOf('npx tsc --noEmit -p .'),
    );
  });

  it('npm pack compiles the CLI (prepack) and ships the workflow templates ragship init copies', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; files: string[] };
    expect(pkg.scripts.prepack).toBe('npm run build:cli');
    expect(pkg.scripts.prepare).toMatch(/npm run build:cli/);
    expect(pkg.files).toContain('workflows-templates/*.yml');
    for (const w of WORKFLOW_CALLERS) expect(existsSync(join(ROOT, 'workflows-templates', w))).toBe(true);
  });

  it('nothing runs an unpublished ragship through npx', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const rel = join(dir, e.name);
        if (e.isDirectory()) {
          if (!['node_modules', 'dist', 'lib', '.git', 'results'].includes(e.name)) walk(rel);
        } else if (/\.(ya?ml|md|sh)$/.test(e.name) && /npx (--yes )?ragship@/.test(read(rel)))
          offenders.push(rel);
      }
    };
    for (const d of ['docs', 'workflows-templates', '.github', 'example-app', 'actions']) walk(d);
    expect(offenders).toEqual([]);
  });
});
