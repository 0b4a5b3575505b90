import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scrypt } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Decrypter, Encrypter, type Identity, type Recipient, Stanza } from 'age-encryption';
import { UserError } from '../core/errors.js';

/**
 * The age format (age-encryption.org/v1) as Node streams: what `age -d` (Debian's age 1.1,
 * rage, typage) decrypts. Passphrase files use age's scrypt stanza; recipient files use X25519
 * (`age1…`) keys.
 *
 * The header — file key, recipient stanzas, MAC — is written and read by the `age-encryption`
 * library (Encrypter, Decrypter.decryptHeader). The payload (STREAM: 64 KiB ChaCha20-Poly1305
 * chunks) and the scrypt stanza use Node's native crypto: the library's pure-JS ChaCha20 ran at
 * ~20–50 MB/s on one thread and its scrypt blocks the event loop; the bytes are the same (tested
 * both ways against the library and against Debian's `age`).
 */

/** age's default passphrase work factor (scrypt N = 2^18, r = 8, p = 1). */
export const AGE_DEFAULT_LOG_N = 18;
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');

function scryptKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase,
      Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]),
      32,
      { N, r: 8, p: 1, maxmem: 256 * N * 8 + 32 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** chacha20-poly1305 with an all-zero nonce: the wrapping of the 16-byte file key. */
function wrap(fileKey: Uint8Array, key: Buffer): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 });
  return Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]);
}
function unwrap(body: Uint8Array, key: Buffer): Uint8Array | null {
  if (body.length !== 32) throw new Error('invalid scrypt stanza');
  const d = createDecipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 });
  d.setAuthTag(body.subarray(16));
  try {
    return Buffer.concat([d.update(body.subarray(0, 16)), d.final()]);
  } catch {
    return null;
  }
}

export class NativeScryptRecipient implements Recipient {
  constructor(
    private readonly passphrase: string,
    private readonly logN = AGE_DEFAULT_LOG_N,
  ) {}
  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = randomBytes(16);
    const key = await scryptKey(this.passphrase, salt, this.logN);
    return [new Stanza(['scrypt', b64(salt), String(this.logN)], wrap(fileKey, key))];
  }
}

export class NativeScryptIdentity implements Identity {
  constructor(private readonly passphrase: string) {}
  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    for (const s of stanzas) {
      if (s.args[0] !== 'scrypt') continue;
      if (stanzas.length !== 1) throw new Error('scrypt recipient is not the only one in the header');
      if (s.args.length !== 3 || !/^[1-9][0-9]*$/.test(s.args[2]!)) throw new Error('invalid scrypt stanza');
      const salt = Buffer.from(s.args[1]!, 'base64');
      const logN = Number(s.args[2]);
      if (salt.length !== 16) throw new Error('invalid scrypt stanza');
      if (logN > 22) throw new Error(`scrypt work factor 2^${logN} is too high`);
      return unwrap(s.body, await scryptKey(this.passphrase, salt, logN));
    }
    return null;
  }
}

export interface AgeEncryptOptions {
  /** Encrypt to these X25519 (`age1…`) recipients; the passphrase is then not used. */
  recipients?: string[];
  passphrase?: string;
  /** scrypt log2(N) for passphrase files (age's default 18; tests use less). */
  logN?: number;
}

export interface AgeDecryptKeys {
  passphrase?: string;
  /** `AGE-SECRET-KEY-1…` identities (the contents of an age key file are accepted too). */
  identities?: string[];
}

/** `AGE-SECRET-KEY-1…` lines of a key file as `age-keygen` writes it (comments skipped). */
export function parseIdentities(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

export const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

export function checkRecipients(recipients: string[], where: string): string[] {
  for (const r of recipients)
    if (!AGE_RECIPIENT.test(r))
      throw new UserError(
        where,
        `${JSON.stringify(r.slice(0, 20))}… is not an age X25519 recipient`,
        'use the public key `age-keygen -y key.txt` prints (age1…, 62 characters)',
      );
  return recipients;
}

const CHUNK = 64 * 1024;
const TAG = 16;
const SEALED = CHUNK + TAG;
const HEADER_MAX = 64 * 1024;

function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

/** STREAM nonce: 11-byte big-endian chunk counter ‖ last-chunk flag. */
function streamNonce(counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeUIntBE(counter, 5, 6);
  n[11] = last ? 1 : 0;
  return n;
}

/**
 * The age payload (64 KiB ChaCha20-Poly1305 chunks, the last one flagged) with Node's native
 * cipher; the header comes from `age-encryption`. A full chunk is sealed only once more data
 * follows it, so the last chunk always carries the flag.
 */
class AgeSealStream extends Transform {
  private readonly buf = Buffer.alloc(CHUNK);
  private used = 0;
  private counter = 0;

  constructor(
    head: Buffer,
    private readonly key: Buffer,
  ) {
    super();
    this.push(head);
  }

  private seal(plain: Buffer, last: boolean): Buffer {
    const c = createCipheriv('chacha20-poly1305', this.key, streamNonce(this.counter++, last), {
      authTagLength: TAG,
    });
    return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.used === CHUNK) {
        this.push(this.seal(this.buf, false));
        this.used = 0;
      }
      const n = Math.min(CHUNK - this.used, data.length);
      data.copy(this.buf, this.used, 0, n);
      this.used += n;
      data = data.subarray(n);
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.push(this.seal(this.buf.subarray(0, this.used), true));
    cb();
  }
}

type ErrorMapper = (err: unknown) => Error;

/** An age file in, plaintext out: header through `age-encryption`, payload natively. */
class AgeOpenStream extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private key?: Buffer;
  private counter = 0;

  constructor(
    private readonly decrypter: Decrypter,
    private readonly mapError: ErrorMapper,
  ) {
    super();
  }

  private open(sealed: Buffer, last: boolean): Buffer {
    const d = createDecipheriv('chacha20-poly1305', this.key!, streamNonce(this.counter++, last), {
      authTagLength: TAG,
    });
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    if (this.key) {
      this.drain(cb);
      return;
    }
    const end = this.pending.indexOf('\n--- ');
    const eol = end === -1 ? -1 : this.pending.indexOf(0x0a, end + 1);
    if (eol === -1 || this.pending.length < eol + 1 + 16) {
      if (this.pending.length > HEADER_MAX)
        cb(this.mapError(new Error('invalid header: no end of header in the first 64 KiB')));
      else cb();
      return;
    }
    const header = this.pending.subarray(0, eol + 1);
    const nonce = this.pending.subarray(eol + 1, eol + 17);
    this.decrypter.decryptHeader(header).then(
      (fileKey) => {
        this.key = payloadKey(fileKey, nonce);
        this.pending = this.pending.subarray(eol + 17);
        this.drain(cb);
      },
      (err) => cb(this.mapError(err)),
    );
  }

  /** Opens every full chunk known not to be the last one (more bytes follow it). */
  private drain(cb: TransformCallback): void {
    try {
      let at = 0;
      while (this.pending.length - at > SEALED) {
        this.push(this.open(this.pending.subarray(at, at + SEALED), false));
        at += SEALED;
      }
      this.pending = this.pending.subarray(at);
      cb();
    } catch (err) {
      cb(this.mapError(err));
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (!this.key) {
        const m = this.pending.subarray(0, 22).toString('latin1');
        throw new Error(
          m.startsWith('age-encryption.org/v1') ? 'invalid header: truncated' : 'invalid version line',
        );
      }
      if (this.pending.length < TAG) throw new Error('invalid tag: the last chunk is cut');
      if (this.pending.length === TAG && this.counter > 0) throw new Error('final chunk is empty');
      this.push(this.open(this.pending, true));
      cb();
    } catch (err) {
      cb(this.mapError(err));
    }
  }
}

/** Captures the file key the Encrypter draws (adds no stanza). */
class FileKeyTap implements Recipient {
  fileKey?: Uint8Array;
  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    this.fileKey = fileKey;
    return [];
  }
}

/** Plaintext in, an age file out. */
export async function ageEncryptStream(o: AgeEncryptOptions): Promise<Transform> {
  const e = new Encrypter();
  if (o.recipients?.length) for (const r of o.recipients) e.addRecipient(r);
  else if (o.passphrase) e.addRecipient(new NativeScryptRecipient(o.passphrase, o.logN ?? AGE_DEFAULT_LOG_N));
  else throw new Error('age encryption needs a passphrase or recipients');
  const tap = new FileKeyTap();
  e.addRecipient(tap);
  // The library writes the header (stanzas + MAC) of an empty file: header ‖ nonce ‖ 16-byte tag.
  const empty = Buffer.from(await e.encrypt(new Uint8Array(0)));
  const header = empty.subarray(0, empty.length - 32);
  const nonce = randomBytes(16); // a fresh payload nonce: the empty file's is discarded
  return new AgeSealStream(Buffer.concat([header, nonce]), payloadKey(tap.fileKey!, nonce));
}

/** An age file in, plaintext out; a wrong key, truncation or tampering is a UserError. */
export function ageDecryptStream(keys: AgeDecryptKeys, where: string): Transform {
  const d = new Decrypter();
  if (keys.passphrase) d.addIdentity(new NativeScryptIdentity(keys.passphrase));
  for (const i of keys.identities ?? []) d.addIdentity(i);
  return new AgeOpenStream(d, (err) => {
    if (err instanceof UserError) return err;
    const m = (err as Error).message ?? String(err);
    if (/no identity matched/.test(m))
      return new UserError(
        where,
        'cannot be decrypted with this passphrase or age identity (no identity matched the file’s recipients)',
        'pass the encryption passphrase or the age identity (AGE-SECRET-KEY-1…) the backup was made for',
      );
    if (/invalid tag|authenticate|final chunk is empty|Unsupported state/.test(m))
      return new UserError(
        where,
        `fails authentication (${m}): the archive is truncated, modified or corrupted`,
        'use another backup; this one cannot be trusted',
      );
    if (/invalid version|invalid header|invalid stanza|HMAC/.test(m))
      return new UserError(
        where,
        `is not a valid age file (${m}): empty or truncated, or not an age file`,
        'check the object key; use another backup',
      );
    return new UserError(where, `cannot be decrypted: ${m}`, 'use another backup');
  });
}
