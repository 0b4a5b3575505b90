import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkStaleness } from '../../../src/backup/alerts.js';
import { type BackupOptions, runBackup } from '../../../src/backup/backup.js';
import { listBackups } from '../../../src/backup/catalog.js';
import { ChromaApi } from '../../../src/backup/chroma-api.js';
import { LocalChroma } from '../../../src/backup/local-chroma.js';
import { keys, newBackupId } from '../../../src/backup/manifest.js';
import { Meter, streamToStore } from '../../../src/backup/pipeline.js';
import { restoreBackup } from '../../../src/backup/restore.js';
import { applyRetention } from '../../../src/backup/retention.js';
import { BackupStore } from '../../../src/backup/store.js';
import { verifyBackup } from '../../../src/backup/verify.js';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import type { RemoteHost } from '../../../src/core/remote-host.js';
import { LocalActionRunner, visibleAfterRun } from '../../support/action-runner.js';
import { connectSandboxHost, knownHosts, privateKey, sandboxHost } from '../../support/sandbox.js';
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
// host's deploy user; s3rver (own instance, port 18210); Chroma servers booted on the runner.
const CONTAINER = 'ragship-backup-it';
const COLLECTIONS = ['handbook-a', 'handbook-b', 'handbook-c'];
const PER_COLLECTION = 1000;

let s3: S3Fixture;
let source: ChromaApi;
let host: RemoteHost;
let before: Awaited<ReturnType<typeof dump>>;
const logger = new MemoryLogger();

function options(prefix: string, over: Partial<BackupOptions> = {}): BackupOptions {
  return backupOptions(
    { container: CONTAINER, persistPath: '/data', chromaPort: 8000 },
    s3.options(prefix),
    over,
  );
}

beforeAll(async () => {
  s3 = await startS3(18210);
  // Labelled as the deploy's compose project would label it: the action test finds it from ragship.yml.
  source = await startChromaContainer(CONTAINER, 18220, {
    labels: {
      'com.docker.compose.project': 'ragship-backup-production-web',
      'com.docker.compose.service': 'chroma',
    },
  });
  await seed(source, COLLECTIONS, PER_COLLECTION);
  before = await dump(source);
  host = connectSandboxHost('cpu', { logger });
});

afterAll(async () => {
  host?.close();
  await removeChromaContainer(CONTAINER);
  await s3?.close();
});

describe('physical backup over SSH (cpu host) and restore drill', () => {
  let id = '';
  test('cold copy of 3 collections × 1000 vectors: manifest last, Chroma stopped cleanly, restarted and healthy, downtime reported', async () => {
    const r = await runBackup(options('prod'), logger, host);
    id = r.manifest.id;
    expect(r.manifest.mode).toBe('physical');
    expect(r.manifest.chroma.collections.map((c) => [c.name, c.count])).toEqual(
      COLLECTIONS.map((n) => [n, PER_COLLECTION]),
    );
    expect(r.manifest.archive.files.some((f) => f.path === 'data/chroma.sqlite3')).toBe(true);
    expect(r.manifest.downtimeMs).toBeGreaterThan(0);
    expect(await source.heartbeat()).toBe(true);
    const store = new BackupStore(s3.options('prod'), logger);
    const objs = await store.list(keys.dir(id));
    const at = (suffix: string) => objs.find((o) => o.key.endsWith(suffix))!.modified!.getTime();
    expect(r.manifest.archive.key).toBe(store.key(keys.archive(id, 'physical', 'zstd')));
    expect(r.manifest.archive.encryption).toBe('age/scrypt');
    expect(at('manifest.json')).toBeGreaterThanOrEqual(at('archive.tar.zst.age'));
    expect(s3.openUploads()).toEqual([]);
  });

  test('restore into an empty dir on the runner: every id, document, metadata and vector equal; queries return the same results', async () => {
    const store = new BackupStore(s3.options('prod'), logger);
    const work = mkdtempSync(join(tmpdir(), 'ragship-backup-restore-'));
    try {
      const v = await verifyBackup(
        store,
        id,
        { passphrase: PASSPHRASE, record: true, workDir: work, port: 18230 },
        logger,
      );
      expect(v.verification.records).toBe(COLLECTIONS.length * PER_COLLECTION);
      expect(v.verification.selfQueries).toBeGreaterThan(0);
      const restored = new LocalChroma(join(work, 'data'), 18231);
      await restored.start();
      try {
        expect(await dump(restored.api)).toEqual(before);
        for (const name of COLLECTIONS) {
          const a = (await source.collection(name))!;
          const b = (await restored.api.collection(name))!;
          const probe = before[name]!.filter((_, i) => i % 250 === 7).map((r) =>
            r.embedding.map((x) => x + 0.01),
          );
          const qa = await source.query(a.id, probe, 5);
          const qb = await restored.api.query(b.id, probe, 5);
          expect(qb.ids).toEqual(qa.ids);
        }
      } finally {
        await restored.stop();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    expect((await listBackups(store)).find((b) => b.id === id)?.verified).toBe(true);
  });

  test('truncated, 0-byte, wrong key and hash-mismatch archives each fail verification with a clear error', async () => {
    const store = new BackupStore(s3.options('prod'), logger);
    const get = async (key: string) =>
      Buffer.from(
        await (
          await store.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
        ).Body!.transformToByteArray(),
      );
    const archive = await get(store.key(keys.archive(id, 'physical', 'zstd')));
    const manifest = JSON.parse((await get(store.key(keys.manifest(id)))).toString());
    const forge = async (archiveBytes: Buffer, m: typeof manifest) => {
      const fid = newBackupId(new Date(Date.parse('2020-01-01T00:00:00Z') + Math.floor(Math.random() * 1e9)));
      await store.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: store.key(keys.archive(fid)), Body: archiveBytes }),
      );
      await store.putJson(store.key(keys.manifest(fid)), {
        ...m,
        id: fid,
        archive: { ...m.archive, key: store.key(keys.archive(fid)) },
      });
      return fid;
    };
    const verify = (fid: string, passphrase = PASSPHRASE) =>
      verifyBackup(store, fid, { passphrase, record: false, port: 18232 }, logger);
    await expect(verify(await forge(archive.subarray(0, archive.length - 70_000), manifest))).rejects.toThrow(
      /truncated/,
    );
    await expect(verify(await forge(Buffer.alloc(0), manifest))).rejects.toThrow(/empty or truncated/);
    await expect(verify(id, 'a different passphrase, long enough')).rejects.toThrow(
      /cannot be decrypted with this passphrase/,
    );
    const flipped = Buffer.from(archive);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    await expect(verify(await forge(flipped, manifest))).rejects.toThrow(/modified or corrupted/);
    const wrongHash = {
      ...manifest,
      archive: {
        ...manifest.archive,
        files: manifest.archive.files.map((f: { path: string; sha256: string }) =>
          f.path === 'data/chroma.sqlite3' ? { ...f, sha256: '0'.repeat(64) } : f,
        ),
      },
    };
    await expect(verify(await forge(archive, wrongHash))).rejects.toThrow(/hash mismatch.*chroma\.sqlite3/);
  });

  test('a producer killed mid-multipart leaves no manifest and no orphaned parts, older backups intact, and the run fails', async () => {
    const store = new BackupStore(s3.options('prod'), logger);
    const fid = newBackupId();
    const child = spawn('sh', ['-c', 'head -c 67108864 /dev/urandom'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const done = new Promise<void>((resolve, reject) =>
      child.on('close', (code, sig) =>
        code === 0 ? resolve() : reject(new Error(`producer died (${sig ?? code})`)),
      ),
    );
    let seen = 0;
    child.stdout.on('data', (c: Buffer) => {
      seen += c.length;
      if (seen > 13 * 1024 * 1024 && !child.killed) child.kill('SIGKILL');
    });
    await expect(
      streamToStore(store, {
        source: child.stdout,
        producerDone: done,
        inspector: Object.assign(new Meter(), { files: [] }),
        passphrase: PASSPHRASE,
        key: store.key(keys.archive(fid)),
        partSize: 5 * 1024 * 1024,
        minBytes: 1,
        maxBytes: 1e12,
        what: 'killed dump',
        kdf: TEST_KDF,
      }),
    ).rejects.toThrow(/producer died|SIGKILL/);
    expect(s3.openUploads()).toEqual([]);
    const all = await listBackups(store);
    expect(all.find((b) => b.id === fid)?.committed ?? false).toBe(false);
    expect(all.find((b) => b.id === id)).toMatchObject({ committed: true, verified: true });
  });

  test('a 0-byte dump is refused by the size floor before anything is committed', async () => {
    const store = new BackupStore(s3.options('prod'), logger);
    const { Readable } = await import('node:stream');
    await expect(
      streamToStore(store, {
        source: Readable.from([]),
        producerDone: Promise.resolve(),
        inspector: Object.assign(new Meter(), { files: [] }),
        passphrase: PASSPHRASE,
        key: store.key(keys.archive(newBackupId())),
        partSize: 5 * 1024 * 1024,
        minBytes: 1024,
        maxBytes: 1e12,
        what: 'empty dump',
        kdf: TEST_KDF,
      }),
    ).rejects.toThrow(/below the size floor/);
    expect(s3.openUploads()).toEqual([]);
  });

  test('orphaned multipart uploads of killed runs are swept by the next run', async () => {
    const store = new BackupStore(s3.options('prod'), logger);
    const key = store.key(keys.archive(newBackupId()));
    const up = await store.client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }));
    await store.client.send(
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId: up.UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(5 * 1024 * 1024, 1),
      }),
    );
    expect(s3.openUploads()).toHaveLength(1);
    expect(await store.sweepOrphans(0)).toBe(1);
    expect(s3.openUploads()).toEqual([]);
  });

  test('retention with only unverified newer backups never deletes the last verified one; staleness sees it', async () => {
    const store = new BackupStore(s3.options('prod'), logger);
    const r = await applyRetention(
      store,
      { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
      logger,
    );
    expect(r.keep.map((k) => k.id)).toEqual([id]);
    expect(r.remove).toEqual([]);
    expect((await listBackups(store)).find((b) => b.id === id)).toMatchObject({
      committed: true,
      verified: true,
    });
    expect((await checkStaleness(store, 24)).stale).toBe(false);
    expect((await checkStaleness(store, 24, new Date(Date.now() + 25 * 3_600_000))).stale).toBe(true);
  });

  test('restore to the host: dry-run changes nothing; then a safety copy is taken, the deleted collection comes back, equal to the backup', async () => {
    const b = (await source.collection('handbook-b'))!;
    const del = await fetch(
      `${source.url}/api/v2/tenants/default_tenant/databases/default_database/collections/handbook-b`,
      { method: 'DELETE' },
    );
    expect(del.ok).toBe(true);
    expect(b.id).toBeTruthy();
    const base = { ...options('prod'), backupId: id, safetyCopy: true };
    const dry = await restoreBackup({ ...base, dryRun: true }, logger, host);
    expect(dry.changes).toContainEqual({ collection: 'handbook-b', now: null, after: PER_COLLECTION });
    expect(await source.collection('handbook-b')).toBeUndefined();
    const r = await restoreBackup({ ...base, dryRun: false }, logger, host);
    expect(r.safetyCopyId).toBeTruthy();
    expect(r.downtimeMs).toBeGreaterThan(0);
    expect(await dump(source)).toEqual(before);
    const store = new BackupStore(s3.options('prod'), logger);
    const safety = await verifyBackup(
      store,
      r.safetyCopyId!,
      { passphrase: PASSPHRASE, record: false, port: 18234 },
      logger,
    );
    expect(safety.manifest.chroma.collections.map((c) => c.name)).toEqual(['handbook-a', 'handbook-c']);
    expect(s3.openUploads()).toEqual([]);
  });
});

describe('logical backup through the API', () => {
  test('a quiet export restores through the drill into a fresh Chroma with equal ids, counts and self-queries', async () => {
    const store = new BackupStore(s3.options('logical'), logger);
    const r = await runBackup(
      options('logical', {
        mode: 'logical',
        source: { persistPath: '/data', chromaPort: 8000, chromaUrl: 'http://127.0.0.1:18220' },
      }),
      logger,
    );
    expect(r.manifest.fuzzy).toBe(false);
    expect(r.manifest.archive.files.map((f) => f.path)).toEqual(
      COLLECTIONS.map((c) => `collections/${c}.ndjson`),
    );
    const v = await verifyBackup(
      store,
      r.manifest.id,
      { passphrase: PASSPHRASE, record: true, port: 18233 },
      logger,
    );
    expect(v.verification.records).toBe(COLLECTIONS.length * PER_COLLECTION);
  });

  test('an export while writes continue detects the drift: fails by default, is marked fuzzy on request', async () => {
    let writing = true;
    const col = (await source.collection('handbook-c'))!;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        await source.add(col.id, {
          ids: [`live-${n}`],
          embeddings: [Array.from({ length: 64 }, () => Math.random())],
        });
        n++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 100));
      await expect(
        runBackup(
          options('drift', {
            mode: 'logical',
            pageSize: 100,
            source: { persistPath: '/data', chromaPort: 8000, chromaUrl: 'http://127.0.0.1:18220' },
          }),
          logger,
        ),
      ).rejects.toThrow(/data changed while it was exported/);
      const fuzzy = await runBackup(
        options('drift', {
          mode: 'logical',
          pageSize: 100,
          onDrift: 'fuzzy',
          source: { persistPath: '/data', chromaPort: 8000, chromaUrl: 'http://127.0.0.1:18220' },
        }),
        logger,
      );
      expect(fuzzy.manifest.fuzzy).toBe(true);
      expect(fuzzy.manifest.drift.map((d) => d.collection)).toContain('handbook-c');
    } finally {
      writing = false;
      await writer;
    }
    expect(s3.openUploads()).toEqual([]);
  });
});

describe("the drill's Chroma never outlives the process that booted it", () => {
  // The runner waits until a step's stdout/stderr close. A drill Chroma that kept the action's
  // event loop alive (a ref'd child, or pipes to it) hung the action step until its timeout.
  test.each([
    ['returns from main', 'end'],
    ['is cancelled (SIGTERM)', 'sigterm'],
  ])(
    'a process that boots it and %s without stop() closes its stdio at once and leaves no server behind',
    async (_label, how) => {
      const work = mkdtempSync(join(tmpdir(), 'ragship-backup-drillproc-'));
      const port = 18232;
      try {
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            join(import.meta.dirname, 'fixtures/drill-process.ts'),
            join(work, 'data'),
            String(port),
            how,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
        });
        child.stderr.on('data', (c) => {
          out += c;
        });
        let healthyAt = 0;
        child.stdout.on('data', () => {
          if (!healthyAt && /healthy \d+/.test(out)) healthyAt = Date.now();
        });
        const closed = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            resolve(false);
          }, 90_000);
          child.on('close', () => {
            clearTimeout(t);
            resolve(true);
          });
        });
        expect(closed, out).toBe(true);
        const pid = Number(/healthy (\d+)/.exec(out)?.[1]);
        expect(pid, out).toBeGreaterThan(0);
        expect(Date.now() - healthyAt).toBeLessThan(10_000);
        // Gone, or a zombie waiting for PID 1 to reap it: either way no longer running.
        const state = existsSync(`/proc/${pid}/stat`)
          ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]
          : 'gone';
        expect(['gone', 'Z', 'X']).toContain(state);
        expect(await new ChromaApi(`http://127.0.0.1:${port}`).heartbeat()).toBe(false);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  );
});

describe('the backup action bundle, run as the runner does', () => {
  test('with config + environment from ragship.yml (host and compose container found), takes and drills a physical backup; the passphrase, SSH key and S3 secret never reach logs, outputs or the summary', async () => {
    const cpu = sandboxHost('cpu');
    const runner = new LocalActionRunner('backup');
    const config = join(runner.workdir, 'ragship.yml');
    writeFileSync(
      config,
      [
        'app: ragship-backup',
        'environments:',
        '  production:',
        '    roles:',
        '      web:',
        `        hosts: [${cpu.user}@${cpu.host}:${cpu.port}]`,
        '        compose: [compose.yaml]',
        '        strategy: recreate',
        '        service: chroma',
        '        health: { compose: true }',
        '',
      ].join('\n'),
    );
    const opts = s3.options('action');
    const secretKey = 'S3RVER';
    const r = await runner.main({
      env: { RUNNER_DEBUG: '1' },
      timeoutMs: 240_000,
      inputs: {
        environment: 'production',
        config,
        'ssh-private-key': privateKey(),
        'known-hosts': knownHosts(),
        bucket: opts.bucket,
        prefix: 'action',
        endpoint: opts.endpoint!,
        'force-path-style': 'true',
        'aws-access-key-id': 'S3RVER',
        'aws-secret-access-key': secretKey,
        'encryption-passphrase': PASSPHRASE,
        'chroma-command': `node ${process.cwd()}/node_modules/chromadb/dist/cli.mjs`,
        'keep-last': '1',
      },
    });
    expect(r.exitCode, r.stdout.slice(-3000)).toBe(0);
    expect(r.outputs['backup-id']).toMatch(/^[0-9]{8}T/);
    expect(r.outputs.verified).toBe('true');
    expect(Number(r.outputs['downtime-seconds'])).toBeGreaterThan(0);
    expect(r.summary).toContain('Restore drill');
    expect(r.stdout).toContain('docker cp');
    expect(r.stdout).toContain(`ragship-backup-production-web/chroma runs as container ${CONTAINER}`);
    // `::add-mask::` lines are how a secret is handed to the runner (which consumes them).
    const everything = visibleAfterRun(r);
    expect(everything).not.toContain(PASSPHRASE);
    const keyBody = privateKey().split('\n')[1]!;
    expect(everything).not.toContain(keyBody);
    expect(r.stdout).toContain(`::add-mask::${PASSPHRASE}`);
    expect(r.stdout).toContain(`::add-mask::${secretKey}`);
  });
});

describe('secrets', () => {
  test('the passphrase and S3 secret never appear in remote argv or logs', () => {
    const text = logger.text();
    expect(text).toContain('docker cp'); // the debug log records every remote command line
    expect(text).not.toContain(PASSPHRASE);
    expect(text).not.toContain(Buffer.from(PASSPHRASE).toString('base64'));
  });
});

describe('SIGKILL guard', () => {
  test('a Chroma that ignores SIGTERM and is killed (exit 137) is not copied, and is restarted', async () => {
    const name = 'ragship-backup-it-noinit';
    await startChromaContainer(name, 18222, { init: false });
    try {
      await expect(
        runBackup(
          options('noinit', {
            source: { container: name, persistPath: '/data', chromaPort: 8000 },
            stopTimeoutSeconds: 2,
          }),
          logger,
          host,
        ),
      ).rejects.toThrow(/was killed \(exit 137/);
      const state = await execLocal(['docker', 'inspect', '--format', '{{.State.Running}}', name]);
      expect(state.stdout.trim()).toBe('true');
      expect(s3.openUploads()).toEqual([]);
      expect((await listBackups(new BackupStore(s3.options('noinit'), logger))).length).toBe(0);
    } finally {
      await removeChromaContainer(name);
    }
  });
});
