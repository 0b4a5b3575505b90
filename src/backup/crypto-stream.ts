import {
  createCipheriv,
  createDecipheriv,
  hkdfSync,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { UserError } from '../core/errors.js';

/**
 * The encrypted object format (version 1). Every byte of a backup object is covered by
 * AES-256-GCM tags; the key never leaves the runner.
 *
 *   header (48 bytes, also the AAD of every chunk):
 *     0  8  magic "RAGSHIPB"
 *     8  1  format version (1)
 *     9  1  scrypt log2(N)   10 1 scrypt r   11 1 scrypt p
 *     12 4  plaintext chunk size (u32 BE)
 *     16 16 random salt (scrypt)
 *     32 8  random nonce prefix
 *     40 8  key check: first 8 bytes of HKDF(master, "ragship-backup v1 key-check")
 *   then chunks: AES-256-GCM(ciphertext of ≤ chunk size plaintext bytes) ‖ 16-byte tag,
 *     nonce = prefix(8) ‖ counter(u32 BE), AAD = header ‖ final flag (1 byte: 1 on the last chunk).
 *   Every chunk but the last carries exactly `chunk size` plaintext bytes; the last carries
 *   0…chunk size and the final flag, so a truncated object fails authentication (the
 *   "STREAM" construction of Hoang–Reyhanitabar–Rogaway–Vizár).
 *
 *   master key = scrypt(passphrase, salt, N, r, p, 32); data key = HKDF-SHA256(master, salt,
 *   "ragship-backup v1 data", 32).
 */
export const MAGIC = Buffer.from('RAGSHIPB');
export const HEADER_BYTES = 48;
export const TAG_BYTES = 16;
export const DEFAULT_CHUNK = 1024 * 1024;
const VERSION = 1;

export interface KdfParams {
  logN: number;
  r: number;
  p: number;
}

/** scrypt N=2^15, r=8, p=1: ~32 MiB of memory, ~0.1 s — once per object. */
export const DEFAULT_KDF: KdfParams = { logN: 15, r: 8, p: 1 };

interface Keys {
  data: Buffer;
  check: Buffer;
}

function deriveKeys(passphrase: string, salt: Buffer, kdf: KdfParams): Keys {
  const N = 2 ** kdf.logN;
  const master = scryptSync(passphrase.normalize('NFC'), salt, 32, {
    N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * N * kdf.r + 16 * 1024 * 1024,
  });
  const data = Buffer.from(hkdfSync('sha256', master, salt, 'ragship-backup v1 data', 32));
  const check = Buffer.from(hkdfSync('sha256', master, salt, 'ragship-backup v1 key-check', 8));
  return { data, check };
}

export function assertPassphrase(passphrase: string, where: string): void {
  if (!passphrase || passphrase.length < 16) {
    throw new UserError(
      where,
      'the encryption passphrase is missing or shorter than 16 characters',
      'store a long random passphrase (e.g. `openssl rand -base64 32`) as a secret and pass it',
    );
  }
}

function nonce(prefix: Buffer, counter: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0, 0, 8);
  n.writeUInt32BE(counter, 8);
  return n;
}

/** Plaintext in, format-v1 object out. */
export class EncryptStream extends Transform {
  private readonly header: Buffer;
  private readonly key: Buffer;
  private readonly prefix: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private counter = 0;

  constructor(passphrase: string, options: { chunkSize?: number; kdf?: KdfParams } = {}) {
    super();
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    const kdf = options.kdf ?? DEFAULT_KDF;
    const salt = randomBytes(16);
    this.prefix = randomBytes(8);
    const keys = deriveKeys(passphrase, salt, kdf);
    this.key = keys.data;
    const h = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(h, 0);
    h[8] = VERSION;
    h[9] = kdf.logN;
    h[10] = kdf.r;
    h[11] = kdf.p;
    h.writeUInt32BE(chunkSize, 12);
    salt.copy(h, 16);
    this.prefix.copy(h, 32);
    keys.check.copy(h, 40);
    this.header = h;
    this.push(h);
  }

  private get chunkSize(): number {
    return this.header.readUInt32BE(12);
  }

  private seal(plain: Buffer, final: boolean): Buffer {
    if (this.counter >= 0xffffffff) throw new Error('too many chunks for one nonce prefix');
    const c = createCipheriv('aes-256-gcm', this.key, nonce(this.prefix, this.counter++));
    c.setAAD(Buffer.concat([this.header, Buffer.from([final ? 1 : 0])]));
    return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    // Keep at least one byte back: the last chunk must be sealed with the final flag.
    while (this.pendingBytes > this.chunkSize) {
      const all = Buffer.concat(this.pending);
      this.push(this.seal(all.subarray(0, this.chunkSize), false));
      const rest = all.subarray(this.chunkSize);
      this.pending = [rest];
      this.pendingBytes = rest.length;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.push(this.seal(Buffer.concat(this.pending), true));
    cb();
  }
}

/** Format-v1 object in, plaintext out; any tampering, truncation or wrong key is an error. */
export class DecryptStream extends Transform {
  private header?: Buffer;
  private key?: Buffer;
  private prefix?: Buffer;
  private chunkSize = 0;
  private buf: Buffer = Buffer.alloc(0);
  private counter = 0;
  private finished = false;

  constructor(
    private readonly passphrase: string,
    private readonly where = 'backup archive',
  ) {
    super();
  }

  private fail(problem: string, fix: string): UserError {
    return new UserError(this.where, problem, fix);
  }

  private open(sealed: Buffer, final: boolean): Buffer {
    const d = createDecipheriv('aes-256-gcm', this.key!, nonce(this.prefix!, this.counter++));
    d.setAAD(Buffer.concat([this.header!, Buffer.from([final ? 1 : 0])]));
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
    } catch {
      throw final
        ? this.fail(
            `chunk ${this.counter - 1} fails authentication: the archive is truncated or corrupted`,
            'use another backup; this one cannot be trusted',
          )
        : this.fail(
            `chunk ${this.counter - 1} fails authentication: the archive was modified or corrupted`,
            'use another backup; this one cannot be trusted',
          );
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      if (!this.header) {
        if (this.buf.length < HEADER_BYTES) {
          cb();
          return;
        }
        const h = Buffer.from(this.buf.subarray(0, HEADER_BYTES));
        if (!h.subarray(0, 8).equals(MAGIC))
          throw this.fail(
            'is not a ragship backup object (bad magic bytes)',
            'check the object key and that it was written by ragship',
          );
        if (h[8] !== VERSION)
          throw this.fail(
            `has format version ${h[8]}, this ragship reads version ${VERSION}`,
            'restore with a matching ragship version',
          );
        const kdf = { logN: h[9]!, r: h[10]!, p: h[11]! };
        if (kdf.logN < 10 || kdf.logN > 22 || kdf.r < 1 || kdf.r > 32 || kdf.p < 1 || kdf.p > 16)
          throw this.fail('has implausible key-derivation parameters', 'the header is corrupted');
        this.chunkSize = h.readUInt32BE(12);
        if (this.chunkSize < 1024 || this.chunkSize > 64 * 1024 * 1024)
          throw this.fail('has an implausible chunk size', 'the header is corrupted');
        const keys = deriveKeys(this.passphrase, h.subarray(16, 32), kdf);
        if (!timingSafeEqual(keys.check, h.subarray(40, 48))) {
          throw this.fail(
            'cannot be decrypted with this passphrase (key check failed)',
            'pass the encryption passphrase the backup was made with',
          );
        }
        this.header = h;
        this.key = keys.data;
        this.prefix = h.subarray(32, 40);
        this.buf = this.buf.subarray(HEADER_BYTES);
      }
      const sealedSize = this.chunkSize + TAG_BYTES;
      // A full chunk is only known to be non-final once at least one more byte follows it.
      while (this.buf.length > sealedSize) {
        this.push(this.open(this.buf.subarray(0, sealedSize), false));
        this.buf = this.buf.subarray(sealedSize);
      }
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (!this.header)
        throw this.fail(
          `is ${this.buf.length} bytes long, shorter than its header: it is empty or truncated`,
          'use another backup; this one is unusable',
        );
      if (this.buf.length < TAG_BYTES)
        throw this.fail(
          'ends in the middle of a chunk: it is truncated',
          'use another backup; this one is unusable',
        );
      this.push(this.open(this.buf, true));
      this.finished = true;
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  get complete(): boolean {
    return this.finished;
  }
}
