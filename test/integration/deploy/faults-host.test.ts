// Real parts: the sandbox "cpu" sshd (user deploy), its deploy root on a small tmpfs mounted
// for this file (a real disk-full), Docker Engine 20.10 + docker-compose 1.29, the registry,
// nginx; a registry that answers /v2/ and then never answers a manifest (an HTTP server on
// 127.0.0.1). Faults of issue 17: every one leaves the old release serving, the lock free and
// nothing half-written behind. The tests share one app and run in order.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { execLocal } from '../../../src/core/exec.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { dropDuring } from '../../support/ssh-faults.js';
import {
  cleanup,
  deployInputs,
  FIXTURE,
  fixtureConfig,
  fixtureImages,
  get,
  lockHeld,
  logger,
  releaseLog,
  stagingRoot,
} from './fixture.js';

const APP = 'rsdeploy-f2';
const PORT = 18272;
const STALL_PORT = 18274;
const APP_PORT = 18275;
const ROOT = stagingRoot(APP);
const FILLER = `${ROOT}/filler`;
const config = fixtureConfig(APP, PORT);
config.environments.staging!.roles.web!.minFreeDiskGiB = 0; // the tmpfs is 8 MiB
let images: Record<string, string>;
let stall: Server;
const serving = async () => JSON.parse((await get(PORT, '/')).body).version as string;
const releaseDirs = () => readdirSync(`${ROOT}/releases`).sort();
const project = `${APP}-staging-web`;

async function unmount(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const r = await execLocal(['umount', ROOT], { allowFailure: true });
    if (r.code !== 0) break;
  }
}

/** Containers of the app's web project (all states), as "service state" lines. */
async function containers(filter: string[] = []): Promise<string[]> {
  const r = await execLocal([
    'docker',
    'ps',
    '--all',
    '--format',
    '{{.Label "com.docker.compose.service"}} {{.State}}',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    ...filter,
  ]);
  return r.stdout.split('\n').filter(Boolean).sort();
}

async function migrations(): Promise<string[]> {
  const v = await execLocal([
    'docker',
    'volume',
    'inspect',
    '--format',
    '{{.Mountpoint}}',
    `${project}_data`,
  ]);
  return readFileSync(`${v.stdout.trim()}/migrations.log`, 'utf8').split('\n').filter(Boolean);
}

async function until(what: string, f: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  await cleanup(APP);
  await unmount();
  await execLocal(['mkdir', '-p', ROOT]);
  const uid = (await execLocal(['id', '-u', 'deploy'])).stdout.trim();
  const gid = (await execLocal(['id', '-g', 'deploy'])).stdout.trim();
  await execLocal(['mount', '-t', 'tmpfs', '-o', `size=8m,uid=${uid},gid=${gid},mode=0755`, 'tmpfs', ROOT]);
  images = await fixtureImages(['v1', 'v2']);
  await runDeploy(deployInputs(config, images.v1!), { logger: logger() });
  // A registry that stalls: /v2/ answers, a manifest never does (the connection stays open).
  stall = createServer((req, res) => {
    if (req.url === '/v2/') {
      res.writeHead(200, { 'Docker-Distribution-API-Version': 'registry/2.0' });
      res.end('{}');
    }
  });
  await new Promise<void>((r) => stall.listen(STALL_PORT, '127.0.0.1', r));
}, 600_000);

afterAll(async () => {
  stall?.closeAllConnections();
  stall?.close();
  await cleanup(APP);
  await unmount();
});

describe('faults leave the old release serving and nothing half-written', () => {
  it('a host under the disk floor is refused in preflight: no lock taken, no release written, v1 serves', async () => {
    const strict = fixtureConfig(APP, PORT); // minFreeDiskGiB: 1 (the default); the root has 8 MiB
    const before = { log: releaseLog(APP).length, dirs: releaseDirs() };
    await expect(runDeploy(deployInputs(strict, images.v2!), { logger: logger() })).rejects.toThrow(
      /preflight: only 0\.0 GiB free under .*rsdeploy-f2\/staging; the roles need 1 GiB/,
    );
    expect(releaseLog(APP)).toHaveLength(before.log);
    expect(releaseDirs()).toEqual(before.dirs);
    expect(await lockHeld(APP)).toBe(false);
    expect(await serving()).toBe('v1');
  });

  it('the disk fills up during the deploy (ENOSPC): fails saying so, the partial release is removed, v1 serves; with space again it converges', async () => {
    const before = releaseDirs();
    // Leave two pages: the lock fits, the release upload does not.
    const df = await execLocal(['df', '-P', '-B1', ROOT]);
    const avail = Number(df.stdout.trim().split('\n').at(-1)!.split(/\s+/)[3]);
    try {
      await execLocal([
        'dd',
        'if=/dev/zero',
        `of=${FILLER}`,
        'bs=4096',
        `count=${Math.floor(avail / 4096) - 2}`,
      ]);
      const err = await runDeploy(deployInputs(config, images.v2!), { logger: logger() }).catch(
        (e: unknown) => e,
      );
      expect(releaseDirs()).toEqual(before);
      expect(String(err)).toMatch(
        /upload: the release could not be written .*\(disk full: .* KiB free under/,
      );
      expect(String(err)).toMatch(/its partial files were removed, nothing was switched/);
      expect(await lockHeld(APP)).toBe(false);
      expect(await serving()).toBe('v1');
      expect(await containers(['--filter', 'label=com.docker.compose.service=app'])).toEqual(['app running']);
    } finally {
      rmSync(FILLER, { force: true }); // the next tests need the space, whatever happened here
    }
    await runDeploy(deployInputs(config, images.v2!), { logger: logger() });
    expect(await serving()).toBe('v2');
  }, 300_000);

  it('the SSH connection drops during the migration: the migration finishes on the host and its container is removed; v2 serves; a re-run converges', async () => {
    const slow = fixtureConfig(APP, PORT);
    slow.environments.staging!.roles.web!.minFreeDiskGiB = 0;
    slow.environments.staging!.roles.web!.migrate!.command = ['sh', '-c', 'sleep 4 && exec node migrate.js'];
    const connect = dropDuring((argv) => argv.includes('run') && argv.includes('--rm'), 1000);
    const l = logger();
    const err = await runDeploy(deployInputs(slow, images.v1!), { logger: l, connect }).catch(
      (e: unknown) => e,
    );
    expect(connect.outcome).toBeInstanceOf(Error);
    expect(String(err)).toMatch(/connection was lost during the migration/);
    expect(String(err)).toMatch(/migration container finished on the host with status 0 and was removed/);
    expect(await serving()).toBe('v2');
    expect((await migrations()).at(-1)).toBe('v1');
    expect(await containers(['--filter', 'label=com.docker.compose.oneoff=True'])).toEqual([]);
    expect(releaseLog(APP).at(-1)).toMatchObject({ image: images.v1, result: 'failed' });
    expect(await lockHeld(APP)).toBe(false);
    await runDeploy(deployInputs(config, images.v1!), { logger: logger() });
    expect(await serving()).toBe('v1');
  }, 300_000);

  it('a registry that stalls mid-pull: the pull is stopped on the host after its timeout, v1 serves, nothing left running', async () => {
    const stalled = `127.0.0.1:${STALL_PORT}/ragship/stall@sha256:${'a'.repeat(64)}`;
    const started = Date.now();
    await expect(
      runDeploy({ ...deployInputs(config, stalled), pullTimeoutSeconds: 5 }, { logger: logger() }),
    ).rejects.toThrow(/image pull did not finish within 5 s and was stopped; nothing was switched/);
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(await serving()).toBe('v1');
    expect(await lockHeld(APP)).toBe(false);
    await until('no pull of the project on the host', async () => {
      const r = await execLocal(['pgrep', '-f', `${project} .*pull`], { allowFailure: true });
      return r.code !== 0;
    });
  }, 300_000);

  it('a switched service that publishes a host port is refused before any connection (config check), naming the fix', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'ragship-f2-repo-'));
    try {
      cpSync(FIXTURE, repo, { recursive: true });
      const compose = readFileSync(join(repo, 'compose.yaml'), 'utf8');
      const withPort = compose.replace(
        '    volumes: [data:/data]\n  migrate:',
        `    volumes: [data:/data]\n    ports: ["127.0.0.1:${APP_PORT}:3000"]\n  migrate:`,
      );
      expect(withPort).not.toBe(compose);
      writeFileSync(join(repo, 'compose.yaml'), withPort);
      const before = await serving();
      let connects = 0;
      const err = await runDeploy(
        { ...deployInputs(config, images.v2!), repoDir: repo },
        {
          logger: logger(),
          connect: () => {
            connects++;
            throw new Error('must not connect');
          },
        },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(String(err)).toMatch(/publishes host port.*replace ports: with expose:/s);
      expect(connects).toBe(0);
      expect(await serving()).toBe(before);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }, 300_000);

  it('a new container that cannot start (its user does not exist) is removed: only the old one remains and keeps serving', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'ragship-f2-repo-'));
    try {
      cpSync(FIXTURE, repo, { recursive: true });
      const compose = readFileSync(join(repo, 'compose.yaml'), 'utf8');
      const badUser = compose.replace(
        '    volumes: [data:/data]\n  migrate:',
        '    volumes: [data:/data]\n    user: ragship-no-such-user\n  migrate:',
      );
      expect(badUser).not.toBe(compose);
      writeFileSync(join(repo, 'compose.yaml'), badUser);
      // Whichever version the earlier tests left serving, deploy the other one.
      const before = await serving();
      const err = await runDeploy(
        { ...deployInputs(config, before === 'v1' ? images.v2! : images.v1!), repoDir: repo },
        { logger: logger() },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(String(err)).toMatch(/ragship-no-such-user|unable to find user|no matching entries/);
      expect(await serving()).toBe(before);
      expect(await containers(['--filter', 'label=com.docker.compose.service=app'])).toEqual(['app running']);
      expect(await lockHeld(APP)).toBe(false);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }, 300_000);
});
