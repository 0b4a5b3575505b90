// Issue 17 item 9 (b), on real parts: Chroma 1.0.5 in a container on the sandbox engine driven
// over SSH as the cpu host's deploy user, s3rver (own instance), and the runner's temp dir on a
// 512 KiB tmpfs (TMPDIR). A physical backup streams to the store without touching the runner's
// disk; the restore drill after it (the backup job's verify) is what writes there. With the temp
// dir too small: the job fails saying so, production Chroma serves, the drill's files are
// removed, the backup is not marked verified (so retention, which runs only after a verify, does not).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChromaApi } from '../../../src/backup/chroma-api.js';
import { runBackupJob } from '../../../src/backup/job.js';
import { BackupStore } from '../../../src/backup/store.js';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { knownHosts, privateKey, sandboxHost } from '../../support/sandbox.js';
import {
  backupOptions,
  removeChromaContainer,
  type S3Fixture,
  seed,
  startChromaContainer,
  startS3,
} from './support.js';

const CONTAINER = 'ragship-disk17-chroma';
const S3_PORT = 18311;
const CHROMA_PORT = 18312;
const SMALL = `/tmp/ragship-f17-smalltmp-${process.pid}`;
const cpu = sandboxHost('cpu');
let s3: S3Fixture;
let chroma: ChromaApi;
let mounted = false;
const savedTmp = process.env.TMPDIR;

beforeAll(async () => {
  mkdirSync(SMALL, { recursive: true });
  await execLocal(['mount', '-t', 'tmpfs', '-o', 'size=512k,mode=1777', 'tmpfs', SMALL]);
  mounted = true;
  s3 = await startS3(S3_PORT);
  chroma = await startChromaContainer(CONTAINER, CHROMA_PORT);
  await seed(chroma, ['disk-a'], 1000, 64);
}, 300_000);

afterAll(async () => {
  process.env.TMPDIR = savedTmp;
  if (savedTmp === undefined) delete process.env.TMPDIR;
  if (mounted) await execLocal(['umount', SMALL], { allowFailure: true });
  rmSync(SMALL, { recursive: true, force: true });
  await removeChromaContainer(CONTAINER);
  await s3?.close();
}, 120_000);

describe('the runner temp dir full during a backup job (issue 17 item 9)', () => {
  test('the drill is refused saying how much is free and needed; Chroma serves; no file left in the temp dir; the backup is not marked verified', async () => {
    process.env.TMPDIR = SMALL;
    const logger = new MemoryLogger();
    const err = await runBackupJob(
      {
        ...backupOptions(
          {
            host: {
              spec: `${cpu.user}@${cpu.host}:${cpu.port}`,
              privateKey: privateKey(),
              knownHosts: knownHosts(),
              fingerprints: [],
            },
            container: CONTAINER,
            persistPath: '/data',
            chromaPort: 8000,
          },
          s3.options('full'),
        ),
        verify: true,
        retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
        alert: {},
      },
      logger,
    ).catch((e: Error) => e);
    process.env.TMPDIR = savedTmp;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      new RegExp(
        `restore drill: [0-9.]+ MB free under ${SMALL}/ragship-verify-\\S+, the restored data needs [0-9.]+ MB`,
      ),
    );
    await chroma.waitHealthy(30_000);
    expect(readdirSync(SMALL)).toEqual([]);
    const store = new BackupStore(s3.options('full'), new MemoryLogger());
    const keys = (await store.list('backups')).map((o) => o.key);
    // The backup itself streamed to the store (no runner disk) and is committed; never verified.
    expect(keys.filter((k) => k.endsWith('manifest.json'))).toHaveLength(1);
    expect(keys.filter((k) => /verified/.test(k))).toEqual([]);
  }, 300_000);
});
