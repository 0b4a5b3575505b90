// Real parts: the sandbox "cpu" sshd (user deploy, one SSH connection per contender), its
// shell and flock, Docker Engine 20.10 + docker-compose 1.29, the registry, nginx.
// The deploy lock must have exactly one owner whatever the interleaving (issue 17, item 4).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { RemoteHost } from '../../../src/core/remote-host.js';
import { DeployLock } from '../../../src/deploy/lock.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { connectSandboxHost } from '../../support/sandbox.js';
import {
  cleanup,
  deployInputs,
  fixtureConfig,
  fixtureImages,
  get,
  lockHeld,
  logger,
  releaseLog,
  stagingRoot,
} from './fixture.js';

const APP = 'rsdeploy-lock';
const PORT = 18271;
const ROOT = stagingRoot(APP);
const config = fixtureConfig(APP, PORT);
let images: Record<string, string>;
const hosts: RemoteHost[] = [];
const open = () => {
  const h = connectSandboxHost('cpu', { connectTimeoutMs: 30_000 });
  hosts.push(h);
  return h;
};
let admin: RemoteHost;
const serving = async () => JSON.parse((await get(PORT, '/')).body).version as string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The migrations the fixture app's migrate service recorded in its volume. */
async function migrations(): Promise<string> {
  const v = await execLocal([
    'docker',
    'volume',
    'inspect',
    '--format',
    '{{.Mountpoint}}',
    `${APP}-staging-web_data`,
  ]);
  return readFileSync(`${v.stdout.trim()}/migrations.log`, 'utf8');
}

/** A lock dir of its own per test, under the app's deploy root on the host. */
let n = 0;
async function freshDir(): Promise<string> {
  const dir = `${ROOT}/race-${++n}/lock`;
  await admin.exec(['mkdir', '-p', `${ROOT}/race-${n}`]);
  return dir;
}
const ownerOf = async (dir: string) =>
  JSON.parse((await admin.exec(['cat', `${dir}/owner.json`])).stdout) as { token: string; runId: string };
const lockOn = (host: RemoteHost, dir: string, runId: string, ttlSeconds = 60, l = new MemoryLogger()) =>
  new DeployLock(host, { dir, ttlSeconds, waitSeconds: 0, runId, actor: 'vitest' }, l);
async function staleLock(dir: string): Promise<void> {
  const expired = Math.floor(Date.now() / 1000) - 100;
  await admin.exec(['sh', '-c', 'mkdir "$1" && cat > "$1/owner.json"', 'sh', dir], {
    input: `{"token":"0000dead","runId":"killed-run","actor":"bob","acquiredAt":"x","expiresAt":${expired}}`,
  });
}

beforeAll(async () => {
  await cleanup(APP);
  admin = open();
  images = await fixtureImages(['v1', 'v2']);
  await runDeploy(deployInputs(config, images.v1!), { logger: logger() });
}, 600_000);
afterAll(async () => {
  for (const h of hosts) h.close();
  await cleanup(APP);
});

describe('the deploy lock on a real host has one owner whatever the interleaving', () => {
  it('eight runs on eight SSH connections race for a free lock: exactly one wins, the others name it', async () => {
    const dir = await freshDir();
    const runs = Array.from({ length: 8 }, (_, i) => lockOn(open(), dir, `racer-${i}`));
    const results = await Promise.allSettled(runs.map((r) => r.acquire()));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    const winner = `racer-${won[0]}`;
    expect((await ownerOf(dir)).runId).toBe(winner);
    for (const r of results)
      if (r.status === 'rejected') expect(String(r.reason)).toMatch(new RegExp(`locked by run ${winner} `));
    for (const r of runs) await r.release();
    expect((await admin.exec(['test', '-e', dir], { allowFailure: true })).code).not.toBe(0);
  });

  it('a stale lock, a fast taker and a slow one (each of its commands 1.5 s late): exactly one owns it', async () => {
    const dir = await freshDir();
    await staleLock(dir);
    // The slow taker's commands after its first one lag (a loaded runner, a slow link): with a
    // read-then-move takeover it moved the fast taker's fresh lock aside and both "won".
    const slowHost = open();
    const exec = slowHost.exec.bind(slowHost);
    let calls = 0;
    slowHost.exec = (async (argv, o) => {
      if (calls++ > 0) await sleep(1500);
      return exec(argv, o);
    }) as RemoteHost['exec'];
    const fast = lockOn(open(), dir, 'fast');
    const slow = lockOn(slowHost, dir, 'slow');
    const results = await Promise.allSettled([slow.acquire(), sleep(300).then(() => fast.acquire())]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const winner = results[0]!.status === 'fulfilled' ? 'slow' : 'fast';
    expect((await ownerOf(dir)).runId).toBe(winner);
    await fast.release();
    await slow.release();
  });

  it('a takeover while the old owner’s heartbeat is alive: the old heartbeat never rewrites the lock, the old owner stops', async () => {
    const dir = await freshDir();
    const oldHost = open();
    const exec = oldHost.exec.bind(oldHost);
    let partitioned = false;
    oldHost.exec = (async (argv, o) => {
      if (partitioned) throw new Error('network partition (test)');
      return exec(argv, o);
    }) as RemoteHost['exec'];
    const lo = new MemoryLogger();
    const old = lockOn(oldHost, dir, 'old-owner', 3, lo); // heartbeat every 1 s
    await old.acquire();
    partitioned = true; // the heartbeat cannot reach the host: the lock expires
    await sleep(5000);
    const l = new MemoryLogger();
    const fresh = lockOn(open(), dir, 'new-owner', 60, l);
    const { token } = await fresh.acquire();
    expect(l.text()).toMatch(/taking over a stale deploy lock held by run old-owner/);
    partitioned = false; // the old owner is back; its heartbeat ticks again (≥ 3 times)
    await sleep(4000);
    expect(await ownerOf(dir)).toMatchObject({ token, runId: 'new-owner' });
    await expect(old.assertHeld()).rejects.toThrow(
      /no longer holds the deploy lock: it is held by run new-owner/,
    );
    expect(lo.text()).toMatch(/lost the deploy lock to run new-owner/);
    expect(await old.release()).toBe(false);
    expect((await ownerOf(dir)).token).toBe(token);
    expect(await fresh.release()).toBe(true);
  }, 60_000);
});

describe('deploys racing each other', () => {
  it('two real deploys started together: one deploys, the other fails naming it and changes nothing', async () => {
    const before = releaseLog(APP).length;
    const a = deployInputs(config, images.v2!);
    const b = { ...deployInputs(config, images.v2!), runId: `${a.runId}-b` };
    const results = await Promise.allSettled([
      runDeploy(a, { logger: logger() }),
      runDeploy(b, { logger: logger() }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    const winner = results[0]!.status === 'fulfilled' ? a.runId : b.runId;
    expect(String(failed[0]!.reason)).toMatch(new RegExp(`locked by run ${winner} `));
    const added = releaseLog(APP).slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ result: 'success', image: images.v2 });
    expect(await serving()).toBe('v2');
    expect(await lockHeld(APP)).toBe(false);
  }, 600_000);

  it('a deploy whose lock is taken over mid-run (during pull) stops before migrate: v2 serves, the new owner keeps the lock', async () => {
    const connect: NonNullable<Parameters<typeof runDeploy>[1]['connect']> = (_spec, options) => {
      const host = new RemoteHost(options);
      hosts.push(host);
      const exec = host.exec.bind(host);
      let armed = true;
      host.exec = (async (argv, o) => {
        if (armed && argv.includes('pull') && argv.includes('--file')) {
          armed = false;
          // The lock expired under this run (a partition longer than lock.ttl) and another run took it.
          await admin.exec(
            ['sh', '-c', 'cat > "$1.tmp" && mv "$1.tmp" "$1"', 'sh', `${ROOT}/lock/owner.json`],
            {
              input: `{"token":"0000beef","runId":"other-run","actor":"alice","acquiredAt":"x","expiresAt":${Math.floor(Date.now() / 1000) + 600}}`,
            },
          );
        }
        return exec(argv, o);
      }) as RemoteHost['exec'];
      return host;
    };
    const migrationsBefore = await migrations();
    await expect(runDeploy(deployInputs(config, images.v1!), { logger: logger(), connect })).rejects.toThrow(
      /no longer holds the deploy lock: it is held by run other-run/,
    );
    expect(await serving()).toBe('v2');
    expect(releaseLog(APP).at(-1)).toMatchObject({ image: images.v1, result: 'failed' });
    expect((await ownerOf(`${ROOT}/lock`)).runId).toBe('other-run');
    expect(await migrations()).toBe(migrationsBefore);
    await admin.exec(['rm', '-rf', `${ROOT}/lock`]);
  }, 600_000);
});
