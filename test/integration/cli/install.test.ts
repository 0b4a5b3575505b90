// The CLI installs like any npm CLI: `npm pack` (whose `prepack` compiles src/ to lib/) and
// `npm install -g --prefix <empty dir> --omit=dev <tgz>` give a `ragship` that runs without tsx,
// without the sources and without this checkout. Needs the npm registry (production dependencies),
// not the sandbox.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';

const run = promisify(execFile);
const ROOT = new URL('../../..', import.meta.url).pathname;
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

let work: string;
let prefix: string;
let userDir: string;
/** PATH holds only the install prefix and node itself, so nothing of this checkout can be found. */
let env: NodeJS.ProcessEnv;

/** process.env without npm's lifecycle variables (npm_config_prefix etc. when run by `npm test`). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

async function sh(cmd: string, args: string[], cwd: string, e: NodeJS.ProcessEnv) {
  try {
    return await run(cmd, args, { cwd, env: e, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const x = err as { message: string; stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${x.message}\n${x.stdout ?? ''}\n${x.stderr ?? ''}`);
  }
}

const ragship = (args: string[]) => sh('ragship', args, userDir, env);

/** Every verb path of the CLI, nested subcommands included (e.g. ["backup"], ["ops", "x"]). */
function verbs(cmd: Command, parents: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...parents, c.name()], ...verbs(c, [...parents, c.name()])]);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ragship-install-test-'));
  const clone = join(work, 'clone');
  prefix = join(work, 'prefix');
  userDir = join(work, 'somewhere-else');
  for (const d of [clone, prefix, userDir, join(work, 'pack')]) mkdirSync(d);
  // A fresh clone of the working tree (tracked and new files, nothing git-ignored: no lib/).
  const { stdout } = await sh(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    ROOT,
    process.env,
  );
  for (const f of stdout.split('\0').filter(Boolean)) {
    if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(clone, f), { recursive: false });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const npmEnv = cleanEnv();
  await sh('npm', ['pack', '--pack-destination', join(work, 'pack')], clone, npmEnv);
  const [tgz] = readdirSync(join(work, 'pack')).filter((f) => f.endsWith('.tgz'));
  expect(tgz, 'npm pack wrote a tarball').toBeDefined();
  await sh(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--fetch-retries=5',
      join(work, 'pack', tgz!),
    ],
    userDir,
    npmEnv,
  );
  env = { ...npmEnv, PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(':') };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('ragship installed from `npm pack` into an empty prefix (production dependencies only)', () => {
  test('the ragship on PATH is the one in the temporary prefix, and it ships no sources and no tsx', async () => {
    const { stdout } = await sh('sh', ['-c', 'command -v ragship'], userDir, env);
    expect(stdout.trim()).toBe(join(prefix, 'bin', 'ragship'));
    const pkg = join(prefix, 'lib', 'node_modules', 'ragship');
    expect(realpathSync(stdout.trim())).toBe(realpathSync(join(pkg, 'bin', 'ragship.js')));
    expect(existsSync(join(pkg, 'lib', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    expect(existsSync(join(pkg, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(prefix, 'lib', 'node_modules', 'tsx'))).toBe(false);
  });

  test("--version prints package.json's version", async () => {
    const { stdout } = await ragship(['--version']);
    expect(stdout.trim()).toBe(VERSION);
  });

  test('--help lists every verb, and every verb (and subcommand) answers --help', async () => {
    const program = buildProgram(() => {
      throw new Error('only the command tree is read');
    });
    const all = verbs(program);
    expect(all.length).toBeGreaterThan(5);
    const { stdout } = await ragship(['--help']);
    for (const [verb] of all) expect(stdout).toContain(`  ${verb!}`);
    for (const path of all) {
      const r = await ragship([...path, '--help']);
      expect(r.stdout, path.join(' ')).toContain(`Usage: ragship ${path.join(' ')}`);
    }
  }, 180_000);

  test('ragship init and ragship config check run from the installed package on a copy of the example app (no SSH)', async () => {
    const app = join(userDir, 'my-app');
    mkdirSync(app);
    for (const f of ['compose.yaml', 'Dockerfile', 'nginx', 'package.json'])
      cpSync(join(ROOT, 'example-app', f), join(app, f), { recursive: true });
    const init = await sh('ragship', ['init', '--host', 'deploy@127.0.0.1:22'], app, env);
    expect(init.stdout).toMatch(/switched service app on port 8080, proxy nginx, migrate migrate/);
    expect(init.stdout).toContain('wrote .github/workflows/release-deploy.yml');
    // The workflow callers come from the templates shipped in the package.
    expect(readFileSync(join(app, '.github/workflows/pr.yml'), 'utf8')).toContain(
      'uses: ragship/ragship/.github/workflows/ci.yml@v1',
    );
    // From another folder: files are read relative to ragship.yml, not the current directory.
    const ok = await sh(
      'ragship',
      ['config', 'check', '--config', 'my-app/ragship.yml', '--environment', 'staging'],
      userDir,
      env,
    );
    expect(ok.stdout).toMatch(/ragship\.yml ok/);
    expect(ok.stdout).toMatch(/staging\/web: compose\.yaml/);
    writeFileSync(
      join(app, 'compose.yaml'),
      readFileSync(join(app, 'compose.yaml'), 'utf8').replace(
        '    expose:\n      - "8080"',
        '    container_name: my-app\n    expose:\n      - "8080"',
      ),
    );
    const bad = await run('ragship', ['config', 'check'], { cwd: app, env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/container_name.*remove container_name/);
  }, 120_000);
});
