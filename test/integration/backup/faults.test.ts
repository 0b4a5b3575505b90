// Real parts: Chroma 1.0.5 in a container on the sandbox engine, driven over SSH as the cpu
// host's deploy user; s3rver (own instance) behind an HTTP proxy on 127.0.0.1 that can hold
// the archive upload open (a store that stalls, so a cancel always lands before the commit).
// Faults of issue 17 in backups: a cancelled backup (item 1), staleness (item 3), a restore
// whose stop fails or whose persist path is not a volume (item 8).
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkStaleness } from '../../../src/backup/alerts.js';
import { runBackup } from '../../../src/backup/backup.js';
import type { ChromaApi } from '../../../src/backup/chroma-api.js';
import { keys } from '../../../src/backup/manifest.js';
import { restoreBackup } from '../../../src/backup/restore.js';
import { restartAfterCancel } from '../../../src/backup/stopped-guard.js';
import { BackupStore } from '../../../src/backup/store.js';
import { verifyBackup } from '../../../src/backup/verify.js';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { connectSandboxHost, knownHosts, privateKey, sandboxHost } from '../../support/sandbox.js';
import {
  backupOptions,
  PASSPHRASE,
  removeChromaContainer,
  type S3Fixture,
  seed,
  startChromaContainer,
  startS3,
} from './support.js';

const CONTAINER = 'ragship-faults17-chroma';
const S3_PORT = 18291;
const PROXY_PORT = 18292;
const CHROMA_PORT = 18293;
const TARGET = 'ragship-faults17-target';
const TARGET_PORT = 18297;
const logger = new MemoryLogger();
let s3: S3Fixture;
let chroma: ChromaApi;
let proxy: Server;
const held = new Set<import('node:http').ServerResponse>();

/** Forwards to s3rver, but never answers a write of the archive (it stays "uploading"). */
function stallingProxy(): Server {
  return createServer((req, res) => {
    if ((req.method === 'PUT' || req.method === 'POST') && /archive/.test(req.url ?? '')) {
      held.add(res);
      return; // the body is never read: the whole pipeline backs up to `docker cp`
    }
    const up = request(
      { host: '127.0.0.1', port: S3_PORT, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
}

const stalledStore = (prefix: string) => ({
  ...s3.options(prefix),
  endpoint: `http://127.0.0.1:${PROXY_PORT}`,
});

async function serving(ms = 90_000): Promise<boolean> {
  try {
    await chroma.waitHealthy(ms);
    return true;
  } catch {
    return false;
  }
}

async function manifests(prefix: string): Promise<string[]> {
  const store = new BackupStore(s3.options(prefix), logger);
  return (await store.list('backups')).map((o) => o.key).filter((k) => k.endsWith('manifest.json'));
}

/** Runs the backup in its own process; sends `signal` when a log line matches `at`. */
async function cancelAt(
  prefix: string,
  at: RegExp,
  signal: NodeJS.Signals,
  localSnapshot: boolean,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'fixtures/cancel-backup.ts'),
      JSON.stringify({ container: CONTAINER, store: stalledStore(prefix), localSnapshot }),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
  );
  let out = '';
  let sent = false;
  const onData = (c: Buffer) => {
    out += c;
    if (!sent && at.test(out)) {
      sent = true;
      child.kill(signal);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (code, sig) => {
      clearTimeout(t);
      resolve({ code, signal: sig, out });
    });
  });
}

beforeAll(async () => {
  s3 = await startS3(S3_PORT);
  proxy = stallingProxy();
  await new Promise<void>((r) => proxy.listen(PROXY_PORT, '127.0.0.1', r));
  chroma = await startChromaContainer(CONTAINER, CHROMA_PORT);
  await seed(chroma, ['faults-a', 'faults-b'], 1500, 128);
}, 300_000);

afterAll(async () => {
  for (const r of held) r.destroy();
  proxy?.closeAllConnections();
  proxy?.close();
  await execLocal(['docker', 'start', CONTAINER], { allowFailure: true });
  const leftovers = await execLocal(
    ['docker', 'ps', '-aq', '--filter', `label=ragship.backup-snapshot-of=${CONTAINER}`],
    { allowFailure: true },
  );
  const ids = leftovers.stdout.split('\n').filter(Boolean);
  if (ids.length) await execLocal(['docker', 'rm', '-f', '-v', ...ids], { allowFailure: true });
  const vols = await execLocal(
    ['docker', 'volume', 'ls', '-q', '--filter', `label=ragship.backup-snapshot-of=${CONTAINER}`],
    { allowFailure: true },
  );
  const vs = vols.stdout.split('\n').filter(Boolean);
  if (vs.length) await execLocal(['docker', 'volume', 'rm', '-f', ...vs], { allowFailure: true });
  await removeChromaContainer(CONTAINER);
  await removeChromaContainer(TARGET);
  await s3?.close();
}, 120_000);

describe('a cancelled physical backup never leaves production Chroma stopped (item 1)', () => {
  test.each([
    ['stopping', /▶ stop ragship-faults17-chroma/, true],
    ['copying (local snapshot on the host)', /▶ local snapshot of/, true],
    ['streaming (no snapshot: Chroma stopped while the archive streams)', /▶ stream the persist dir/, false],
  ] as const)(
    'SIGTERM while %s: the process ends, Chroma serves afterwards, no manifest is written',
    async (phase, at, localSnapshot) => {
      const prefix = `cancel-${phase.split(' ')[0]}`;
      const r = await cancelAt(prefix, at, 'SIGTERM', localSnapshot);
      expect(r.out).not.toMatch(/BACKUP COMMITTED/);
      expect(r.code === 143 || r.signal === 'SIGTERM', r.out).toBe(true);
      // Whether the signal landed while Chroma was down (then the handler started it, and says
      // so) or just after the backup itself restarted it: Chroma serves, nothing is committed.
      if (r.code === 143) expect(r.out).toMatch(/backup cancelled \(SIGTERM\) while ragship-faults17-chroma/);
      expect(await serving(), r.out).toBe(true);
      expect(await manifests(prefix)).toEqual([]);
    },
    300_000,
  );

  test('killed outright (SIGKILL, runner lost) while streaming with Chroma stopped: the post step starts it again', async () => {
    const r = await cancelAt('cancel-killed', /▶ stream the persist dir/, 'SIGKILL', false);
    expect(r.signal, r.out).toBe('SIGKILL');
    const h = sandboxHost('cpu');
    const did = await restartAfterCancel(
      {
        spec: `${h.user}@${h.host}:${h.port}`,
        privateKey: privateKey(),
        knownHosts: knownHosts(),
        fingerprints: [],
      },
      CONTAINER,
      logger,
    );
    expect(['started', 'was running']).toContain(did);
    expect(await serving()).toBe(true);
    expect(await manifests('cancel-killed')).toEqual([]);
  }, 300_000);
});

describe('staleness counts from when a backup was taken, not when a drill re-verified it (item 3)', () => {
  test('a backup verified again 10 days after it was taken is 240 h old, and stale against 26 h', async () => {
    const host = connectSandboxHost('cpu', { logger });
    try {
      const b = await runBackup(
        backupOptions({ container: CONTAINER, persistPath: '/data', chromaPort: 8000 }, s3.options('stale'), {
          compression: 'gzip',
        }),
        logger,
        host,
      );
      const store = new BackupStore(s3.options('stale'), logger);
      const v = await verifyBackup(
        store,
        b.manifest.id,
        { passphrase: PASSPHRASE, record: true, port: 18294 },
        logger,
      );
      // The weekly drill, 10 days on: the same backup verified again (verified.json rewritten).
      const later = new Date(Date.now() + 10 * 24 * 3_600_000);
      await store.putJson(store.key(keys.verified(b.manifest.id)), {
        ...v.verification,
        verifiedAt: later.toISOString(),
      });
      const s = await checkStaleness(store, 26, later);
      expect(s.newestVerified).toBe(b.manifest.id);
      expect(s.ageHours!).toBeGreaterThan(239);
      expect(s.stale).toBe(true);
    } finally {
      host.close();
    }
  }, 300_000);
});

describe('a restore whose stop fails changes nothing (item 8)', () => {
  test('the target is killed instead of stopping (exit 137): the restore aborts before wiping, its data is unchanged and it serves', async () => {
    const host = connectSandboxHost('cpu', { logger });
    try {
      const b = await runBackup(
        backupOptions(
          { container: CONTAINER, persistPath: '/data', chromaPort: 8000 },
          s3.options('restore'),
          {
            compression: 'gzip',
          },
        ),
        logger,
        host,
      );
      // Node as PID 1 ignores SIGTERM: `docker stop --time 1` ends in SIGKILL.
      const target = await startChromaContainer(TARGET, TARGET_PORT, { init: false });
      await seed(target, ['live-data'], 50, 8);
      const l = new MemoryLogger();
      await expect(
        restoreBackup(
          {
            ...backupOptions(
              { container: TARGET, persistPath: '/data', chromaPort: 8000 },
              s3.options('restore'),
              {
                stopTimeoutSeconds: 1,
              },
            ),
            backupId: b.manifest.id,
            dryRun: false,
            safetyCopy: false,
          },
          l,
          host,
        ),
      ).rejects.toThrow(/restore aborted before any data was touched/);
      expect(l.text()).not.toMatch(/restoring anyway/);
      await target.waitHealthy(90_000);
      expect((await target.collections()).map((c) => c.name)).toEqual(['live-data']);
    } finally {
      host.close();
      await removeChromaContainer(TARGET);
    }
  }, 300_000);
});
