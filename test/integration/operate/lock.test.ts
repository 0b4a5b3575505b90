import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { lockOperation } from '../../../src/deploy/lock.js';
import { runDeploy } from '../../../src/deploy/run.js';
import type { ConnectionInputs } from '../../../src/deploy/session.js';
import { runLockRelease, runLockStatus } from '../../../src/operate/lock.js';
import { connectSandboxHost, sandbox } from '../../support/sandbox.js';
import {
  cleanup,
  deployInputs,
  fixtureConfig,
  fixtureImages,
  fixtureYaml,
  releaseLog,
  stagingRoot,
} from '../deploy/fixture.js';

// `ragship lock status|release`: a lock left by a run that is gone (a killed runner) is seen with
// its holder and freed by hand, with a reason kept on the host, instead of waiting out its TTL.
const APP = 'rslock-it';
const PORT = 18773;
const ROOT = new URL('../../..', import.meta.url).pathname;
const config = fixtureConfig(APP, PORT);
const lockDir = () => `${stagingRoot(APP)}/lock`;
let image: string;
let conn: ConnectionInputs;

/** A lock taken as a deploy takes it, by a run that then disappears (no heartbeat, no release). */
async function leaveLockOfGoneRun(): Promise<void> {
  const host = connectSandboxHost('cpu');
  try {
    const token = 'a1b2c3d4e5f60718293a4b5c';
    const head = JSON.stringify({ token, runId: 'run-gone-42', actor: 'ci-bot' }).slice(0, -1);
    const r = await lockOperation(host, 'acquire', lockDir(), token, 1800, head);
    expect(r.state).toBe('acquired');
  } finally {
    host.close();
  }
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const repo = mkdtempSync(join(tmpdir(), 'ragship-lock-it-'));
  writeFileSync(join(repo, 'ragship.yml'), fixtureYaml(APP, PORT));
  const ssh = [
    '--ssh-key-file',
    sandbox().ssh.privateKeyPath,
    '--known-hosts-file',
    sandbox().ssh.knownHostsPath,
  ];
  return new Promise((resolve) =>
    execFile(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'src/cli/main.ts'), ...args, ...ssh],
      { cwd: repo, env: { ...process.env, RAGSHIP_SSH_PRIVATE_KEY: '', GITHUB_ACTOR: 'oncall-ana' } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

beforeAll(async () => {
  await cleanup(APP);
  image = (await fixtureImages(['v1'])).v1!;
  const d = deployInputs(config, image);
  conn = {
    config,
    environment: 'staging',
    sshPrivateKey: d.sshPrivateKey,
    knownHosts: d.knownHosts,
    fingerprints: [],
  };
  await runDeploy(d, { logger: new MemoryLogger() });
});
afterAll(() => cleanup(APP));

describe('ragship lock status | release', () => {
  it('status names the holder of a lock whose run is gone, never its token', async () => {
    await leaveLockOfGoneRun();
    const r = await runLockStatus(conn, { logger: new MemoryLogger() });
    expect(r).toMatchObject({ held: true, stale: false, owner: { runId: 'run-gone-42', actor: 'ci-bot' } });
    expect(JSON.stringify(r)).not.toContain('a1b2c3d4e5f60718293a4b5c');
    expect(r.report.toString()).toContain('run run-gone-42 by ci-bot');
  });

  it('release without --force or without --reason exits 2 naming the flag, and the lock stays', async () => {
    const noForce = await cli(['lock', 'release', '--env', 'staging', '--reason', 'runner died']);
    expect(noForce.code).toBe(2);
    expect(noForce.stderr).toMatch(/--force.*is required/);
    const noReason = await cli(['lock', 'release', '--env', 'staging', '--force']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason.*is required/);
    expect(existsSync(lockDir())).toBe(true);
  });

  it('release --force --reason frees it, records who, why and whose lock on the host; the next deploy runs at once', async () => {
    const r = await cli([
      '--json',
      'lock',
      'release',
      '--env',
      'staging',
      '--force',
      '--reason',
      'runner died in deploy 42',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'released', previous: { runId: 'run-gone-42' } });
    expect(existsSync(lockDir())).toBe(false);
    const audit = readFileSync(`${stagingRoot(APP)}/lock-releases.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(audit.at(-1)).toMatchObject({
      by: 'oncall-ana',
      reason: 'runner died in deploy 42',
      holder: { runId: 'run-gone-42', actor: 'ci-bot' },
    });
    // The release log (where the deploys around it are) has it too: who, why, when, whose lock.
    const before = Date.now();
    const rec = releaseLog(APP).at(-1)!;
    expect(rec).toMatchObject({
      kind: 'lock-release',
      result: 'lock-released',
      actor: 'oncall-ana',
      reason: 'runner died in deploy 42',
      lockHolder: { runId: 'run-gone-42', actor: 'ci-bot' },
      environment: 'staging',
    });
    // `when` is the host's clock (the same machine here): within the last few minutes.
    expect(Math.abs(before - Date.parse(rec.finishedAt))).toBeLessThan(5 * 60_000);
    expect(JSON.stringify(rec)).not.toContain('a1b2c3d4e5f60718293a4b5c');
    // lock.wait is 0 in the fixture: a held lock would fail this deploy at once.
    const again = await runDeploy(deployInputs(config, image), { logger: new MemoryLogger() });
    expect(again.releaseId).toBeTruthy();
  });

  it('release with no lock says so and changes nothing', async () => {
    const r = await runLockRelease({ ...conn, reason: 'check', actor: 'me' }, { logger: new MemoryLogger() });
    expect(r.outcome).toBe('absent');
  });
});
