import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { DeployLock } from '../../../src/deploy/lock.js';
import { activeRelease } from '../../../src/deploy/release-log.js';
import { runDeploy } from '../../../src/deploy/run.js';
import type { ConnectionInputs } from '../../../src/deploy/session.js';
import { runRemove } from '../../../src/operate/remove.js';
import { runStatus } from '../../../src/operate/status.js';
import { connectSandboxHost, sandbox } from '../../support/sandbox.js';
import {
  cleanup,
  deployInputs,
  fixtureConfig,
  fixtureImages,
  fixtureYaml,
  get,
  lockHeld,
  releaseLog,
  stagingRoot,
} from '../deploy/fixture.js';

// Real parts: the sandbox "cpu" sshd host (user deploy), Docker Engine 20.10 and docker-compose
// 1.29 behind it, the registry at localhost:5000, the deploy fixture app + nginx deployed by the
// real deploy, then taken off by ragship remove. Own app name, port and project: no other test
// uses them.
const APP = 'rsremove-it';
const PORT = 18775;
const PROJECT = `${APP}-staging-web`;
const VOLUME = `${PROJECT}_data`;
const ROOT = new URL('../../..', import.meta.url).pathname;
const config = fixtureConfig(APP, PORT);
let images: Record<string, string>;
let conn: ConnectionInputs;
const run = { runId: 'remove-test', actor: 'remove-tester' };

async function projectContainers(): Promise<string[]> {
  const r = await execLocal([
    'docker',
    'ps',
    '-aq',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
  ]);
  return r.stdout.split('\n').filter(Boolean);
}
const volumeExists = async () =>
  (await execLocal(['docker', 'volume', 'inspect', VOLUME], { allowFailure: true })).code === 0;
const networkExists = async () =>
  (await execLocal(['docker', 'network', 'inspect', `${PROJECT}_default`], { allowFailure: true })).code ===
  0;

async function deploy(image: string): Promise<string> {
  return (await runDeploy(deployInputs(config, image), { logger: new MemoryLogger() })).releaseId;
}

beforeAll(async () => {
  await cleanup(APP);
  images = await fixtureImages(['v1', 'v2']);
  const inputs = deployInputs(config, images.v1!);
  conn = {
    config,
    environment: 'staging',
    sshPrivateKey: inputs.sshPrivateKey,
    knownHosts: inputs.knownHosts,
    fingerprints: [],
  };
}, 600_000);
afterAll(() => cleanup(APP), 120_000);

describe('ragship remove on the sandbox cpu host', () => {
  it('an environment with nothing deployed: absent, nothing recorded or created', async () => {
    const r = await runRemove({ ...conn, ...run }, { logger: new MemoryLogger() });
    expect(r.outcome).toBe('absent');
    expect(existsSync(stagingRoot(APP))).toBe(false);
  });

  it('--volumes without the typed confirmation (or a wrong one) is refused before any host is touched', async () => {
    const releaseId = await deploy(images.v1!);
    for (const confirm of [undefined, 'staging', `${APP}-production`]) {
      await expect(
        runRemove({ ...conn, ...run, volumes: true, confirm }, { logger: new MemoryLogger() }),
      ).rejects.toSatisfy((e) => e instanceof ConfigError && (e as Error).message.startsWith('--confirm'));
    }
    expect((await get(PORT, '/health')).status).toBe(200);
    expect(activeRelease(releaseLog(APP))?.id).toBe(releaseId);
  });

  it('a deploy lock held by a running deploy stops the remove: nothing is taken down', async () => {
    const host = connectSandboxHost('cpu');
    const lock = new DeployLock(
      host,
      { dir: `${stagingRoot(APP)}/lock`, ttlSeconds: 120, waitSeconds: 0, runId: 'busy-run', actor: 'busy' },
      new MemoryLogger(),
    );
    await lock.acquire();
    try {
      await expect(runRemove({ ...conn, ...run }, { logger: new MemoryLogger() })).rejects.toThrow(
        /busy-run/,
      );
      expect((await get(PORT, '/health')).status).toBe(200);
      expect(releaseLog(APP).some((r) => r.kind === 'remove')).toBe(false);
    } finally {
      await lock.release();
      host.close();
    }
  });

  it('the whole environment: containers (a one-off too), network, release folders and lock gone; volume kept; recorded; nothing active', async () => {
    // A one-off container left in the project (like an interrupted `ragship exec`) goes as well.
    await execLocal([
      'docker',
      'run',
      '-d',
      '--label',
      `com.docker.compose.project=${PROJECT}`,
      '--label',
      'com.docker.compose.service=app',
      '--label',
      'com.docker.compose.oneoff=True',
      images.v1!,
    ]);
    expect((await projectContainers()).length).toBeGreaterThanOrEqual(3);
    const before = activeRelease(releaseLog(APP))!;
    const r = await runRemove({ ...conn, ...run }, { logger: new MemoryLogger() });
    expect(r.outcome).toBe('removed');
    expect(r.hosts).toHaveLength(1);
    expect(r.hosts[0]).toMatchObject({ role: 'web', project: PROJECT, volumes: [] });
    expect(r.hosts[0]!.containers).toBeGreaterThanOrEqual(3);
    expect(await projectContainers()).toEqual([]);
    expect(await networkExists()).toBe(false);
    expect(await volumeExists()).toBe(true);
    expect(await lockHeld(APP)).toBe(false);
    expect(readdirSync(stagingRoot(APP)).sort()).toEqual(['releases.jsonl']);
    const log = releaseLog(APP);
    expect(log.at(-1)).toMatchObject({
      id: r.recordId,
      kind: 'remove',
      result: 'removed',
      actor: 'remove-tester',
      previous: before.id,
      volumesRemoved: false,
    });
    expect(log.at(-1)!.roles).toBeUndefined();
    expect(activeRelease(log)).toBeUndefined();
    const st = await runStatus(conn, { logger: new MemoryLogger() });
    expect(st.active).toBeUndefined();
    // Deploying again starts from scratch on the kept volume.
    const again = await deploy(images.v2!);
    expect(activeRelease(releaseLog(APP))?.id).toBe(again);
    expect((await get(PORT, '/health')).status).toBe(200);
  });

  it('--role with --volumes and the typed confirmation: the role and its volume gone, recorded with the role', async () => {
    expect(await volumeExists()).toBe(true);
    const r = await runRemove(
      { ...conn, ...run, role: 'web', volumes: true, confirm: `${APP}-staging` },
      { logger: new MemoryLogger() },
    );
    expect(r.outcome).toBe('removed');
    expect(r.hosts[0]!.volumes).toEqual([VOLUME]);
    expect(await projectContainers()).toEqual([]);
    expect(await volumeExists()).toBe(false);
    expect(await lockHeld(APP)).toBe(false);
    expect(existsSync(join(stagingRoot(APP), 'shared', 'web'))).toBe(false);
    const releases = readdirSync(join(stagingRoot(APP), 'releases'));
    for (const id of releases) expect(existsSync(join(stagingRoot(APP), 'releases', id, 'web'))).toBe(false);
    expect(releaseLog(APP).at(-1)).toMatchObject({ kind: 'remove', roles: ['web'], volumesRemoved: true });
  });
});

describe('the ragship CLI process: ragship remove', () => {
  function cli(args: string[], repo: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        join(ROOT, 'node_modules/.bin/tsx'),
        [join(ROOT, 'src/cli/main.ts'), ...args],
        {
          cwd: repo,
          env: { ...process.env, RAGSHIP_SSH_PRIVATE_KEY: '' },
          timeout: 300_000,
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('--volumes without --confirm exits 2 naming --confirm; then remove --json takes the deploy off', async () => {
    await deploy(images.v1!);
    const repo = mkdtempSync(join(tmpdir(), 'rsremove-cli-'));
    writeFileSync(join(repo, 'ragship.yml'), fixtureYaml(APP, PORT));
    const common = [
      '--env',
      'staging',
      '--known-hosts-file',
      sandbox().ssh.knownHostsPath,
      '--ssh-key-file',
      sandbox().ssh.privateKeyPath,
    ];
    const refused = await cli(['remove', ...common, '--volumes'], repo);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--confirm');
    expect((await get(PORT, '/health')).status).toBe(200);
    const done = await cli(['--json', 'remove', ...common], repo);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ outcome: 'removed', roles: ['web'] });
    expect(await projectContainers()).toEqual([]);
  });
});
