import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ageDecryptStream } from '../../../src/backup/age-stream.js';
import { decompressor } from '../../../src/backup/compress.js';
import { compressedOnHost, streamCompressedToStore } from '../../../src/backup/host-compress.js';
import type { BackupStore } from '../../../src/backup/store.js';
import { TarIndex } from '../../../src/backup/tar-index.js';
import { execLocal } from '../../../src/core/exec.js';

// Runs Debian's zstd and GNU tar on this machine as the "host" (the sandbox hosts are local).
const dir = mkdtempSync(join(tmpdir(), 'ragship-host-zstd-'));
writeFileSync(join(dir, 'a.bin'), Buffer.alloc(300_000, 7));
writeFileSync(join(dir, 'b.txt'), 'chroma\n'.repeat(10_000));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** A store that keeps the uploaded body in memory, or fails it. */
function memoryStore(fail?: Error): { store: BackupStore; body: Promise<Buffer> } {
  let resolve!: (b: Buffer) => void;
  const body = new Promise<Buffer>((r) => {
    resolve = r;
  });
  const store = {
    async uploadStream(_key: string, s: Readable, partSize: number) {
      if (fail) throw fail;
      resolve(await collect(s));
      return { partSize };
    },
  } as unknown as BackupStore;
  return { store, body };
}

/** The producer as execStream returns it: stdout and a promise of a clean exit. */
function produce(argv: readonly string[]): { stdout: Readable; done: Promise<unknown> } {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
  const done = new Promise((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(code) : reject(new Error(`producer exited ${code}`)))),
  );
  done.catch(() => {});
  return { stdout: child.stdout, done };
}

const options = (p: { stdout: Readable; done: Promise<unknown> }) => ({
  source: p.stdout,
  producerDone: p.done,
  inspector: new TarIndex(),
  passphrase: 'correct horse battery staple',
  kdf: { logN: 10, r: 8, p: 1 },
  key: 'archive',
  partSize: 5 * 2 ** 20,
  minBytes: 1024,
  maxBytes: 2 ** 30,
  what: 'test archive',
});

describe('zstd on the host', () => {
  it('compresses the producer output and fails with the producer status (no pipefail in sh)', async () => {
    const ok = await execLocal([
      'sh',
      '-c',
      `${compressedOnHost(['printf', 'abc'])
        .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
        .join(' ')} | zstd -d -q -c`,
    ]);
    expect(ok.stdout).toBe('abc');
    const failed = await execLocal(compressedOnHost(['sh', '-c', 'printf partial; exit 5']), {
      allowFailure: true,
    });
    expect(failed.code).toBe(5);
  });

  it('stores the host-compressed bytes as tar + zstd + age, indexing the plaintext it decompresses', async () => {
    const tar = ['tar', '-C', dir, '-c', '.'];
    const plain = createHash('sha256')
      .update(await execLocalBuffer(tar))
      .digest('hex');
    const { store, body } = memoryStore();
    const r = await streamCompressedToStore(store, options(produce(compressedOnHost(tar))));
    expect(r.plainSha256).toBe(plain);
    expect(r.compression).toBe('zstd');
    expect(r.encryption).toBe('age/scrypt');
    expect(r.files.map((f) => f.path)).toEqual(expect.arrayContaining(['a.bin', 'b.txt']));
    const sealed = await body;
    expect(createHash('sha256').update(sealed).digest('hex')).toBe(r.storedSha256);
    const back = await collect(
      PassThrough.from([sealed])
        .pipe(ageDecryptStream({ passphrase: 'correct horse battery staple' }, 'test'))
        .pipe(decompressor('zstd')),
    );
    expect(createHash('sha256').update(back).digest('hex')).toBe(plain);
  });

  it('a producer that fails on the host fails the backup; nothing is reported stored', async () => {
    const { store } = memoryStore();
    await expect(
      streamCompressedToStore(
        store,
        options(produce(compressedOnHost(['sh', '-c', `tar -C ${dir} -c .; exit 3`]))),
      ),
    ).rejects.toThrow();
  });

  it('a dump below the size floor is refused before the upload completes', async () => {
    const { store } = memoryStore();
    await expect(
      streamCompressedToStore(store, {
        ...options(produce(compressedOnHost(['tar', '-C', dir, '-c', '.']))),
        minBytes: 10 ** 7,
      }),
    ).rejects.toThrow(/below the size floor/);
  });
});

function execLocalBuffer(argv: string[]): Promise<Buffer> {
  return collect(spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] }).stdout);
}
