/**
 * Backup benchmark, on real parts: a Chroma 1.0.5 container on the sandbox engine driven over
 * SSH as the cpu host's deploy user, an s3rver (own instance), the restore drill's Chroma on
 * this machine. For each data size, in the same run, on the same persist dir:
 *   - end-to-end physical backup (API summary, stop, local snapshot on the host, restart +
 *     heartbeat, docker cp of the snapshot over SSH, per-file SHA-256, zstd -3, age, S3
 *     multipart, manifest): MB/s, Chroma's downtime and the local copy's time, peak RSS;
 *   - the stock-tool pipeline with the same compression and cipher: `docker cp … - | zstd -3
 *     -T0 | age -r … > file` (local, no SSH, no upload, Chroma stopped), and the ratio;
 *   - restore-and-verify seconds (download, hashes, decrypt, boot, compare, restart, query).
 * The backup runs twice per size: zstd on the host (what ragship picks when the host has the
 * CLI) and zstd on this machine (the fallback), so the choice is measured.
 * BENCH_BACKUP_RECORDS: comma-separated records per collection, one data size each
 * (default 3000 ≈ 40 MB of persist dir at dimension 256).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBackup } from '../src/backup/backup.js';
import { BackupStore } from '../src/backup/store.js';
import { verifyBackup } from '../src/backup/verify.js';
import { execLocal } from '../src/core/exec.js';
import { MemoryLogger } from '../src/core/logger.js';
import {
  removeChromaContainer,
  seed,
  startChromaContainer,
  startS3,
} from '../test/integration/backup/support.js';
import { connectSandboxHost } from '../test/support/sandbox.js';

const CONTAINER = 'ragship-backup-bench';
const COLLECTIONS = ['bench-a', 'bench-b', 'bench-c'];
const SIZES = (process.env.BENCH_BACKUP_RECORDS ?? '3000').split(',').map(Number);
const DIM = Number(process.env.BENCH_BACKUP_DIM ?? 256);

/** `docker cp | zstd | age` through Debian's CLIs, into a file; bytes counted by `wc -c`. */
async function stockPipeline(file: string, recipient: string): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now();
  const script = `set -euo pipefail; docker cp "$1":/data - | tee >(wc -c > "$2.count") | zstd -3 -T0 -q -c | age -r "$3" > "$2"`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', ['-c', script, 'bash', CONTAINER, file, recipient], { stdio: 'inherit' });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`stock pipeline exited ${code}`)),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  const { readFileSync } = await import('node:fs');
  return { seconds, bytes: Number(readFileSync(`${file}.count`, 'utf8').trim()) };
}

/** Peak RSS of this process while `fn` runs (sampled every 50 ms). */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakRssMB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  try {
    const value = await fn();
    return { value, peakRssMB: +(Math.max(peak, process.memoryUsage.rss()) / 2 ** 20).toFixed(1) };
  } finally {
    clearInterval(timer);
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const logger = new MemoryLogger({ debug: false });
  const s3 = await startS3(18240);
  const host = connectSandboxHost('cpu', { logger });
  const work = mkdtempSync(join(tmpdir(), 'ragship-backup-bench-'));
  await execLocal(['age-keygen', '-o', join(work, 'key.txt')]);
  const recipient = (await execLocal(['age-keygen', '-y', join(work, 'key.txt')])).stdout.trim();
  const identities = [(await execLocal(['grep', '^AGE-SECRET-KEY-', join(work, 'key.txt')])).stdout.trim()];
  const sizes: Record<string, unknown>[] = [];
  try {
    for (const perCollection of SIZES) {
      const api = await startChromaContainer(CONTAINER, 18241);
      await seed(api, COLLECTIONS, perCollection, DIM);
      const store = s3.options(`bench-${perCollection}`);
      const backupWith = (hostCompression: boolean) =>
        peakRss(() =>
          runBackup(
            {
              environment: 'bench',
              mode: 'physical',
              source: { container: CONTAINER, persistPath: '/data', chromaPort: 8000 },
              store,
              passphrase: '',
              recipients: [recipient],
              minSizeBytes: 1024,
              maxSizeBytes: 100 * 1024 ** 3,
              stopTimeoutSeconds: 60,
              healthTimeoutSeconds: 60,
              onDrift: 'fail',
              pageSize: 1000,
              hostCompression,
            },
            logger,
            host,
          ),
        );
      // Both ways on the same data in the same run: zstd on the host (chosen when the host has
      // the CLI) and on this machine (the fallback), each with its peak RSS.
      const { value: local, peakRssMB: localPeakRssMB } = await backupWith(false);
      const { value: backup, peakRssMB } = await backupWith(true);
      const m = backup.manifest;
      const lm = local.manifest;
      const lmb = lm.archive.plainBytes / 1e6;
      const lStream = lm.durationMs / 1000 - (lm.downtimeMs ?? 0) / 1000;
      // The stock pipeline reads the same persist dir (Chroma stopped, as in the backup's copy).
      await execLocal(['docker', 'stop', '--time', '60', CONTAINER]);
      const stock = await stockPipeline(join(work, 'stock.tar.zst.age'), recipient);
      await execLocal(['docker', 'start', CONTAINER]);
      const stockStored = statSync(join(work, 'stock.tar.zst.age')).size;
      rmSync(join(work, 'stock.tar.zst.age'), { force: true });
      const verify = await verifyBackup(
        new BackupStore(store, logger),
        m.id,
        { passphrase: '', identities, record: true, port: 18242 },
        logger,
      );
      const mb = m.archive.plainBytes / 1e6;
      const backupSeconds = m.durationMs / 1000;
      const stockMbPerSecond = stock.bytes / 1e6 / stock.seconds;
      sizes.push({
        data: {
          collections: COLLECTIONS.length,
          records: COLLECTIONS.length * perCollection,
          dimension: DIM,
          persistDirMB: +mb.toFixed(2),
          files: m.archive.files.length,
        },
        backup: {
          seconds: +backupSeconds.toFixed(2),
          mbPerSecond: +(mb / backupSeconds).toFixed(2),
          storedMB: +(m.archive.storedBytes / 1e6).toFixed(2),
          compressionRatio: +(m.archive.plainBytes / m.archive.storedBytes).toFixed(2),
          compression: m.archive.compression,
          encryption: m.archive.encryption,
          parts: m.archive.parts,
          peakRssMB,
          includes:
            'API summary (ids of every collection), stop, local snapshot (cp --reflink=auto into a volume), restart + heartbeat, docker cp of the snapshot | zstd -3 -T0 on the host, over SSH, zstd -d here for per-file SHA-256, age X25519 (native ChaCha20-Poly1305) of the host-compressed bytes, S3 multipart, manifest',
        },
        backupLocalZstd: {
          seconds: +(lm.durationMs / 1000).toFixed(2),
          mbPerSecond: +(lmb / (lm.durationMs / 1000)).toFixed(2),
          afterDowntimeSeconds: +lStream.toFixed(2),
          afterDowntimeMbPerSecond: +(lmb / lStream).toFixed(2),
          downtimeSeconds: +((lm.downtimeMs ?? 0) / 1000).toFixed(2),
          storedMB: +(lm.archive.storedBytes / 1e6).toFixed(2),
          peakRssMB: localPeakRssMB,
          includes:
            'the same, but the tar crosses SSH uncompressed and zstd -3 -T0 runs on this machine (child process)',
        },
        stockPipeline: {
          seconds: +stock.seconds.toFixed(2),
          mbPerSecond: +stockMbPerSecond.toFixed(2),
          storedMB: +(stockStored / 1e6).toFixed(2),
          command: `docker cp ${CONTAINER}:/data - | zstd -3 -T0 | age -r <recipient> > file (local, Chroma stopped, no SSH, no upload)`,
        },
        localZstdAfterDowntimeToStockRatio: +(lmb / lStream / stockMbPerSecond).toFixed(3),
        backupToStockThroughputRatio: +(mb / backupSeconds / stockMbPerSecond).toFixed(3),
        // What runs while Chroma serves again: the stream (docker cp of the snapshot over SSH,
        // hashes, zstd, age, S3) plus the API summary before the stop and the manifest.
        afterDowntime: {
          seconds: +(backupSeconds - (m.downtimeMs ?? 0) / 1000).toFixed(2),
          mbPerSecond: +(mb / (backupSeconds - (m.downtimeMs ?? 0) / 1000)).toFixed(2),
          toStockThroughputRatio: +(
            mb /
            (backupSeconds - (m.downtimeMs ?? 0) / 1000) /
            stockMbPerSecond
          ).toFixed(3),
        },
        downtimeSeconds: +((m.downtimeMs ?? 0) / 1000).toFixed(2),
        localCopySeconds: +((m.snapshotCopyMs ?? 0) / 1000).toFixed(2),
        restoreAndVerifySeconds: +(verify.verification.durationMs / 1000).toFixed(2),
        selfQueries: verify.verification.selfQueries,
      });
      await removeChromaContainer(CONTAINER);
    }
    return { sizes };
  } finally {
    host.close();
    await removeChromaContainer(CONTAINER);
    await s3.close();
    rmSync(work, { recursive: true, force: true });
  }
}
