/**
 * Backup benchmark, on real parts: a Chroma 1.0.5 container on the sandbox engine driven over
 * SSH as the cpu host's deploy user, an s3rver (own instance), the restore drill's Chroma on
 * this machine. Same data for every number:
 *   - end-to-end physical backup MB/s (stop → docker cp → SSH → tar index → gzip → AES-GCM →
 *     S3 multipart → manifest), and Chroma's downtime in seconds;
 *   - the floor: a raw `docker cp … - | gzip > file` on the same persist dir (local, no SSH,
 *     no encryption, no upload), and the ratio backup/raw;
 *   - restore-and-verify seconds (download, hashes, decrypt, boot, compare, restart, query).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
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
const PASSPHRASE = 'benchmark passphrase, long enough';
const COLLECTIONS = ['bench-a', 'bench-b', 'bench-c'];
const PER_COLLECTION = Number(process.env.BENCH_BACKUP_RECORDS ?? 4000);
const DIM = Number(process.env.BENCH_BACKUP_DIM ?? 384);

async function rawTarGzip(file: string): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now();
  const child = spawn('docker', ['cp', `${CONTAINER}:/data`, '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let bytes = 0;
  child.stdout.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  await pipeline(child.stdout, createGzip({ level: 6 }), createWriteStream(file));
  return { seconds: (performance.now() - started) / 1000, bytes };
}

export async function run(): Promise<Record<string, unknown>> {
  const logger = new MemoryLogger({ debug: false });
  const s3 = await startS3(18240);
  const host = connectSandboxHost('cpu', { logger });
  const work = mkdtempSync(join(tmpdir(), 'ragship-backup-bench-'));
  try {
    const api = await startChromaContainer(CONTAINER, 18241);
    await seed(api, COLLECTIONS, PER_COLLECTION, DIM);
    const store = s3.options('bench');
    const backup = await runBackup(
      {
        environment: 'bench',
        mode: 'physical',
        source: { container: CONTAINER, persistPath: '/data', chromaPort: 8000 },
        store,
        passphrase: PASSPHRASE,
        minSizeBytes: 1024,
        maxSizeBytes: 100 * 1024 ** 3,
        stopTimeoutSeconds: 60,
        healthTimeoutSeconds: 60,
        onDrift: 'fail',
        pageSize: 1000,
      },
      logger,
      host,
    );
    const m = backup.manifest;
    // The raw pipe reads the same persist dir (Chroma stopped, as in the backup).
    await execLocal(['docker', 'stop', '--time', '60', CONTAINER]);
    const raw = await rawTarGzip(join(work, 'raw.tar.gz'));
    await execLocal(['docker', 'start', CONTAINER]);
    const rawGz = statSync(join(work, 'raw.tar.gz')).size;
    const verify = await verifyBackup(
      new BackupStore(store, logger),
      m.id,
      { passphrase: PASSPHRASE, record: true, port: 18242 },
      logger,
    );
    const mb = m.archive.plainBytes / 1e6;
    const backupSeconds = m.durationMs / 1000;
    return {
      data: {
        collections: COLLECTIONS.length,
        records: COLLECTIONS.length * PER_COLLECTION,
        dimension: DIM,
        persistDirMB: +mb.toFixed(2),
        files: m.archive.files.length,
      },
      backup: {
        seconds: +backupSeconds.toFixed(2),
        mbPerSecond: +(mb / backupSeconds).toFixed(2),
        storedMB: +(m.archive.storedBytes / 1e6).toFixed(2),
        compressionRatio: +(m.archive.plainBytes / m.archive.storedBytes).toFixed(2),
        partSizeMiB: m.archive.partSize / 2 ** 20,
        parts: m.archive.parts,
        includes:
          'API summary (ids of every collection), stop, docker cp over SSH, per-file SHA-256, gzip -6, AES-256-GCM, S3 multipart, restart + heartbeat, manifest',
      },
      rawTarGzip: {
        seconds: +raw.seconds.toFixed(2),
        mbPerSecond: +(raw.bytes / 1e6 / raw.seconds).toFixed(2),
        gzMB: +(rawGz / 1e6).toFixed(2),
        command: `docker cp ${CONTAINER}:/data - | gzip -6 > file (local, Chroma stopped)`,
      },
      backupToRawThroughputRatio: +(mb / backupSeconds / (raw.bytes / 1e6 / raw.seconds)).toFixed(3),
      downtimeSeconds: +((m.downtimeMs ?? 0) / 1000).toFixed(2),
      restoreAndVerifySeconds: +(verify.verification.durationMs / 1000).toFixed(2),
      selfQueries: verify.verification.selfQueries,
    };
  } finally {
    host.close();
    await removeChromaContainer(CONTAINER);
    await s3.close();
    rmSync(work, { recursive: true, force: true });
  }
}
