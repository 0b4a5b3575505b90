/**
 * `ragship sleep|wake` against the sandbox "cpu" sshd host and its real Docker engine, through
 * docker-compose v1.29: a tiny compose project (`ragship-ops-dev-web`) laid out on the host as a
 * recorded release (the layout a deploy writes), a file written into its named volume, then
 * sleep (containers stopped, volume kept) and wake (same container running, file still there).
 */
import { posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { UserError } from '../../../src/core/errors.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import type { RemoteHost } from '../../../src/core/remote-host.js';
import { DeployLock } from '../../../src/deploy/lock.js';
import { runSleep } from '../../../src/ops/sleep.js';
import { connectSandboxHost, knownHosts, privateKey, sandbox, sandboxHost } from '../../support/sandbox.js';

const PROJECT = 'ragship-ops-dev-web';
const RELEASE = '20260101T000000Z-ops';
let host: RemoteHost;
let root: string;

const sh = (cmd: string, ...args: string[]) => host.exec(['sh', '-c', cmd, 'sh', ...args]);
const put = (path: string, text: string) =>
  host.exec(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', path], { input: text });

function inputs(environment: string, action: 'sleep' | 'wake') {
  const h = sandboxHost('cpu');
  return {
    config: configSchema.parse({
      app: 'ragship-ops',
      environments: {
        [environment]: {
          root,
          roles: {
            web: {
              hosts: [`${h.user}@${h.host}:${h.port}`],
              health: { compose: true },
              service: 'box',
              compose: ['compose.yaml'],
            },
          },
        },
      },
    }),
    environment,
    action,
    sshPrivateKey: privateKey(),
    knownHosts: knownHosts(),
    fingerprints: [],
  };
}

const state = async () =>
  (
    await host.exec([
      'docker',
      'ps',
      '--all',
      '--filter',
      `label=com.docker.compose.project=${PROJECT}`,
      '--format',
      '{{.ID}} {{.State}}',
    ])
  ).stdout.trim();

beforeAll(async () => {
  host = connectSandboxHost('cpu');
  const home = (await sh('printf %s "$HOME"')).stdout;
  root = posix.join(home, 'ragship-ops-it', 'dev');
  const dir = posix.join(root, 'releases', RELEASE, 'web');
  await sh(
    'rm -rf "$1" && mkdir -p "$2"',
    posix.join(home, 'ragship-ops-it'),
    posix.join(root, 'shared', 'web'),
  );
  await put(
    posix.join(dir, 'compose.yaml'),
    [
      'services:',
      '  box:',
      `    image: ${sandbox().images.debian}`,
      '    command: ["sleep", "infinity"]',
      '    init: true',
      '    volumes: ["data:/data"]',
      'volumes:',
      '  data:',
      '',
    ].join('\n'),
  );
  await put(posix.join(dir, 'env.yaml'), 'services:\n  box:\n    environment:\n      ROLE: web\n');
  await put(posix.join(dir, 'compose.env'), '');
  await put(
    posix.join(dir, 'manifest.json'),
    JSON.stringify({
      releaseId: RELEASE,
      role: 'web',
      image: 'x',
      composeFiles: ['compose.yaml'],
      supportServices: [],
      services: ['box'],
      files: [],
    }),
  );
  const record = {
    id: RELEASE,
    kind: 'deploy',
    app: 'ragship-ops',
    environment: 'dev',
    image: 'x',
    images: {},
    composeHash: '',
    envHash: '',
    actor: 'test',
    result: 'success',
    startedAt: '',
    finishedAt: '',
    timings: {},
  };
  await put(posix.join(root, 'releases.jsonl'), `${JSON.stringify(record)}\n`);
  const files = [
    '--project-name',
    PROJECT,
    '--project-directory',
    posix.join(root, 'shared', 'web'),
    '--file',
    posix.join(dir, 'compose.yaml'),
    '--file',
    posix.join(dir, 'env.yaml'),
  ];
  await host.exec(['docker-compose', ...files, 'down', '--volumes'], { allowFailure: true });
  await host.exec(['docker-compose', ...files, 'up', '-d']);
  const id = (await state()).split(' ')[0]!;
  await host.exec(['docker', 'exec', id, 'sh', '-c', 'echo kept > /data/marker']);
});

afterAll(async () => {
  if (!host) return;
  const ids = (await state())
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
  if (ids.length) await host.exec(['docker', 'rm', '-f', ...ids], { allowFailure: true });
  await host.exec(['docker', 'volume', 'rm', `${PROJECT}_data`], { allowFailure: true });
  await host.exec(['docker', 'network', 'rm', `${PROJECT}_default`], { allowFailure: true });
  await sh('rm -rf "$1"', posix.dirname(root));
  host.close();
});

describe('sleep and wake a dev environment on the sandbox cpu host', () => {
  it('refuses production before opening any connection', async () => {
    await expect(
      runSleep(
        { ...inputs('production', 'sleep') },
        {
          logger: new MemoryLogger(),
          connect: () => {
            throw new Error('connected');
          },
        },
      ),
    ).rejects.toThrow(UserError);
    await expect(runSleep({ ...inputs('prod-eu', 'sleep') }, { logger: new MemoryLogger() })).rejects.toThrow(
      /refusing to sleep "prod-eu"/,
    );
  });

  it('sleep stops the containers and keeps them and their volume; wake starts the same container with its data', async () => {
    const [id, running] = (await state()).split(' ');
    expect(running).toBe('running');

    const slept = await runSleep(inputs('dev', 'sleep'), { logger: new MemoryLogger() });
    expect(slept.projects).toEqual([expect.objectContaining({ role: 'web', project: PROJECT })]);
    expect(slept.report.toString()).toContain('volumes and containers kept');
    expect(await state()).toBe(`${id} exited`);
    expect(
      (await host.exec(['docker', 'volume', 'inspect', `${PROJECT}_data`], { allowFailure: true })).code,
    ).toBe(0);

    const woke = await runSleep(inputs('dev', 'wake'), { logger: new MemoryLogger() });
    expect(woke.releaseId).toBe(RELEASE);
    expect(await state()).toBe(`${id} running`);
    expect((await host.exec(['docker', 'exec', id!, 'cat', '/data/marker'])).stdout.trim()).toBe('kept');
  });

  it('sleep and wake while a deploy holds the deploy lock are refused naming the holder; the containers keep running (issue 17 item 4)', async () => {
    const [id] = (await state()).split(' ');
    const lock = new DeployLock(
      host,
      {
        dir: posix.join(root, 'lock'),
        ttlSeconds: 120,
        waitSeconds: 0,
        runId: 'deploy-run-77',
        actor: 'octocat',
      },
      new MemoryLogger(),
    );
    await lock.acquire();
    try {
      for (const action of ['sleep', 'wake'] as const)
        await expect(runSleep(inputs('dev', action), { logger: new MemoryLogger() })).rejects.toThrow(
          new RegExp(`cannot ${action}: the environment is locked by run deploy-run-77 by octocat`),
        );
      expect(await state()).toBe(`${id} running`);
    } finally {
      await lock.release();
    }
    // Free: sleep takes the lock, stops, and leaves the lock free for the next deploy.
    await runSleep(inputs('dev', 'sleep'), { logger: new MemoryLogger() });
    expect(await state()).toBe(`${id} exited`);
    expect((await host.exec(['test', '-e', posix.join(root, 'lock')], { allowFailure: true })).code).toBe(1);
    await runSleep(inputs('dev', 'wake'), { logger: new MemoryLogger() });
    expect(await state()).toBe(`${id} running`);
  });
});
