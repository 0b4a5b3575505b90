import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sandbox } from '../../support/sandbox.js';

const SCRIPT = new URL('../../../scripts/sandbox', import.meta.url).pathname;

function runSandbox(args: string[], env: Record<string, string> = {}) {
  return spawnSync('bash', [SCRIPT, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
}

describe('scripts/sandbox', () => {
  const otherState = mkdtempSync(join(tmpdir(), 'ragship-other-sandbox-'));
  afterAll(() => rmSync(otherState, { recursive: true, force: true }));

  it('refuses ports held by another checkout’s sandbox, naming the process, instead of reusing it', () => {
    // The running sandbox holds 127.0.0.1:5000; a second state dir (another checkout) must not
    // talk to that registry with its own, different password.
    const r = runSandbox(['up'], { RAGSHIP_SANDBOX_DIR: otherState });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/port 5000 is held by pid [0-9]+ \(.*docker-registry.*\), not by this sandbox/);
    expect(r.stderr).toContain('scripts/sandbox down');
  });

  it('rejects an unknown option of up with exit 2 and names the one it has', () => {
    const r = runSandbox(['up', '--frsh'], { RAGSHIP_SANDBOX_DIR: otherState });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--frsh'; the only one is --fresh");
  });

  it('writes env.json, which holds the registry password, readable by its owner only', () => {
    const mode = statSync(join(sandbox().stateDir, 'env.json')).mode & 0o777;
    expect(mode.toString(8)).toBe('600');
  });

  it('a second up is idempotent: it rebuilds no listed image', () => {
    const r = runSandbox(['up']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/building /);
  });
});
