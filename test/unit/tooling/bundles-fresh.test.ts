import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'ragship-core-bundles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function buildActions(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'scripts/build-actions.mjs'), ...args],
      { cwd: ROOT, maxBuffer: 16 << 20 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// ncc is CPU-heavy: the checks run side by side, the staleness proof compares only host-check
// against a temp copy (the committed dist is never touched), and build-actions caches verdicts
// by the hashes of the exact files each bundle was built from.
describe.concurrent('committed action bundles (node scripts/build-actions.mjs --check)', () => {
  it('every actions/*/dist is what the sources build today', async () => {
    const r = await buildActions(['--check']);
    expect(r.code, r.stderr).toBe(0);
    const entries = readdirSync(join(ROOT, 'src/actions')).filter((f) => f.endsWith('.ts'));
    expect(r.stdout).toContain('action bundles are fresh');
    for (const e of entries) expect(r.stdout).toContain(e.replace(/\.ts$/, ''));
  }, 600_000);

  it('a bundle differing by one byte is reported stale with exit 1', async () => {
    const copy = join(scratch, 'host-check', 'dist');
    cpSync(join(ROOT, 'actions/host-check/dist'), copy, { recursive: true });
    const index = join(copy, 'index.js');
    const bytes = readFileSync(index);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at] === 0x20 ? 0x09 : 0x20;
    writeFileSync(index, bytes);
    const r = await buildActions(['--check', 'host-check', `--dist-root=${scratch}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stale action bundles: host-check — run `npm run build`/);
    // The committed bundle is untouched.
    expect(readFileSync(join(ROOT, 'actions/host-check/dist/index.js')).equals(readFileSync(index))).toBe(
      false,
    );
  }, 600_000);

  it('the check cache is keyed by the very files ncc bundled, so editing any of them forces a rebuild', async () => {
    await buildActions(['--check', 'host-check']); // fills the cache if it was empty
    const entry = JSON.parse(
      readFileSync(join(ROOT, 'node_modules/.cache/ragship-build-actions/host-check.json'), 'utf8'),
    );
    const inputs = Object.keys(entry.inputs);
    for (const f of [
      'src/actions/host-check.ts',
      'src/core/remote-host.ts',
      'src/core/known-hosts.ts',
      'src/github/run-action.ts',
    ]) {
      expect(inputs).toContain(join(ROOT, f));
    }
    expect(inputs.some((f) => f.includes('/node_modules/ssh2/'))).toBe(true);
    // The bundle: the entry, its package.json and the chunks of the lazily loaded engine.
    expect(Object.keys(entry.bundle).sort()).toEqual(
      readdirSync(join(ROOT, 'actions/host-check/dist')).sort(),
    );
    expect(Object.keys(entry.bundle)).toEqual(expect.arrayContaining(['index.js', 'package.json']));
    expect(
      Object.keys(entry.bundle).filter((f) => !['index.js', 'package.json'].includes(f)).length,
    ).toBeGreaterThan(0);
  }, 600_000);
});
