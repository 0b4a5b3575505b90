// Bundles every JS action entry (src/actions/<name>.ts) into actions/<name>/dist with ncc,
// and the CLI into dist/cli. `--check` rebuilds into a temp dir and fails on any difference.
//
//   node scripts/build-actions.mjs [name...] [--check] [--dist-root=DIR]
//
// --dist-root compares against DIR/<name>/dist instead of actions/<name>/dist (tests use it to
// prove that a modified bundle is reported stale without touching the committed one).
// --check remembers, per action, the exact input files ncc read (webpack stats) with their
// SHA-256 and the hashes of the bundle they produced (node_modules/.cache/ragship-build-actions);
// when every input, the lockfile and the build settings are unchanged, the committed dist is
// compared against those hashes without running ncc again. --no-cache forces a rebuild.
// Bundles are built in parallel, one ncc per core, transpile-only: type checking is `tsc --noEmit`'s job,
// and one half-finished file elsewhere in the tree must not block every bundle.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const check = args.includes('--check');
const useCache = !args.includes('--no-cache');
const CACHE = join(root, 'node_modules/.cache/ragship-build-actions');
const distRootArg = args.find((a) => a.startsWith('--dist-root='));
const distRoot = distRootArg ? resolve(distRootArg.slice('--dist-root='.length)) : join(root, 'actions');
const only = args.filter((a) => !a.startsWith('--'));
const entries = readdirSync(join(root, 'src/actions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => only.length === 0 || only.includes(name));
const unknown = only.filter((name) => !entries.includes(name));
if (unknown.length) {
  console.error(`no src/actions/<name>.ts for: ${unknown.join(', ')}`);
  process.exit(2);
}

async function bundle(entry, outDir, statsFile) {
  const stats = statsFile ? ['--stats-out', statsFile] : [];
  try {
    await run(
      join(root, 'node_modules/.bin/ncc'),
      ['build', entry, '-o', outDir, '-q', '--target', 'es2022', '--transpile-only', ...stats],
      {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (err) {
    throw new Error(`ncc failed for ${entry}:\n${err.stderr || err.message}`);
  }
  // ncc emits non-deterministic license/sourcemap files in some versions; keep the bundle only.
  for (const f of readdirSync(outDir))
    if (!['index.js', 'package.json'].includes(f) && !f.endsWith('.js'))
      rmSync(join(outDir, f), { recursive: true });
  if (!existsSync(join(outDir, 'package.json')))
    writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  // CommonJS code inside the ESM bundle (ssh2's emscripten poly1305, used when the native
  // binding was not built) reads the free variables __dirname/__filename, which ES modules
  // lack: without them the action crashes as soon as ssh2 loads. Chunks of lazily imported
  // code (the engines loaded after input validation) are ES modules of their own: each gets them.
  for (const f of readdirSync(outDir).filter((name) => name.endsWith('.js'))) {
    const file = join(outDir, f);
    writeFileSync(file, `${CJS_GLOBALS}${readFileSync(file, 'utf8')}`);
  }
}

const CJS_GLOBALS = [
  "import { dirname as __ragshipDirname } from 'node:path';",
  "import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';",
  'const __filename = __ragshipFileURLToPath(import.meta.url);',
  'const __dirname = __ragshipDirname(__filename);',
  '',
].join('\n');

function sameTree(fresh, committed) {
  if (!existsSync(committed)) return false;
  const a = readdirSync(fresh).sort();
  const b = readdirSync(committed).sort();
  if (a.join('\n') !== b.join('\n')) return false;
  return a.every((f) => readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f))));
}

const sha = (buf) => createHash('sha256').update(buf).digest('hex');

/** Everything besides the sources that shapes a bundle. */
function settingsHash() {
  const parts = [
    'scripts/build-actions.mjs',
    'package-lock.json',
    'tsconfig.json',
    'src/actions/tsconfig.json',
    'node_modules/@vercel/ncc/package.json',
  ];
  return sha(
    parts.map((p) => (existsSync(join(root, p)) ? sha(readFileSync(join(root, p))) : `-${p}`)).join('\n'),
  );
}

/** Files hashed by name, for a dist folder. */
function treeHashes(dir) {
  if (!existsSync(dir)) return undefined;
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, sha(readFileSync(join(dir, f)))]),
  );
}

/** Absolute paths of every module ncc bundled (concatenated modules included). */
function inputsFromStats(statsFile) {
  const files = new Set();
  const walk = (mods) => {
    for (const m of mods ?? []) {
      if (m.nameForCondition?.startsWith('/') && existsSync(m.nameForCondition))
        files.add(m.nameForCondition);
      walk(m.modules);
    }
  };
  walk(JSON.parse(readFileSync(statsFile, 'utf8')).modules);
  return Object.fromEntries([...files].sort().map((f) => [f, sha(readFileSync(f))]));
}

function cached(name) {
  if (!useCache) return undefined;
  try {
    const entry = JSON.parse(readFileSync(join(CACHE, `${name}.json`), 'utf8'));
    if (entry.settings !== settingsHash()) return undefined;
    for (const [file, hash] of Object.entries(entry.inputs))
      if (!existsSync(file) || sha(readFileSync(file)) !== hash) return undefined;
    return entry.bundle;
  } catch {
    return undefined;
  }
}

function remember(name, inputs, bundleHashes) {
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(
    join(CACHE, `${name}.json`),
    JSON.stringify({ settings: settingsHash(), inputs, bundle: bundleHashes }),
  );
}

const sameHashes = (a, b) => !!a && !!b && JSON.stringify(a) === JSON.stringify(b);

async function one(name) {
  const entry = join(root, 'src/actions', `${name}.ts`);
  if (!existsSync(join(root, 'actions', name, 'action.yml')))
    throw new Error(`actions/${name}/action.yml is missing for src/actions/${name}.ts`);
  const dist = join(distRoot, name, 'dist');
  if (check) {
    const known = cached(name);
    if (known) return sameHashes(known, treeHashes(dist)) ? undefined : name;
    const tmp = mkdtempSync(join(tmpdir(), `ragship-dist-${name}-`));
    const statsFile = `${tmp}-stats.json`;
    try {
      await bundle(entry, tmp, statsFile);
      remember(name, inputsFromStats(statsFile), treeHashes(tmp));
      return sameTree(tmp, dist) ? undefined : name;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      rmSync(statsFile, { force: true });
    }
  }
  rmSync(dist, { recursive: true, force: true });
  const statsFile = join(tmpdir(), `ragship-dist-${name}-${process.pid}-stats.json`);
  await bundle(entry, dist, statsFile);
  remember(name, inputsFromStats(statsFile), treeHashes(dist));
  rmSync(statsFile, { force: true });
  console.log(`built actions/${name}/dist`);
  return undefined;
}

async function pool(items, limit, fn) {
  const results = [];
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return results;
}

const stale = (await pool(entries, Math.max(1, availableParallelism()), one)).filter(Boolean);
if (!check && only.length === 0) {
  rmSync(join(root, 'dist/cli'), { recursive: true, force: true });
  await bundle(join(root, 'src/cli/main.ts'), join(root, 'dist/cli'));
  console.log('built dist/cli');
}
if (stale.length) {
  console.error(
    `stale action bundles: ${stale.join(', ')} — run \`npm run build\` and commit actions/*/dist`,
  );
  process.exit(1);
}
if (check) console.log(`action bundles are fresh: ${entries.join(', ') || '(none)'}`);
