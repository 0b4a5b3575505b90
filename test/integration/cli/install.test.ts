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
});
