/**
 * `npm run bench -- startup`: cold start of every JS action bundle. Each actions/<name>/dist/index.js
 * is run as the runner runs it (`node dist/index.js`, INPUT_* env, GITHUB_* files) with invalid
 * inputs, so it loads, validates its inputs, reports `::error::` and exits 1 — 10 runs each, median
 * wall-clock milliseconds from spawn to exit. Also: bundle sizes, and bare `node` start-up on the
 * same machine as the floor, and the CLI as npm installs it (bin/ragship.js → compiled lib/, no
 * sources, no tsx): `ragship --version`, `ragship deploy --help`, `ragship init --help`.
 * Real parts: this machine's node; no network, no Docker.
 */
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = 10;
/** Fails every grammar ragship validates with (hosts, tags, names, paths, numbers, booleans). */
const INVALID = 'x; rm -rf / $(id)\n../../etc';

interface ActionYml {
  inputs?: Record<string, { required?: boolean; default?: string }>;
  runs?: { using?: string; main?: string };
}

function once(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; code: number | null; error?: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, code, error: /^::error::(.*)$/m.exec(stdout)?.[1] });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return Math.round((s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2) * 10) / 10;
};

export async function run(): Promise<unknown> {
  const work = mkdtempSync(join(tmpdir(), 'ragship-bench-startup-'));
  try {
    const floor: number[] = [];
    for (let i = 0; i < RUNS; i++) floor.push((await once(['-e', ''], { PATH: process.env.PATH })).ms);

    const actions: Array<Record<string, unknown>> = [];
    for (const name of readdirSync(join(ROOT, 'actions')).sort()) {
      const ymlPath = join(ROOT, 'actions', name, 'action.yml');
      if (!existsSync(ymlPath)) continue;
      const yml = parseYaml(readFileSync(ymlPath, 'utf8')) as ActionYml;
      if (!yml.runs?.using?.startsWith('node') || !yml.runs.main) continue;
      const entry = join(ROOT, 'actions', name, yml.runs.main);
      if (!existsSync(entry)) {
        actions.push({ action: name, error: `${yml.runs.main} missing` });
        continue;
      }
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: work,
        GITHUB_ACTIONS: 'true',
        RUNNER_TEMP: work,
        GITHUB_WORKSPACE: work,
        GITHUB_EVENT_PATH: join(work, 'event.json'),
      };
      writeFileSync(join(work, 'event.json'), '{}');
      for (const f of ['OUTPUT', 'STATE', 'ENV', 'STEP_SUMMARY']) {
        env[`GITHUB_${f}`] = join(work, `${name}-${f}`);
        writeFileSync(env[`GITHUB_${f}`]!, '');
      }
      // Every input invalid: validation must stop the action before it does anything.
      for (const input of Object.keys(yml.inputs ?? {}))
        env[`INPUT_${input.replace(/ /g, '_').toUpperCase()}`] = INVALID;
      // Other work may rebuild a bundle meanwhile: size it first, and record rather than crash.
      let bytes: number;
      try {
        bytes = statSync(entry).size;
      } catch (err) {
        actions.push({ action: name, error: (err as Error).message });
        continue;
      }
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await once([entry], env));
      const exitCodes = [...new Set(runs.map((r) => r.code))];
      actions.push({
        action: name,
        medianMs: median(runs.map((r) => r.ms)),
        minMs: Math.round(Math.min(...runs.map((r) => r.ms))),
        maxMs: Math.round(Math.max(...runs.map((r) => r.ms))),
        bundleBytes: bytes,
        bundleMiB: Math.round((bytes / 2 ** 20) * 100) / 100,
        exitCodes,
        // Honesty check: the run ended in input validation, not in real work or a crash.
        validationError: runs[0]?.error ?? null,
      });
    }
    // The CLI as npm installs it: the compiled lib/ (built here, as `npm pack`'s prepare does).
    await new Promise<void>((resolve, reject) =>
      spawn(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'tsconfig.build.json')], {
        stdio: 'inherit',
      }).on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`tsc -p tsconfig.build.json exited ${code}`)),
      ),
    );
    // Laid out as npm installs it (bin/, lib/, package.json, node_modules; no src/), so the
    // command runs through bin/ragship.js exactly as an installed `ragship` does.
    const installed = join(work, 'installed');
    mkdirSync(installed);
    for (const f of ['bin', 'lib', 'package.json'])
      cpSync(join(ROOT, f), join(installed, f), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(installed, 'node_modules'), 'dir');
    const cli: Array<Record<string, unknown>> = [];
    for (const args of [['--version'], ['deploy', '--help'], ['init', '--help']]) {
      const runs = [];
      for (let i = 0; i < RUNS; i++)
        runs.push(
          await once([join(installed, 'bin/ragship.js'), ...args], { PATH: process.env.PATH, HOME: work }),
        );
      cli.push({
        command: `ragship ${args.join(' ')}`,
        medianMs: median(runs.map((r) => r.ms)),
        exitCodes: [...new Set(runs.map((r) => r.code))],
      });
    }
    return {
      what: 'cold start of each JS action bundle: node dist/index.js with invalid inputs → ::error:: → exit 1; and of the compiled CLI',
      runsPerAction: RUNS,
      nodeBareStartMedianMs: median(floor),
      actions,
      cli,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
