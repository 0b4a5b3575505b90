import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { describe, expect, test } from 'vitest';
import {
  ageDecryptStream,
  ageEncryptStream,
  checkRecipients,
  NativeScryptRecipient,
  parseIdentities,
} from '../../../src/backup/age-stream.js';
import { compressor, decompressor, ProcessDuplex } from '../../../src/backup/compress.js';
import { keys, parseManifest } from '../../../src/backup/manifest.js';

const PASS = 'a long test passphrase 123';

function sink(): { w: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    w: new Writable({
      write(c, _e, cb) {
        parts.push(Buffer.from(c));
        cb();
      },
    }),
    bytes: () => Buffer.concat(parts),
  };
}

async function run(input: Buffer[], ...stages: NodeJS.ReadWriteStream[]): Promise<Buffer> {
  const s = sink();
  await (pipeline as unknown as (...streams: unknown[]) => Promise<void>)(
    Readable.from(input),
    ...stages,
    s.w,
  );
  return s.bytes();
}

const plain = randomBytes(300_000); // > 4 age chunks of 64 KiB, not a multiple of it

describe('age files (age-encryption.org/v1)', () => {
  test('passphrase files written with the native scrypt stanza decrypt with the library’s own scrypt identity', async () => {
    const sealed = await run([plain], await ageEncryptStream({ passphrase: PASS, logN: 10 }));
    expect(sealed.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    expect(sealed.toString('latin1')).toMatch(/\n-> scrypt [A-Za-z0-9+/]{22} 10\n/);
    const d = new Decrypter();
    d.addPassphrase(PASS);
    expect(Buffer.from(await d.decrypt(sealed)).equals(plain)).toBe(true);
  });

  test('files the library encrypts with a passphrase decrypt through the stream, in odd-sized pieces', async () => {
    const e = new Encrypter();
    e.setPassphrase(PASS);
    e.setScryptWorkFactor(10);
    const sealed = Buffer.from(await e.encrypt(plain));
    const pieces = [sealed.subarray(0, 7), sealed.subarray(7, 70_001), sealed.subarray(70_001)];
    expect((await run(pieces, ageDecryptStream({ passphrase: PASS }, 'test file'))).equals(plain)).toBe(true);
  });

  test('X25519 recipients: the identity decrypts, a passphrase does not', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    expect(checkRecipients([recipient], 'recipients')).toEqual([recipient]);
    const sealed = await run([plain], await ageEncryptStream({ recipients: [recipient], passphrase: PASS }));
    expect(sealed.toString('latin1')).toMatch(/\n-> X25519 /);
    const keyFile = `# created: 2026-12-03\n# public key: ${recipient}\n${identity}\n`;
    const out = await run([sealed], ageDecryptStream({ identities: parseIdentities(keyFile) }, 'test file'));
    expect(out.equals(plain)).toBe(true);
    await expect(run([sealed], ageDecryptStream({ passphrase: PASS }, 'test file'))).rejects.toThrow(
      /test file: cannot be decrypted with this passphrase or age identity/,
    );
  });

  test.each([1, 65_535, 65_536, 65_537, 131_072, 131_073])(
    '%i bytes (around the 64 KiB chunk boundaries) round-trip and decrypt with the library too',
    async (n) => {
      const data = plain.subarray(0, n);
      const sealed = await run([data], await ageEncryptStream({ passphrase: PASS, logN: 10 }));
      expect((await run([sealed], ageDecryptStream({ passphrase: PASS }, 'x'))).equals(data)).toBe(true);
      const d = new Decrypter();
      d.addPassphrase(PASS);
      expect(Buffer.from(await d.decrypt(sealed)).equals(data)).toBe(true);
      await expect(
        run([sealed.subarray(0, sealed.length - 16)], ageDecryptStream({ passphrase: PASS }, 'x')),
      ).rejects.toThrow(/truncated/);
    },
  );

  test('an empty input encrypts to a valid age file', async () => {
    const sealed = await run([], await ageEncryptStream({ passphrase: PASS, logN: 10 }));
    expect(await run([sealed], ageDecryptStream({ passphrase: PASS }, 'x'))).toHaveLength(0);
  });

  test.each([
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 70_000), /truncated, modified or corrupted/],
    ['cut at the last chunk', (b: Buffer) => b.subarray(0, b.length - 1), /truncated, modified or corrupted/],
    [
      'one bit flipped',
      (b: Buffer) => Buffer.from(b).fill(b[b.length >> 1]! ^ 1, b.length >> 1, (b.length >> 1) + 1),
      /truncated, modified or corrupted/,
    ],
    ['empty', () => Buffer.alloc(0), /not a valid age file/],
    ['not age', () => Buffer.from('RAGSHIPB and some bytes'), /not a valid age file/],
  ])('%s: a clear error naming the object', async (_n, mangle, pattern) => {
    const sealed = await run([plain], await ageEncryptStream({ passphrase: PASS, logN: 10 }));
    await expect(
      run([mangle(sealed)], ageDecryptStream({ passphrase: PASS }, 'backup X archive')),
    ).rejects.toThrow(pattern);
  });

  test('a wrong passphrase is named as such', async () => {
    const sealed = await run([plain], await ageEncryptStream({ passphrase: PASS, logN: 10 }));
    await expect(
      run([sealed], ageDecryptStream({ passphrase: 'another passphrase, long enough' }, 'backup X archive')),
    ).rejects.toThrow(/backup X archive: cannot be decrypted with this passphrase/);
  });

  test('recipients that are not age X25519 keys are refused, naming the input', () => {
    expect(() => checkRecipients(['ssh-ed25519 AAAA'], 'encryption-recipients')).toThrow(
      /encryption-recipients: .* is not an age X25519 recipient/,
    );
  });

  test('the native scrypt recipient records its work factor', async () => {
    const [stanza] = await new NativeScryptRecipient(PASS, 11).wrapFileKey(randomBytes(16));
    expect(stanza!.args[0]).toBe('scrypt');
    expect(stanza!.args[2]).toBe('11');
    expect(stanza!.body).toHaveLength(32);
  });
});

describe('compression', () => {
  test.each(['zstd', 'gzip'] as const)('%s round-trips through the stock format', async (kind) => {
    const data = Buffer.concat([plain, Buffer.alloc(200_000, 'a')]);
    const packed = await run([data], compressor(kind));
    expect(packed.length).toBeLessThan(data.length);
    expect(packed.subarray(0, kind === 'zstd' ? 4 : 2).toString('hex')).toBe(
      kind === 'zstd' ? '28b52ffd' : '1f8b',
    );
    expect((await run([packed], decompressor(kind))).equals(data)).toBe(true);
  });

  test('a missing binary is a clear error naming it and the fix', async () => {
    const p = new ProcessDuplex(['ragship-no-such-binary'], 'zstd compression', 'install zstd');
    await expect(run([Buffer.from('x')], p)).rejects.toThrow(
      /zstd compression: needs `ragship-no-such-binary`, which is not installed here/,
    );
  });

  test('a non-zero exit fails the stream with its stderr', async () => {
    await expect(run([Buffer.from('not zstd at all')], decompressor('zstd'))).rejects.toThrow(
      /zstd decompression: `zstd -d -q -c -` exited with 1/,
    );
  });
});

describe('manifest formats', () => {
  test('object names say what they are', () => {
    expect(keys.archive('ID')).toBe('backups/ID/archive.tar.zst.age');
    expect(keys.archive('ID', 'logical', 'gzip')).toBe('backups/ID/archive.ndjson.gz.age');
    expect(keys.config('ID')).toBe('backups/ID/config.tar.zst.age');
    expect(keys.legacyArchive('ID')).toBe('backups/ID/archive.bin');
  });

  test('a newer manifest format fails with a message saying which version reads it', () => {
    expect(() => parseManifest({ format: 'ragship-backup/3', ragship: '9.9.9' }, 'backup X')).toThrow(
      /backup X: manifest format "ragship-backup\/3" is newer than this ragship reads \(ragship-backup\/1, ragship-backup\/2\): restore it with the ragship version that wrote it/,
    );
  });
});
