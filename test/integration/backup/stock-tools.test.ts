import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseIdentities } from '../../../src/backup/age-stream.js';
import { type BackupOptions, runBackup } from '../../../src/backup/backup.js';
import { ChromaApi } from '../../../src/backup/chroma-api.js';
import type { Manifest } from '../../../src/backup/manifest.js';
import { SNAPSHOT_LABEL } from '../../../src/backup/physical.js';
import { restoreBackup } from '../../../src/backup/restore.js';
import { BackupStore } from '../../../src/backup/store.js';
import { compareWithManifest, verifyBackup } from '../../../src/backup/verify.js';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import type { RemoteHost } from '../../../src/core/remote-host.js';
import { connectSandboxHost } from '../../support/sandbox.js';
import {
  backupOptions,
  CHROMA_IMAGE,
  dump,
  PASSPHRASE,
  removeChromaContainer,
  type S3Fixture,
  seed,
  startChromaContainer,
  startS3,
} from './support.js';

// Real parts: Chroma 1.0.5 in a container on the sandbox engine, driven over SSH as the cpu
// host's deploy user; an own s3rver (18260); Debian's age 1.1, zstd 1.5 and GNU tar for the
// restore without ragship; a second Chroma 1.0.5 container booted on what they extracted.
const CONTAINER = 'ragship-backup-stock';
const RESTORED = 'ragship-backup-stock-restored';
const COLLECTIONS = ['stock-a', 'stock-b'];
const PER_COLLECTION = 600;
/** The recipe of docs/guides/backup.md, run literally. */
const RECIPE = 'age -d -i key.txt archive.tar.zst.age | zstd -d | tar -x';

let s3: S3Fixture;
let source: ChromaApi;
let host: RemoteHost;
let before: Awaited<ReturnType<typeof dump>>;
let work = '';
let recipient = '';
const logger = new MemoryLogger();

function options(prefix: string, over: Partial<BackupOptions> = {}): BackupOptions {
  return backupOptions(
    { container: CONTAINER, persistPath: '/data', chromaPort: 8000 },
    s3.options(prefix),
    over,
  );
}

async function download(store: BackupStore, key: string, file: string): Promise<void> {
  const r = await store.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  await pipeline(r.Body as Readable, createWriteStream(file));
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function snapshotLeftovers(): Promise<string> {
  const filter = `label=${SNAPSHOT_LABEL}=${CONTAINER}`;
  const v = await execLocal(['docker', 'volume', 'ls', '-q', '--filter', filter]);
  const c = await execLocal(['docker', 'ps', '-a', '-q', '--filter', filter]);
  return `${v.stdout}${c.stdout}`.trim();
}

beforeAll(async () => {
  s3 = await startS3(18260);
  source = await startChromaContainer(CONTAINER, 18262);
  await seed(source, COLLECTIONS, PER_COLLECTION);
  before = await dump(source);
  host = connectSandboxHost('cpu', { logger });
  work = mkdtempSync(join(tmpdir(), 'ragship-backup-stock-'));
  // Debian's age-keygen writes the identity file 0600; the public key is all a backup needs.
  await execLocal(['age-keygen', '-o', join(work, 'key.txt')]);
  recipient = (await execLocal(['age-keygen', '-y', join(work, 'key.txt')])).stdout.trim();
});

afterAll(async () => {
  host?.close();
  await execLocal(['docker', 'rm', '-f', RESTORED], { allowFailure: true });
  await removeChromaContainer(CONTAINER);
  await s3?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a backup anyone can restore (tar + zstd + age)', () => {
  let manifest: Manifest;

  test('physical backup to an age X25519 recipient with a local snapshot: Chroma is back before the stream, downtime and copy time reported, nothing left on the host', async () => {
    expect(statSync(join(work, 'key.txt')).mode & 0o777).toBe(0o600);
    const dangling = async () =>
      (await execLocal(['docker', 'volume', 'ls', '-q', '--filter', 'dangling=true'])).stdout
        .split('\n')
        .filter(Boolean);
    const danglingBefore = new Set(await dangling());
    const r = await runBackup(options('stock', { passphrase: '', recipients: [recipient] }), logger, host);
    manifest = r.manifest;
    expect(manifest.format).toBe('ragship-backup/2');
    expect(manifest.archive).toMatchObject({ compression: 'zstd', encryption: 'age/x25519' });
    expect(manifest.archive.key).toMatch(/\/archive\.tar\.zst\.age$/);
    expect(manifest.snapshotCopyMs).toBeGreaterThan(0);
    expect(manifest.downtimeMs).toBeGreaterThanOrEqual(manifest.snapshotCopyMs!);
    expect(await source.heartbeat()).toBe(true);
    expect(await snapshotLeftovers()).toBe('');
    expect((await dangling()).filter((v) => !danglingBefore.has(v))).toEqual([]);
    expect(logger.text()).toMatch(/of which the local copy/);
    expect(logger.text()).not.toContain('AGE-SECRET-KEY');
  });

  test('restored with stock Debian tools only (the guide’s recipe, literally), the bytes and every file match the manifest and Chroma 1.0.5 boots on them with equal data', async () => {
    expect(readFileSync(new URL('../../../docs/guides/backup.md', import.meta.url), 'utf8')).toContain(
      RECIPE,
    );
    const store = new BackupStore(s3.options('stock'), logger);
    await download(store, manifest.archive.key, join(work, 'archive.tar.zst.age'));
    expect(sha256(join(work, 'archive.tar.zst.age'))).toBe(manifest.archive.storedSha256);
    const plain = await execLocal(
      ['bash', '-c', 'set -o pipefail; age -d -i key.txt archive.tar.zst.age | zstd -d | sha256sum'],
      { cwd: work },
    );
    expect(plain.stdout.split(' ')[0]).toBe(manifest.archive.plainSha256);
    await execLocal(['bash', '-c', `set -o pipefail; ${RECIPE}`], { cwd: work });
    for (const f of manifest.archive.files) expect(sha256(join(work, f.path)), f.path).toBe(f.sha256);

    await execLocal(['docker', 'rm', '-f', RESTORED], { allowFailure: true });
    await execLocal([
      'docker',
      'run',
      '-d',
      '--name',
      RESTORED,
      '--init',
      '-v',
      `${join(work, 'data')}:/data`,
      '-p',
      '127.0.0.1:18264:8000',
      CHROMA_IMAGE,
    ]);
    try {
      const api = new ChromaApi('http://127.0.0.1:18264');
      await api.waitHealthy(90_000);
      const check = await compareWithManifest(api, manifest);
      expect(check.problems).toEqual([]);
      expect(check.records).toBe(COLLECTIONS.length * PER_COLLECTION);
      expect(check.selfQueries).toBeGreaterThan(0);
      expect(await dump(api)).toEqual(before);
    } finally {
      await execLocal(['docker', 'rm', '-f', RESTORED], { allowFailure: true });
    }
  });

  test('the drill reads it with the age identity; the passphrase alone is refused with a clear error', async () => {
    const store = new BackupStore(s3.options('stock'), logger);
    const identities = parseIdentities(readFileSync(join(work, 'key.txt'), 'utf8'));
    const v = await verifyBackup(
      store,
      manifest.id,
      { passphrase: '', identities, record: false, port: 18265 },
      logger,
    );
    expect(v.verification.records).toBe(COLLECTIONS.length * PER_COLLECTION);
    await expect(
      verifyBackup(store, manifest.id, { passphrase: PASSPHRASE, record: false, port: 18265 }, logger),
    ).rejects.toThrow(/cannot be decrypted with this passphrase or age identity/);
    expect(logger.text()).not.toContain(identities[0]);
  });

  test('passphrase backups are age scrypt files; without a local snapshot Chroma stays stopped for the stream and the drill restores them', async () => {
    const r = await runBackup(options('stock-pass', { localSnapshot: false }), logger, host);
    expect(r.manifest.archive.encryption).toBe('age/scrypt');
    expect(r.manifest.snapshotCopyMs).toBeUndefined();
    expect(r.manifest.downtimeMs).toBeGreaterThan(0);
    const store = new BackupStore(s3.options('stock-pass'), logger);
    const file = join(work, 'pass.tar.zst.age');
    await download(store, r.manifest.archive.key, file);
    expect(readFileSync(file).subarray(0, 32).toString('latin1')).toMatch(
      /^age-encryption\.org\/v1\n-> scrypt /,
    );
    const v = await verifyBackup(
      store,
      r.manifest.id,
      { passphrase: PASSPHRASE, record: false, port: 18265 },
      logger,
    );
    expect(v.verification.records).toBe(COLLECTIONS.length * PER_COLLECTION);
  });

  test('a format-1 (RAGSHIPB) backup of the old writer still restores: the drill, and to the host with a safety copy in the new format', async () => {
    const old = await runBackup(options('stock-old', { legacyFormat: true }), logger, host);
    expect(old.manifest.format).toBe('ragship-backup/1');
    expect(old.manifest.archive).toMatchObject({
      compression: 'gzip',
      encryption: 'ragship-stream-v1/aes-256-gcm/scrypt',
    });
    expect(old.manifest.archive.key).toMatch(/\/archive\.bin$/);
    const store = new BackupStore(s3.options('stock-old'), logger);
    const file = join(work, 'old.bin');
    await download(store, old.manifest.archive.key, file);
    expect(readFileSync(file).subarray(0, 8).toString()).toBe('RAGSHIPB');
    const v = await verifyBackup(
      store,
      old.manifest.id,
      { passphrase: PASSPHRASE, record: false, port: 18265 },
      logger,
    );
    expect(v.verification.records).toBe(COLLECTIONS.length * PER_COLLECTION);

    const del = await fetch(
      `${source.url}/api/v2/tenants/default_tenant/databases/default_database/collections/stock-b`,
      { method: 'DELETE' },
    );
    expect(del.ok).toBe(true);
    const r = await restoreBackup(
      { ...options('stock-old'), backupId: old.manifest.id, dryRun: false, safetyCopy: true },
      logger,
      host,
    );
    expect(await dump(source)).toEqual(before);
    const safety = await verifyBackup(
      store,
      r.safetyCopyId!,
      { passphrase: PASSPHRASE, record: false, port: 18265 },
      logger,
    );
    expect(safety.manifest.format).toBe('ragship-backup/2');
    expect(safety.manifest.chroma.collections.map((c) => c.name)).toEqual(['stock-a']);
    expect(s3.openUploads()).toEqual([]);
  });
});
