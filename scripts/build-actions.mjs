// Bundles every JS action entry (src/actions/<name>.ts) into actions/<name>/dist with ncc,
// and the CLI into dist/cli. `--check` rebuilds into a temp dir and fails on any difference.
//
//   node scripts/build-actions.mjs [name...] [--check] [--dist-root=DIR]
//
// --dist-root compares against DIR/<name>/dist instead of actions/<name>/dist (tests use it to
// prove that a modified bundle is reported stale without touching the committed one).
// Bundles are built in parallel, one ncc per core, transpile-only: type checking is `tsc --noEmit`'s job,
// and one half-finished file elsewhere in the tree must not block every bundle.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const check = args.includes('--check');
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

async function bundle(entry, outDir) {
  try {
    await run(
      join(root, 'node_modules/.bin/ncc'),
      ['build', entry, '-o', outDir, '-q', '--target', 'es2022', '--transpile-only'],
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
  // lack: without them the action crashes as soon as ssh2 loads.
  const index = join(outDir, 'index.js');
  writeFileSync(index, `${CJS_GLOBALS}${readFileSync(index, 'utf8')}`);
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

async function one(name) {
  const entry = join(root, 'src/actions', `${name}.ts`);
  if (!existsSync(join(root, 'actions', name, 'action.yml')))
    throw new Error(`actions/${name}/action.yml is missing for src/actions/${name}.ts`);
  const dist = join(distRoot, name, 'dist');
  if (check) {
    const tmp = mkdtempSync(join(tmpdir(), `ragship-dist-${name}-`));
    try {
      await bundle(entry, tmp);
      return sameTree(tmp, dist) ? undefined : name;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  rmSync(dist, { recursive: true, force: true });
  await bundle(entry, dist);
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
