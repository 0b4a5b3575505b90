// Issue 17 item 4 (rest): a physical backup and a restore take the environment's deploy lock.
// Real parts: Chroma 1.0.5 in a container on the sandbox engine, driven over SSH as the cpu
// host's deploy user; the lock folder under that user's home, held by the same DeployLock a
// deploy takes (a deploy's run id and actor); s3rver (own instance) as the store.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBackup } from '../../../src/backup/backup.js';
import type { ChromaApi } from '../../../src/backup/chroma-api.js';
import type { EnvLockTarget } from '../../../src/backup/env-lock.js';
import { restoreBackup } from '../../../src/backup/restore.js';
import { BackupStore } from '../../../src/backup/store.js';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { DeployLock } from '../../../src/deploy/lock.js';
import { connectSandboxHost, knownHosts, privateKey, sandboxHost } from '../../support/sandbox.js';
import {
  backupOptions,
  removeChromaContainer,
  type S3Fixture,
  seed,
  startChromaContainer,
  startS3,
} from './support.js';

const CONTAINER = 'ragship-lock17-chroma';
const S3_PORT = 18301;
const CHROMA_PORT = 18302;
const APP = 'ragship-lock17';
const cpu = sandboxHost('cpu');
const HOME = `/home/${cpu.user}`;
const ROOT = `${HOME}/ragship-lock17-it/production`;
const LOCK_DIR = `${ROOT}/lock`;
let s3: S3Fixture;
let chroma: ChromaApi;

const source = () => ({
  host: {
    spec: `${cpu.user}@${cpu.host}:${cpu.port}`,
    privateKey: privateKey(),
    knownHosts: knownHosts(),
    fingerprints: [],
  },
  container: CONTAINER,
  persistPath: '/data',
  chromaPort: 8000,
});

const target = (waitSeconds: number): EnvLockTarget => ({
  hostSpec: `${cpu.user}@${cpu.host}:${cpu.port}`,
  root: ROOT,
  app: APP,
  environment: 'production',
  ttlSeconds: 60,
  waitSeconds,
});

/** Holds the environment's lock as a deploy does (the class runDeploy uses, a deploy's identity). */
async function deployHolds(): Promise<{ lock: DeployLock; close(): void }> {
  const host = connectSandboxHost('cpu');
  const lock = new DeployLock(
    host,
    { dir: LOCK_DIR, ttlSeconds: 120, waitSeconds: 0, runId: 'deploy-run-4242', actor: 'octocat' },
    new MemoryLogger(),
  );
  await lock.acquire();
  return { lock, close: () => host.close() };
}

/** When the container last started: unchanged means nothing stopped or restarted it. */
const startedAt = async () =>
  (
    await execLocal(['docker', 'inspect', '--format', '{{.State.Running}} {{.State.StartedAt}}', CONTAINER])
  ).stdout.trim();

async function manifests(prefix: string): Promise<string[]> {
  const store = new BackupStore(s3.options(prefix), new MemoryLogger());
  return (await store.list('backups')).map((o) => o.key).filter((k) => k.endsWith('manifest.json'));
}

beforeAll(async () => {
  await execLocal(['rm', '-rf', posix.dirname(ROOT)]);
  await execLocal(['install', '-d', '-o', cpu.user, '-g', cpu.user, posix.dirname(ROOT), ROOT]);
  s3 = await startS3(S3_PORT);
  chroma = await startChromaContainer(CONTAINER, CHROMA_PORT);
  await seed(chroma, ['lock-a'], 800, 64);
}, 300_000);

afterAll(async () => {
  await removeChromaContainer(CONTAINER);
  await execLocal(['rm', '-rf', posix.dirname(ROOT)], { allowFailure: true });
  await s3?.close();
}, 120_000);

describe('a physical backup and a restore take the environment deploy lock (issue 17 item 4)', () => {
  test('a backup while a deploy holds the lock is refused naming the holder; Chroma was never stopped; no manifest', async () => {
    const before = await startedAt();
    const holder = await deployHolds();
    try {
      const err = await runBackup(
        backupOptions(source(), s3.options('refused'), { lock: target(0) }),
        new MemoryLogger(),
      ).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(
        /backup .* cannot backup: the environment is locked by run deploy-run-4242 by octocat/,
      );
      expect(await startedAt()).toBe(before);
      await chroma.waitHealthy(5_000);
      expect(await manifests('refused')).toEqual([]);
      // The deploy still owns its lock: the refused backup did not touch it.
      expect(JSON.parse(readFileSync(`${LOCK_DIR}/owner.json`, 'utf8')).runId).toBe('deploy-run-4242');
    } finally {
      await holder.lock.release();
      holder.close();
    }
  }, 180_000);

  test('a backup with lock.wait waits for the deploy, then holds the lock itself while Chroma is down, and releases it', async () => {
    const holder = await deployHolds();
    const logger = new MemoryLogger();
    let ownerWhileLocked: { runId: string } | undefined;
    let downWithLock: boolean | undefined;
    const run = runBackup(
      backupOptions(source(), s3.options('waited'), {
        lock: target(120),
        onLocked: (l) => {
          if (l) ownerWhileLocked = JSON.parse(readFileSync(`${l.dir}/owner.json`, 'utf8'));
        },
        onChromaDown: (down) => {
          if (down) downWithLock = existsSync(`${LOCK_DIR}/owner.json`);
        },
      }),
      logger,
    );
    // Released only once the backup is seen waiting for it: the wait is what is proved.
    const deadline = Date.now() + 60_000;
    while (
      !logger.lines.some((l) => /waiting up to 120 s for the deploy lock held by run deploy-run-4242/.test(l))
    ) {
      if (Date.now() > deadline) throw new Error(`the backup never waited:\n${logger.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await holder.lock.release();
    holder.close();
    const r = await run;
    expect(ownerWhileLocked?.runId).toMatch(/^backup \d/);
    expect(downWithLock).toBe(true);
    expect(await manifests('waited')).toEqual([r.manifestKey]);
    expect(existsSync(LOCK_DIR)).toBe(false);
    await chroma.waitHealthy(30_000);
  }, 300_000);

  test('a restore while a deploy holds the lock is refused before anything stops; Chroma keeps serving its data', async () => {
    const store = s3.options('waited');
    const id = (await manifests('waited'))[0]!.split('/').at(-2)!;
    const before = await startedAt();
    const holder = await deployHolds();
    try {
      const err = await restoreBackup(
        {
          ...backupOptions(source(), store, { lock: target(0) }),
          backupId: id,
          dryRun: false,
          safetyCopy: true,
        },
        new MemoryLogger(),
      ).catch((e: Error) => e);
      expect((err as Error).message).toMatch(
        /restore .* cannot restore: the environment is locked by run deploy-run-4242 by octocat/,
      );
      expect(await startedAt()).toBe(before);
      await chroma.waitHealthy(5_000);
      // No safety copy was taken either: it comes after the lock.
      expect(await manifests('waited')).toHaveLength(1);
    } finally {
      await holder.lock.release();
      holder.close();
    }
    // Free again: the restore runs, holds the lock, and leaves it free.
    const r = await restoreBackup(
      {
        ...backupOptions(source(), store, { lock: target(0) }),
        backupId: id,
        dryRun: false,
        safetyCopy: false,
      },
      new MemoryLogger(),
    );
    expect(r.id).toBe(id);
    expect(existsSync(LOCK_DIR)).toBe(false);
    await chroma.waitHealthy(30_000);
  }, 300_000);

  test.each([
    ['stopping (the stopped-Chroma guard handles the signal)', /▶ stop ragship-lock17-chroma/, true],
    ['streaming the snapshot (Chroma back up; the lock handler)', /▶ stream the snapshot/, true],
    ['streaming with Chroma stopped (the guard)', /▶ stream the persist dir/, false],
  ] as const)(
    'SIGTERM while %s: the lock the backup held is released and Chroma serves',
    async (_phase, at, localSnapshot) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(import.meta.dirname, 'fixtures/cancel-backup.ts'),
          JSON.stringify({
            container: CONTAINER,
            store: s3.options('cancel'),
            localSnapshot,
            lock: target(0),
          }),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
      );
      let out = '';
      let sent = false;
      const onData = (c: Buffer) => {
        out += c;
        if (!sent && at.test(out)) {
          sent = true;
          child.kill('SIGTERM');
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const code = await new Promise<number | null>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 240_000);
        child.on('close', (c) => {
          clearTimeout(t);
          resolve(c);
        });
      });
      expect(out).toMatch(/holding the deploy lock of ragship-lock17\/production for backup/);
      expect(sent, out).toBe(true);
      // Cancelled (143), or the signal came after the backup had released everything itself.
      expect([143, 0], out).toContain(code);
      if (code === 143) expect(out).toMatch(/cancelled \(SIGTERM\)/);
      expect(existsSync(LOCK_DIR), out).toBe(false);
      await chroma.waitHealthy(90_000);
    },
    300_000,
  );
});
