import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, test } from 'vitest';
import { alertPayload, sendAlert, webhookFormat } from '../../../src/backup/alerts.js';
import type { BackupEntry } from '../../../src/backup/catalog.js';
import { compareVersions, idSetDigest, pickSamples } from '../../../src/backup/chroma-api.js';
import { DecryptStream, EncryptStream, HEADER_BYTES } from '../../../src/backup/crypto-stream.js';
import { batches } from '../../../src/backup/logical.js';
import { BACKUP_ID, backupTime, newBackupId } from '../../../src/backup/manifest.js';
import { checkContainer, checkPersistPath, commands } from '../../../src/backup/physical.js';
import { planRetention } from '../../../src/backup/retention.js';
import { MAX_PARTS, MIN_PART, partSizeFor } from '../../../src/backup/store.js';
import { TarIndex } from '../../../src/backup/tar-index.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { secrets } from '../../../src/core/redact.js';

const KDF = { logN: 10, r: 8, p: 1 };
const PASS = 'a long test passphrase 123';

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(c, _e, cb) {
        parts.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(parts);
}
const encrypt = (plain: Buffer, chunkSize = 4096) =>
  collect(Readable.from([plain]).pipe(new EncryptStream(PASS, { chunkSize, kdf: KDF })));
const decrypt = (sealed: Buffer, pass = PASS) =>
  collect(Readable.from([sealed]).pipe(new DecryptStream(pass)));

describe('ragship-stream-v1 encryption', () => {
  test.each([0, 1, 4095, 4096, 4097, 3 * 4096, 50_000])(
    'round-trips %i bytes across chunk boundaries',
    async (n) => {
      const plain = Buffer.from(Array.from({ length: n }, (_, i) => (i * 31) % 251));
      const sealed = await encrypt(plain);
      expect(sealed.subarray(0, 8).toString()).toBe('RAGSHIPB');
      expect(sealed.length).toBe(HEADER_BYTES + n + 16 * Math.max(1, Math.ceil(n / 4096)));
      expect((await decrypt(sealed)).equals(plain)).toBe(true);
    },
  );

  test('never writes the plaintext: the sealed bytes do not contain it', async () => {
    const plain = Buffer.from('SECRET-DOCUMENT-'.repeat(1000));
    expect((await encrypt(plain)).includes(Buffer.from('SECRET-DOCUMENT-'))).toBe(false);
  });

  test('truncation exactly at a chunk boundary is detected (final flag)', async () => {
    const sealed = await encrypt(Buffer.alloc(3 * 4096 + 10, 7));
    await expect(decrypt(sealed.subarray(0, HEADER_BYTES + 2 * (4096 + 16)))).rejects.toThrow(/truncated/);
  });

  test('truncation inside a chunk, an empty object and a header-only object are detected', async () => {
    const sealed = await encrypt(Buffer.alloc(10_000, 1));
    await expect(decrypt(sealed.subarray(0, sealed.length - 5))).rejects.toThrow(/truncated|corrupted/);
    await expect(decrypt(Buffer.alloc(0))).rejects.toThrow(/empty or truncated/);
    await expect(decrypt(sealed.subarray(0, HEADER_BYTES))).rejects.toThrow(/truncated/);
  });

  test('a wrong passphrase is named as such, a flipped bit as modification, a foreign file as not ours', async () => {
    const sealed = await encrypt(Buffer.alloc(10_000, 1));
    await expect(decrypt(sealed, 'another long passphrase!!')).rejects.toThrow(
      /cannot be decrypted with this passphrase/,
    );
    const flipped = Buffer.from(sealed);
    flipped[HEADER_BYTES + 5]! ^= 1;
    await expect(decrypt(flipped)).rejects.toThrow(/modified or corrupted/);
    await expect(
      decrypt(Buffer.from('PK\u0003\u0004 this is a zip file, not a backup at all, padded to 48+')),
    ).rejects.toThrow(/bad magic/);
  });

  test('reordering chunks fails authentication (nonce counter)', async () => {
    const sealed = await encrypt(Buffer.from(Array.from({ length: 3 * 4096 }, (_, i) => i % 256)));
    const c = 4096 + 16;
    const h = sealed.subarray(0, HEADER_BYTES);
    const a = sealed.subarray(HEADER_BYTES, HEADER_BYTES + c);
    const b = sealed.subarray(HEADER_BYTES + c, HEADER_BYTES + 2 * c);
    const rest = sealed.subarray(HEADER_BYTES + 2 * c);
    await expect(decrypt(Buffer.concat([h, b, a, rest]))).rejects.toThrow(/authentication/);
  });
});

describe('tar index', () => {
  test('per-file SHA-256 of a GNU tar with a long name, an empty file and a directory match sha256sum', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-tar-'));
    const long = `${'segment-'.repeat(20)}file.bin`;
    execFileSync('mkdir', ['-p', join(dir, 'data', 'sub')]);
    writeFileSync(join(dir, 'data', 'chroma.sqlite3'), Buffer.alloc(70_000, 3));
    writeFileSync(join(dir, 'data', 'sub', long), 'long name');
    writeFileSync(join(dir, 'data', 'empty'), '');
    const tar = execFileSync('tar', ['-C', dir, '-cf', '-', 'data'], { maxBuffer: 1e8 });
    const index = new TarIndex();
    const out = await collect(Readable.from([tar.subarray(0, 1000), tar.subarray(1000)]).pipe(index));
    expect(out.equals(tar)).toBe(true);
    const sums = execFileSync('sh', [
      '-c',
      'cd "$1" && find data -type f -exec sha256sum {} + | sort -k2',
      'sh',
      dir,
    ])
      .toString()
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    expect(index.sortedFiles().map((f) => [f.sha256, f.path])).toEqual(sums);
  });

  test('a tar cut inside an entry is reported as truncated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-tar-'));
    writeFileSync(join(dir, 'f'), Buffer.alloc(5000, 1));
    const tar = execFileSync('tar', ['-C', dir, '-cf', '-', 'f']);
    await expect(collect(Readable.from([tar.subarray(0, 2000)]).pipe(new TarIndex()))).rejects.toThrow(
      /truncated/,
    );
  });
});

describe('multipart sizing', () => {
  test.each([
    [1, MIN_PART],
    [50 * 1024 ** 3, 6 * 1024 ** 2],
    [100 * 1024 ** 3, 11 * 1024 ** 2],
    [5 * 1024 ** 4, 525 * 1024 ** 2],
  ])('an archive of at most %i bytes gets equal parts of %i bytes, within 10,000 parts', (max, part) => {
    expect(partSizeFor(max)).toBe(part);
    expect(Math.ceil(max / partSizeFor(max))).toBeLessThanOrEqual(MAX_PARTS);
    expect(partSizeFor(max) % (1024 * 1024)).toBe(0);
  });
});

describe('physical-mode commands are argv, validated before use', () => {
  test('stop with grace, docker cp out/in', () => {
    expect(commands.stop('app-chroma-1', 120)).toEqual(['docker', 'stop', '--time', '120', 'app-chroma-1']);
    expect(commands.copyOut('app-chroma-1', '/data')).toEqual(['docker', 'cp', 'app-chroma-1:/data', '-']);
    expect(commands.copyIn('app-chroma-1', '/')).toEqual(['docker', 'cp', '-', 'app-chroma-1:/']);
  });
  test.each(['a;rm -rf /', '-x', 'a b', '', 'x\n'])('container name %j is refused', (name) => {
    expect(() => checkContainer(name, 'container')).toThrow(/not a container name/);
  });
  test.each(['data', '/data/../etc', '/da ta', '/data;id'])('persist path %j is refused', (p) => {
    expect(() => checkPersistPath(p, 'persist-path')).toThrow(/absolute path/);
  });
});

describe('manifest ids, versions, samples', () => {
  test('backup ids sort by time and parse back', () => {
    const id = newBackupId(new Date('2026-11-27T14:01:02.345Z'));
    expect(id).toMatch(BACKUP_ID);
    expect(backupTime(id).toISOString()).toBe('2026-11-27T14:01:02.000Z');
  });
  test('versions compare numerically; id digests ignore order; samples are spread', () => {
    expect(compareVersions('1.0.10', '1.0.5')).toBeGreaterThan(0);
    expect(compareVersions('0.6.3', '1.0.0')).toBeLessThan(0);
    expect(idSetDigest(['b', 'a'])).toBe(idSetDigest(['a', 'b']));
    expect(pickSamples(['e', 'a', 'c', 'b', 'd'], 3)).toEqual(['a', 'c', 'e']);
  });
  test('import batches respect max_batch_size and the body cap', () => {
    const r = {
      ids: Array.from({ length: 12_000 }, (_, i) => `id${i}`),
      embeddings: Array.from({ length: 12_000 }, () => [0.1, 0.2]),
    };
    const counts = [...batches(r, 5461, 1e9)].map((b) => b.ids.length);
    expect(counts).toEqual([5461, 5461, 1078]);
    expect(Math.max(...[...batches(r, 5461, 2000)].map((b) => JSON.stringify(b).length))).toBeLessThan(2600);
  });
});

const day = (iso: string, verified = true, committed = true): BackupEntry => ({
  id: `${iso.replace(/[-:]/g, '').slice(0, 15)}Z-aaaaaa`,
  time: new Date(iso),
  committed,
  verified,
  bytes: 1,
});

describe('retention', () => {
  test('only unverified newer backups: the last verified one is kept and nothing is removed', () => {
    const v = day('2026-11-01T03:00:00Z');
    const plan = planRetention(
      [
        day('2026-11-05T03:00:00Z', false),
        day('2026-11-04T03:00:00Z', false),
        day('2026-11-03T03:00:00Z', false, false),
        v,
      ],
      { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
    );
    expect(plan.keep.map((k) => k.id)).toEqual([v.id]);
    expect(plan.remove).toEqual([]);
  });
  test('keep-last/daily/weekly/monthly like restic forget, over verified backups', () => {
    const all = [];
    for (let d = 1; d <= 60; d++)
      for (const h of ['03', '15'])
        all.push(
          day(`2026-${d <= 30 ? '09' : '10'}-${String(((d - 1) % 30) + 1).padStart(2, '0')}T${h}:00:00Z`),
        );
    const plan = planRetention(all, { keepLast: 2, keepDaily: 3, keepWeekly: 2, keepMonthly: 2 });
    const kept = new Set(plan.keep.map((k) => k.id));
    expect(kept.size + plan.remove.length).toBe(all.length);
    expect(kept.has(all.sort((a, b) => b.time.getTime() - a.time.getTime())[0]!.id)).toBe(true);
    expect(kept.size).toBeLessThanOrEqual(2 + 3 + 2 + 2);
    expect(kept.size).toBeGreaterThanOrEqual(4);
  });
  test('keep-last 0 still keeps the newest verified backup', () => {
    const plan = planRetention([day('2026-11-02T00:00:00Z'), day('2026-11-01T00:00:00Z')], {
      keepLast: 0,
      keepDaily: 0,
      keepWeekly: 0,
      keepMonthly: 0,
    });
    expect(plan.keep).toHaveLength(1);
    expect(plan.remove).toHaveLength(1);
  });
});

describe('alerts', () => {
  test('Slack and Discord payloads are posted to a webhook (local HTTP server), with secrets masked', async () => {
    secrets.add('hunter2-secret-value');
    const got: Array<{ url: string; body: unknown }> = [];
    const server = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        got.push({ url: req.url ?? '', body: JSON.parse(b) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const logger = new MemoryLogger();
    expect(
      await sendAlert(
        `http://127.0.0.1:${port}/slack`,
        'slack',
        'backup FAILED',
        'bad key hunter2-secret-value',
        logger,
      ),
    ).toBe(true);
    expect(
      await sendAlert(
        `http://127.0.0.1:${port}/api/webhooks/1/x`,
        'discord',
        'backup FAILED',
        'oops',
        logger,
        'https://run',
      ),
    ).toBe(true);
    server.close();
    expect(got[0]).toEqual({ url: '/slack', body: { text: 'backup FAILED\nbad key ***' } });
    expect(got[1]!.body).toEqual({
      content: 'backup FAILED\noops\nhttps://run',
      allowed_mentions: { parse: [] },
    });
  });
  test('a dead webhook is a warning, never a second failure', async () => {
    const logger = new MemoryLogger();
    expect(await sendAlert('http://127.0.0.1:1/x', 'slack', 't', 'x', logger)).toBe(false);
    expect(logger.text()).toMatch(/could not send the alert webhook/);
  });
  test('format detection', () => {
    expect(webhookFormat('https://discord.com/api/webhooks/1/abc')).toBe('discord');
    expect(webhookFormat('https://hooks.slack.com/services/x')).toBe('slack');
    expect(alertPayload('json', 't', 'x')).toEqual({ title: 't', text: 'x', link: undefined });
  });
});
