import { createHash } from 'node:crypto';
import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Progress } from '../core/progress.js';
import { ageEncryptStream } from './age-stream.js';
import { type Compression, compressor } from './compress.js';
import { EncryptStream, type KdfParams } from './crypto-stream.js';
import { LEGACY_ENCRYPTION, type StoredObject } from './manifest.js';
import type { BackupStore } from './store.js';
import type { FileEntry } from './tar-index.js';

/** Anything that watches the plaintext go by and can list its files at the end. */
export interface PlainInspector extends Transform {
  files: FileEntry[] | (() => FileEntry[]);
}

/** Counts and hashes bytes passing through. */
export class Meter extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/**
 * Holds the end of the plaintext until the producer has exited successfully, and enforces
 * the size bounds: a dump that failed, came out below the floor or above the ceiling never
 * completes its upload (the multipart upload is aborted instead).
 */
export class Gate extends Transform {
  bytes = 0;
  constructor(
    private readonly producerDone: Promise<unknown>,
    private readonly minBytes: number,
    private readonly maxBytes: number,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      cb(
        new UserError(
          this.what,
          `is larger than max-size (${this.maxBytes} bytes); the part size was chosen for that bound`,
          'raise max-size-gb',
        ),
      );
      return;
    }
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.producerDone.then(
      () => {
        if (this.bytes < this.minBytes) {
          return cb(
            new UserError(
              this.what,
              `is only ${this.bytes} bytes, below the size floor of ${this.minBytes} bytes: refusing to store a truncated or empty dump`,
              'check the source; lower min-size-bytes only if the data really shrank',
            ),
          );
        }
        cb();
      },
      (err) => cb(err as Error),
    );
  }
}

export interface StreamOptions {
  source: Readable;
  /** Resolves when the producer (remote tar, exporter) exited successfully. */
  producerDone: Promise<unknown>;
  inspector: Transform & { files: FileEntry[] | (() => FileEntry[]) };
  /** scrypt passphrase of the age file (unused when `recipients` are set). */
  passphrase: string;
  /** age X25519 recipients (`age1…`): the file is encrypted to them instead of the passphrase. */
  recipients?: string[];
  key: string;
  partSize: number;
  minBytes: number;
  maxBytes: number;
  what: string;
  /** scrypt parameters; only `logN` applies to age (r = 8, p = 1 are fixed by the format). */
  kdf?: KdfParams;
  compression?: Compression;
  level?: number;
  /**
   * Write the format-1 RAGSHIPB object (gzip → AES-256-GCM) instead of age. Only for tests of
   * the read path that keeps old backups restorable; never chosen by any input.
   */
  legacyFormat?: boolean;
  /** Where upload progress goes (MB, MB/s every few seconds; a live line on a terminal). */
  logger?: Logger;
}

/**
 * source → inspect (per-file SHA-256) → gate (exit status, size floor) → zstd (child process)
 * or gzip → age → meter (stored SHA-256) → S3 multipart. Nothing touches the disk; an error
 * anywhere destroys every stage and aborts the multipart upload. One promise pipeline end to
 * end; both it and the upload are awaited before anything is reported.
 */
export async function streamToStore(store: BackupStore, o: StreamOptions): Promise<StoredObject> {
  const plain = new Meter();
  const gate = new Gate(o.producerDone, o.minBytes, o.maxBytes, o.what);
  const stored = new Meter();
  const compression: Compression = o.legacyFormat ? 'gzip' : (o.compression ?? 'zstd');
  const recipients = o.recipients?.length ? o.recipients : undefined;
  const encrypt = o.legacyFormat
    ? new EncryptStream(o.passphrase, { kdf: o.kdf })
    : await ageEncryptStream({ recipients, passphrase: o.passphrase, logN: o.kdf?.logN });
  const compress = o.legacyFormat ? createGzip({ level: o.level ?? 6 }) : compressor(compression, o.level);
  const body = new PassThrough();
  const piped = pipeline(o.source, o.inspector, plain, gate, compress, encrypt, stored, body);
  // The producer's own failure must stop the upload even if its stream already ended.
  let producerError: Error | undefined;
  o.producerDone.catch((err) => {
    producerError = err as Error;
    body.destroy(err as Error);
  });
  const progress = o.logger && new Progress({ label: `upload ${o.key}`, unit: 'bytes', logger: o.logger });
  const uploaded = store
    .uploadStream(o.key, body, o.partSize, (b) => progress?.update(b))
    .catch((err) => {
      // S3 failed: tear the pipeline down (nothing else would drain it).
      body.destroy(err as Error);
      throw err;
    });
  const [p, u] = await Promise.allSettled([piped, uploaded]);
  progress?.finish();
  if (p.status === 'rejected' || u.status === 'rejected') {
    const errors = [p, u].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    throw errors.find((e) => e instanceof UserError) ?? producerError ?? errors[0];
  }
  const up = u.value;
  await o.producerDone;
  const files = typeof o.inspector.files === 'function' ? o.inspector.files() : o.inspector.files;
  return {
    key: o.key,
    storedBytes: stored.bytes,
    storedSha256: stored.hash.digest('hex'),
    plainBytes: plain.bytes,
    plainSha256: plain.hash.digest('hex'),
    compression,
    encryption: o.legacyFormat ? LEGACY_ENCRYPTION : recipients ? 'age/x25519' : 'age/scrypt',
    partSize: up.partSize,
    parts: Math.max(1, Math.ceil(stored.bytes / up.partSize)),
    files: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)),
  };
}
