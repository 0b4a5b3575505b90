// Issue 17 item 9 (a), on real parts: the sandbox "cpu" sshd (user deploy), its Docker Engine and
// the registry with auth. Preflight's disk floor counts the images the host still has to pull
// (their registry layer sizes, read by the host's `docker manifest inspect`) plus minFreeDiskGiB,
// on the filesystem of Docker's root dir. The image is one of our own, pushed and then removed
// from the engine, with a 128 MiB incompressible layer; the margin is set so that the old floor
// (the margin alone) would pass and the image makes the difference.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execLocal } from '../../../src/core/exec.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { sandbox, sandboxHost } from '../../support/sandbox.js';
import { cleanup, deployInputs, fixtureConfig, lockHeld, logger, stagingRoot } from './fixture.js';

const APP = 'rsf17-disk';
const PORT = 18308;
const MiB = 2 ** 20;
const BLOB = 128 * MiB;
const cpu = sandboxHost('cpu');
let dir: string;
let image: string;

async function dockerRootFree(): Promise<number> {
  const root = (await execLocal(['docker', 'info', '--format', '{{.DockerRootDir}}'])).stdout.trim();
  const df = await execLocal(['df', '-P', '-k', root]);
  return Number(df.stdout.trim().split('\n').at(-1)!.split(/\s+/)[3]) * 1024;
}

beforeAll(async () => {
  await cleanup(APP);
  const { registry } = sandbox();
  dir = mkdtempSync(join(tmpdir(), 'ragship-blob-'));
  writeFileSync(join(dir, 'blob'), randomBytes(BLOB));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY blob /blob\n');
  const tag = `${registry.host}/ragship-disk17/blob:${process.pid}`;
  await execLocal(['docker', 'login', '--username', registry.username, '--password-stdin', registry.host], {
    input: registry.password,
  });
  await execLocal(['docker', 'build', '-q', '-t', tag, dir]);
  const push = await execLocal(['docker', 'push', tag]);
  const sha = /digest: (sha256:[a-f0-9]{64})/.exec(push.stdout)?.[1];
  if (!sha) throw new Error(`no digest in push output: ${push.stdout}`);
  image = `${registry.host}/ragship-disk17/blob@${sha}`;
  // Only in the registry now: the host has to pull it.
  await execLocal(['docker', 'rmi', tag]);
}, 300_000);
afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await cleanup(APP);
}, 120_000);

describe('preflight refuses a host without disk for the images it has to pull (issue 17 item 9)', () => {
  it('free disk above minFreeDiskGiB but below the pull + margin: refused naming host, free and needed; nothing pulled, no lock, no release', async () => {
    expect((await execLocal(['docker', 'image', 'inspect', image], { allowFailure: true })).code).not.toBe(0);
    const config = fixtureConfig(APP, PORT);
    // The old floor (this margin alone) passes with BLOB to spare; the pull needs 2 × BLOB more.
    config.environments.staging!.roles.web!.minFreeDiskGiB = ((await dockerRootFree()) - BLOB) / 2 ** 30;
    const l = logger();
    const err = await runDeploy(deployInputs(config, image), { logger: l }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      new RegExp(
        `${cpu.user}@${cpu.host}:${cpu.port} preflight: [0-9.]+ GiB free under \\S+, [0-9.]+ GiB needed: 1 image\\(s\\) to pull of 0\\.1[23] GiB`,
      ),
    );
    const [, free, needed] = /([0-9.]+) GiB free under \S+, ([0-9.]+) GiB needed/.exec(
      (err as Error).message,
    )!;
    expect(Number(needed)).toBeGreaterThan(Number(free));
    expect((await execLocal(['docker', 'image', 'inspect', image], { allowFailure: true })).code).not.toBe(0);
    expect(await lockHeld(APP)).toBe(false);
    expect(
      (
        await execLocal(['sh', '-c', 'ls -A "$1/releases" 2>/dev/null', 'sh', stagingRoot(APP)], {
          allowFailure: true,
        })
      ).stdout.trim(),
    ).toBe('');
  }, 300_000);
});
