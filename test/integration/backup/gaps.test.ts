import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BackupOptions, runBackup } from '../../../src/backup/backup.js';
import type { ChromaApi } from '../../../src/backup/chroma-api.js';
import { keys, type Manifest } from '../../../src/backup/manifest.js';
import { restoreBackup } from '../../../src/backup/restore.js';
import { BackupStore } from '../../../src/backup/store.js';
import { downloadChecked, verifyBackup } from '../../../src/backup/verify.js';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import type { RemoteHost } from '../../../src/core/remote-host.js';
import { connectSandboxHost } from '../../support/sandbox.js';
import {
  backupOptions,
  dump,
  PASSPHRASE,
  removeChromaContainer,
  type S3Fixture,
  seed,
  startChromaContainer,
  startS3,
  TEST_KDF,
} from './support.js';

// Real parts: Chroma 1.0.5 in a container on the sandbox engine, driven over SSH as the cpu
// host's deploy user; an own s3rver (18212); the drill's Chroma booted on the runner.
const CONTAINER = 'ragship-backup-gaps';
const COLLECTIONS = ['gaps-a', 'gaps-b'];
const PER_COLLECTION = 200;
const SECRET = `sk-ragship-gaps-${randomBytes(16).toString('hex')}`;

let s3: S3Fixture;
let source: ChromaApi;
let host: RemoteHost;
let deployRoot = '';
let before: Awaited<ReturnType<typeof dump>>;
const logger = new MemoryLogger();

/** The fake deploy root: rendered compose files, nginx config, release log, and a secret env file. */
const CONFIG_FILES: Record<string, string> = {
  'compose.yml':
    'services:\n  chroma:\n    image: ragship-sandbox/chroma:1.0.5\n    volumes: [chroma-data:/data]\n',
  'compose.override.yml': 'services:\n  web:\n    environment:\n      RAGSHIP_RELEASE: v7\n',
  'nginx/site.conf': 'server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8080; }\n}\n',
  'releases.log': '2026-01-02T10:00:00Z v6 deployed\n2026-01-03T11:30:00Z v7 deployed ✓\n',
  '.env': `OPENAI_API_KEY=${SECRET}\nDATABASE_PASSWORD=${SECRET}-db\n`,
};

function options(prefix: string, over: Partial<BackupOptions> = {}): BackupOptions {
  return backupOptions({ container: CONTAINER, persistPath: '/data', chromaPort: 8000 }, s3.options(prefix), {
    mode: 'logical',
    minSizeBytes: 1024,
    maxSizeBytes: 1024 ** 3,
    ...over,
  });
}

async function storedBytes(store: BackupStore, key: string): Promise<Buffer> {
  const { body } = await store.getStream(key);
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const startedAt = async () =>
  (await execLocal(['docker', 'inspect', '--format', '{{.State.StartedAt}}', CONTAINER])).stdout.trim();

beforeAll(async () => {
  s3 = await startS3(18212);
  source = await startChromaContainer(CONTAINER, 18241);
  await seed(source, COLLECTIONS, PER_COLLECTION, 16);
  before = await dump(source);
  host = connectSandboxHost('cpu', { logger });
  const home = (await host.exec(['printenv', 'HOME'])).stdout.trim();
  deployRoot = `${home}/ragship-backup-gaps/production`;
  await host.exec(['rm', '-rf', `${home}/ragship-backup-gaps`]);
  await host.exec(['mkdir', '-p', `${deployRoot}/nginx`]);
  for (const [path, content] of Object.entries(CONFIG_FILES))
    await host.upload(`${deployRoot}/${path}`, content, path === '.env' ? 0o600 : 0o644);
}, 120_000);

afterAll(async () => {
  if (host && deployRoot)
    await host.exec(['rm', '-rf', deployRoot.replace(/\/production$/, '')]).catch(() => {});
  host?.close();
  await removeChromaContainer(CONTAINER);
  await s3?.close();
});

describe('app-config backup and the restore version guard', () => {
  let manifest: Manifest;

  test('config-path backup stores the deploy root; restore and verify give every file back byte-identical; the env file is only stored encrypted', async () => {
    const r = await runBackup(options('gaps', { configPath: deployRoot }), logger, host);
    manifest = r.manifest;
    expect(manifest.config).toBeDefined();
    const config = manifest.config!;
    const recorded = new Map(config.files.map((f) => [f.path.replace(/^\.\//, ''), f]));
    expect([...recorded.keys()].sort()).toEqual(Object.keys(CONFIG_FILES).sort());
    for (const [path, content] of Object.entries(CONFIG_FILES))
      expect(recorded.get(path)?.sha256).toBe(createHash('sha256').update(content).digest('hex'));

    // Restore the config on the runner: download, authenticate, check every hash, extract.
    const store = new BackupStore(s3.options('gaps'), logger);
    const out = mkdtempSync(join(tmpdir(), 'ragship-backup-gaps-config-'));
    const work = mkdtempSync(join(tmpdir(), 'ragship-backup-gaps-verify-'));
    try {
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write: (c, _e, cb) => {
          chunks.push(Buffer.from(c));
          cb();
        },
      });
      await downloadChecked(store, config, 'physical', PASSPHRASE, sink, `backup ${manifest.id} config`);
      writeFileSync(join(work, 'config.tar'), Buffer.concat(chunks));
      await execLocal(['tar', '-x', '-f', join(work, 'config.tar'), '-C', out]);
      for (const [path, content] of Object.entries(CONFIG_FILES))
        expect(readFileSync(join(out, path)).equals(Buffer.from(content))).toBe(true);

      // The drill checks the config's hashes too, next to the data.
      const v = await verifyBackup(
        store,
        manifest.id,
        { passphrase: PASSPHRASE, record: true, workDir: work, port: 18242 },
        logger,
      );
      expect(v.verification.records).toBe(COLLECTIONS.length * PER_COLLECTION);
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    }

    // The secret exists in the store only encrypted: no stored object holds its plaintext.
    const objects = await store.list(keys.dir(manifest.id));
    expect(objects.map((o) => o.key.split('/').pop()).sort()).toEqual([
      'archive.ndjson.zst.age',
      'config.tar.zst.age',
      'manifest.json',
      'verified.json',
    ]);
    for (const o of objects) {
      const bytes = await storedBytes(store, o.key);
      expect(bytes.includes(Buffer.from(SECRET)), `${o.key} holds the secret in plaintext`).toBe(false);
    }
    expect(logger.text()).not.toContain(SECRET);
  }, 60_000);

  test('restore refuses a Chroma older than the backup’s recorded version, with a clear error, before touching the host', async () => {
    expect(manifest).toBeDefined();
    // A test copy of the committed backup whose manifest records a newer Chroma than the target's 1.0.5.
    const store = new BackupStore(s3.options('gaps-newer'), logger);
    await store.putJson(store.key(keys.manifest(manifest.id)), {
      ...manifest,
      chroma: { ...manifest.chroma, version: '99.0.0' },
    });
    const startedBefore = await startedAt();
    await expect(
      restoreBackup(
        {
          environment: 'production',
          source: { container: CONTAINER, persistPath: '/data', chromaPort: 8000 },
          store: s3.options('gaps-newer'),
          passphrase: PASSPHRASE,
          maxSizeBytes: 1024 ** 3,
          stopTimeoutSeconds: 60,
          healthTimeoutSeconds: 60,
          kdf: TEST_KDF,
          backupId: manifest.id,
          dryRun: false,
          safetyCopy: true,
        },
        logger,
        host,
      ),
    ).rejects.toThrow(/target runs Chroma [0-9.]+, older than the backup's 99\.0\.0.*upgrade the target/s);

    // Nothing touched: the container was never stopped, the data is the same, no safety copy was taken.
    expect(await startedAt()).toBe(startedBefore);
    expect(await source.heartbeat()).toBe(true);
    expect(await dump(source)).toEqual(before);
    const left = await store.list('backups/');
    expect(left.map((o) => o.key.split('/').pop())).toEqual(['manifest.json']);
    expect(s3.openUploads()).toEqual([]);
  }, 30_000);
});
