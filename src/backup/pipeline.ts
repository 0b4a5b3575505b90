import { createHash } from 'node:crypto';
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { createGzip } from 'node:zlib';
import { UserError } from '../core/errors.js';
import { EncryptStream, type KdfParams } from './crypto-stream.js';
import type { StoredObject } from './manifest.js';
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
class Gate extends Transform {
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
  passphrase: string;
  key: string;
  partSize: number;
  minBytes: number;
  maxBytes: number;
  what: string;
  kdf?: KdfParams;
  gzipLevel?: number;
}

/**
 * source → inspect (per-file SHA-256) → gate (exit status, size floor) → gzip → encrypt →
 * meter (stored SHA-256) → S3 multipart. Nothing touches the disk; an error anywhere destroys
 * every stage and aborts the multipart upload.
 */
export async function streamToStore(store: BackupStore, o: StreamOptions): Promise<StoredObject> {
  const plain = new Meter();
  const gate = new Gate(o.producerDone, o.minBytes, o.maxBytes, o.what);
  const stored = new Meter();
  let pipeError: Error | undefined;
  const body = pipeline(
    o.source,
    o.inspector,
    plain,
    gate,
    createGzip({ level: o.gzipLevel ?? 6 }),
    new EncryptStream(o.passphrase, { kdf: o.kdf }),
    stored,
    (err) => {
      if (err) pipeError = err;
    },
  ) as unknown as Readable;
  // The producer's own failure must stop the upload even if its stream already ended.
  o.producerDone.catch((err) => body.destroy(err as Error));
  try {
    const up = await store.uploadStream(o.key, body, o.partSize);
    await o.producerDone;
    const files = typeof o.inspector.files === 'function' ? o.inspector.files() : o.inspector.files;
    return {
      key: o.key,
      storedBytes: stored.bytes,
      storedSha256: stored.hash.digest('hex'),
      plainBytes: plain.bytes,
      plainSha256: plain.hash.digest('hex'),
      compression: 'gzip',
      encryption: 'ragship-stream-v1/aes-256-gcm/scrypt',
      partSize: up.partSize,
      parts: Math.max(1, Math.ceil(stored.bytes / up.partSize)),
      files: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)),
    };
  } catch (err) {
    throw pipeError && !(err instanceof UserError) && pipeError instanceof UserError ? pipeError : err;
  }
}
