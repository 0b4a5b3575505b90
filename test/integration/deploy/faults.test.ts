// Real parts: the sandbox "cpu" sshd (its session processes are SIGKILLed to drop a live
// connection, as test/integration/core/remote-host-exec.test.ts does), Docker Engine 20.10,
// docker-compose 1.29, the registry with auth at localhost:5000 (manifest DELETE enabled), nginx.
// One app and one v1 deploy are shared by all tests of this file; they run in order.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError } from '../../../src/core/errors.js';
import { execLocal } from '../../../src/core/exec.js';
import { RemoteHost } from '../../../src/core/remote-host.js';
import type { ReleaseRecord } from '../../../src/deploy/release-log.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { runRollback } from '../../../src/rollback/run.js';
import { sandbox } from '../../support/sandbox.js';
import { dropDuring } from '../../support/ssh-faults.js';
import {
  appContainers,
  cleanup,
  deployInputs,
  fixtureConfig,
  fixtureImages,
  get,
  lockHeld,
  logger,
  REPO,
  releaseLog,
} from './fixture.js';

const APP = 'rsdeploy-fault';
const PORT = 18187;
const GONE = `gone-${process.pid}`;
const config = fixtureConfig(APP, PORT);
let images: Record<string, string>;
const releases = () => releaseLog(APP);
const serving = async () => JSON.parse((await get(PORT, '/')).body).version as string;
const lastOf = (all: ReleaseRecord[], f: (r: ReleaseRecord) => boolean) => all.filter(f).at(-1)!;

/** Deletes an image from the host (every tag and digest) and its manifest from the registry. */
async function pruneEverywhere(ref: string): Promise<void> {
  const { registry } = sandbox();
  const digest = ref.split('@')[1]!;
  for (const r of [`${registry.host}/${REPO}:${GONE}`, ref])
    await execLocal(['docker', 'image', 'rm', r], { allowFailure: true });
  expect((await execLocal(['docker', 'image', 'inspect', ref], { allowFailure: true })).code).not.toBe(0);
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  const r = await fetch(`http://${registry.host}/v2/${REPO}/manifests/${digest}`, {
    method: 'DELETE',
    headers: { authorization: `Basic ${auth}` },
  });
  expect(r.status).toBe(202);
}

beforeAll(async () => {
  await cleanup(APP);
  images = await fixtureImages(['v1', 'v2', GONE]);
  await runDeploy(deployInputs(config, images.v1!), { logger: logger() });
});
afterAll(async () => {
  await cleanup(APP);
  await execLocal(['docker', 'image', 'rm', `${sandbox().registry.host}/${REPO}:${GONE}`], {
    allowFailure: true,
  });
});

describe('SSH connection dropped mid-deploy (sshd session killed)', () => {
  it('during pull: the deploy fails, is never recorded as success, v1 keeps serving; a re-run converges to v2', async () => {
    const connect = dropDuring((argv) => argv.includes('pull') && argv.includes('--file'));
    const err = await runDeploy(deployInputs(config, images.v2!), { logger: logger(), connect }).catch(
      (e: unknown) => e,
    );
    expect(connect.outcome).toBeInstanceOf(CommandError);
    expect(err).toBeInstanceOf(Error);
    expect(await serving()).toBe('v1');
    expect(releases().filter((r) => r.image === images.v2 && r.result === 'success')).toHaveLength(0);
    expect(await lockHeld(APP)).toBe(false);
    const r = await runDeploy(deployInputs(config, images.v2!), { logger: logger() });
    expect(await serving()).toBe('v2');
    expect(releases().at(-1)).toMatchObject({ id: r.releaseId, result: 'success' });
  });

  it('during the switch (new upstream written, nginx -t running): fails, v2 keeps serving, no stray app container; a re-run converges', async () => {
    const connect = dropDuring((argv) => argv.includes('nginx') && argv.includes('-t'));
    const l = logger();
    const err = await runDeploy(deployInputs(config, images[GONE]!), { logger: l, connect }).catch(
      (e: unknown) => e,
    );
    expect(connect.outcome).toBeInstanceOf(CommandError);
    expect(err).toBeInstanceOf(Error);
    expect(l.text()).toMatch(
      /switch failed \([\s\S]*the SSH connection was closed[\s\S]*keeping the old app serving/,
    );
    expect(await serving()).toBe('v2');
    const last = releases().at(-1)!;
    expect(last.image).toBe(images[GONE]);
    expect(last.result).toBe('failed');
    expect(await appContainers(APP)).toHaveLength(1);
    await runDeploy(deployInputs(config, images[GONE]!), { logger: logger() });
    expect(await serving()).toBe(GONE);
  });
});

describe('host keys', () => {
  it('an unknown or mismatched host key aborts before authentication: no key offered, nothing changed', async () => {
    const gpuLines = readFileSync(sandbox().ssh.knownHostsPath, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('[127.0.0.1]:2202 '));
    const variants: Record<string, [string, RegExp]> = {
      // the cpu host is not in known_hosts at all
      unknown: [gpuLines.join('\n'), /unknown host \[127\.0\.0\.1\]:2201: offered .*verify SHA256:/],
      // the cpu host's address with the gpu host's key (another server answering)
      mismatched: [
        gpuLines.map((l) => l.replace('[127.0.0.1]:2202', '[127.0.0.1]:2201')).join('\n'),
        /HOST KEY MISMATCH|host key/i,
      ],
    };
    const before = releases().length;
    for (const [name, [knownHosts, message]] of Object.entries(variants)) {
      const hosts: RemoteHost[] = [];
      const err = await runDeploy(
        { ...deployInputs(config, images.v1!), knownHosts },
        {
          logger: logger(),
          connect: (_s, o) => {
            const h = new RemoteHost(o);
            hosts.push(h);
            return h;
          },
        },
      ).catch((e: unknown) => e);
      expect(String(err), name).toMatch(message);
      expect(hosts, name).toHaveLength(1);
      expect(hosts[0]!.authAttempted, name).toBe(false);
    }
    expect(releases()).toHaveLength(before);
    expect(await lockHeld(APP)).toBe(false);
    expect(await serving()).toBe(GONE);
  });
});

describe('rollback when images are gone', () => {
  it('v2 pruned on the host but in the registry: rollback pulls it by digest and succeeds', async () => {
    const v2 = lastOf(releases(), (r) => r.image === images.v2 && r.result === 'success')!;
    const { registry } = sandbox();
    // Each reference on its own: another app's prune on this shared engine may have dropped one.
    for (const ref of [`${registry.host}/${REPO}:v2`, images.v2!])
      await execLocal(['docker', 'image', 'rm', ref], { allowFailure: true });
    expect(
      (await execLocal(['docker', 'image', 'inspect', images.v2!], { allowFailure: true })).code,
    ).not.toBe(0);
    const l = logger();
    const r = await runRollback({ ...deployInputs(config, images.v1!), to: v2.id }, { logger: l });
    // Other fixture users find v2 by its tag again.
    await execLocal(['docker', 'tag', images.v2!, `${registry.host}/${REPO}:v2`]);
    expect(l.text()).toMatch(/was pruned here; pulling it by digest/);
    expect(r.targetReleaseId).toBe(v2.id);
    expect(await serving()).toBe('v2');
  });

  it('a health failure during rollback returns to the serving release (v2) and records the rollback as failed', async () => {
    const strict = fixtureConfig(APP, PORT);
    strict.environments.staging!.roles.web!.health = {
      ...strict.environments.staging!.roles.web!.health,
      port: 3999, // nothing listens there: the new container never passes the gate
      timeout: 3,
    };
    const l = logger();
    await expect(
      runRollback({ ...deployInputs(strict, images.v1!), to: 'previous' }, { logger: l }),
    ).rejects.toThrow(/did not turn healthy within 3 s/);
    expect(await serving()).toBe('v2');
    expect(releases().at(-1)).toMatchObject({ kind: 'rollback', result: 'failed' });
    expect(await lockHeld(APP)).toBe(false);
  });

  it('pruned on the host and in the registry: a clear failure listing the valid ids, v2 keeps serving', async () => {
    const gone = lastOf(releases(), (r) => r.image === images[GONE] && r.result === 'success')!;
    const v2 = lastOf(releases(), (r) => r.image === images.v2 && r.result === 'success')!;
    await pruneEverywhere(images[GONE]!);
    const before = releases().length;
    const err = (await runRollback(
      { ...deployInputs(config, images.v1!), to: gone.id },
      { logger: logger() },
    ).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/is neither on .* nor pullable from the registry/);
    expect(err.message).toMatch(/nothing was switched; roll back to one of: /);
    const listed = err.message.slice(err.message.indexOf('roll back to one of:'));
    expect(listed).toContain(v2.id);
    expect(listed).not.toContain(gone.id);
    expect(releases()).toHaveLength(before);
    expect(await serving()).toBe('v2');
    expect(await lockHeld(APP)).toBe(false);
  });
});
