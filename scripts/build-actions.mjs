// Bundles every JS action entry (src/actions/<name>.ts) into actions/<name>/dist with ncc,
// and the CLI into dist/cli. `--check` rebuilds into a temp dir and fails on any difference.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const entries = readdirSync(join(root, 'src/actions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => only.length === 0 || only.includes(name));

function bundle(entry, outDir) {
  execFileSync(join(root, 'node_modules/.bin/ncc'), ['build', entry, '-o', outDir, '-q', '--target', 'es2022'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  // ncc emits non-deterministic license/sourcemap files in some versions; keep the bundle only.
  for (const f of readdirSync(outDir)) if (!['index.js', 'package.json'].includes(f) && !f.endsWith('.js')) rmSync(join(outDir, f), { recursive: true });
  if (!existsSync(join(outDir, 'package.json'))) writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
}

let stale = [];
for (const name of entries) {
  const entry = join(root, 'src/actions', `${name}.ts`);
  const dist = join(root, 'actions', name, 'dist');
  if (!existsSync(join(root, 'actions', name, 'action.yml'))) throw new Error(`actions/${name}/action.yml is missing for src/actions/${name}.ts`);
  if (check) {
    const tmp = mkdtempSync(join(tmpdir(), `ragship-dist-${name}-`));
    bundle(entry, tmp);
    const same = readdirSync(tmp).every((f) => existsSync(join(dist, f)) && readFileSync(join(tmp, f)).equals(readFileSync(join(dist, f))));
    if (!same) stale.push(name);
    rmSync(tmp, { recursive: true });
  } else {
    rmSync(dist, { recursive: true, force: true });
    bundle(entry, dist);
    console.log(`built actions/${name}/dist`);
  }
}
if (!check && only.length === 0) {
  rmSync(join(root, 'dist/cli'), { recursive: true, force: true });
  bundle(join(root, 'src/cli/main.ts'), join(root, 'dist/cli'));
  console.log('built dist/cli');
}
if (stale.length) {
  console.error(`stale action bundles: ${stale.join(', ')} — run \`npm run build\` and commit actions/*/dist`);
  process.exit(1);
}
