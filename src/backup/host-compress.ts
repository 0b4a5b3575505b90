import { PassThrough, type Readable, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Argv } from '../core/shell.js';
import { ageEncryptStream } from './age-stream.js';
import { decompressor, haveZstd } from './compress.js';
import type { StoredObject } from './manifest.js';
import { Gate, Meter, type StreamOptions } from './pipeline.js';
import type { BackupStore } from './store.js';

/**
 * zstd on the Chroma host: the tar of the snapshot is compressed where it is read, so the SSH
 * connection carries the compressed bytes (about a fifth) and this machine only decrypts-free
 * work: the compressed stream goes into age and S3 as is, while a local `zstd -d` of the same
 * bytes feeds the per-file SHA-256 index, the plaintext hash and the size gate. The stored
 * object is the same tar + zstd + age as with local compression: restore does not change.
 * Used when both machines have the zstd CLI; otherwise the tar crosses SSH and zstd runs here.
 */

/** Whether the host has the zstd CLI on its PATH. */
export async function hostHasZstd(host: Host): Promise<boolean> {
  const r = await host.exec(['sh', '-c', 'command -v zstd'], { allowFailure: true });
  return r.code === 0;
}

/** Host compression is possible: zstd here (to index the plaintext) and on the host. */
export async function canCompressOnHost(host: Host): Promise<boolean> {
  return haveZstd() && (await hostHasZstd(host));
}

/**
 * `<producer> | zstd -<level> -T0` on the host, failing when the producer failed (POSIX sh has
 * no pipefail: the producer's status goes through a temp file).
 */
export function compressedOnHost(producer: Argv, level = 3): Argv {
  return [
    'sh',
    '-c',
    `st=$(mktemp) || exit 1; { "$@"; echo $? > "$st"; } | zstd -${Math.round(level)} -T0 -q -c; z=$?; c=$(cat "$st"); rm -f "$st"; [ "$c" = 0 ] || exit "\${c:-1}"; exit $z`,
    'sh',
    ...producer,
  ];
}

/** Passes bytes through; its end waits for `before` (the plaintext check) and fails with it. */
class HoldEnd extends Transform {
  constructor(private readonly before: Promise<unknown>) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.before.then(
      () => cb(),
      (err) => cb(err as Error),
    );
  }
}

/**
 * source (zstd from the host) ─┬→ hold end → age → meter (stored) → S3 multipart
 *                              └→ zstd -d → inspect (per-file SHA-256) → meter (plain) → gate
 * The upload completes only after the plaintext branch ended cleanly (producer exit status,
 * size bounds, a tar that parses); any error destroys both branches and aborts the upload.
 */
export async function streamCompressedToStore(
  store: BackupStore,
  o: StreamOptions & { source: Readable },
): Promise<StoredObject> {
  const plain = new Meter();
  const stored = new Meter();
  const gate = new Gate(o.producerDone, o.minBytes, o.maxBytes, o.what);
  const recipients = o.recipients?.length ? o.recipients : undefined;
  const encrypt = await ageEncryptStream({ recipients, passphrase: o.passphrase, logN: o.kdf?.logN });
  const toStore = new PassThrough();
  const toCheck = new PassThrough();
  const body = new PassThrough();
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  o.source.pipe(toStore);
  o.source.pipe(toCheck);
  o.source.on('error', (err) => {
    toStore.destroy(err);
    toCheck.destroy(err);
  });
  const checked = pipeline(toCheck, decompressor('zstd'), o.inspector, plain, gate, sink);
  checked.catch((err) => body.destroy(err as Error));
  const piped = pipeline(toStore, new HoldEnd(checked), encrypt, stored, body);
  let producerError: Error | undefined;
  o.producerDone.catch((err) => {
    producerError = err as Error;
    body.destroy(err as Error);
  });
  const uploaded = store.uploadStream(o.key, body, o.partSize).catch((err) => {
    body.destroy(err as Error);
    toCheck.destroy(err as Error);
    throw err;
  });
  const results = await Promise.allSettled([checked, piped, uploaded]);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (errors.length) throw errors.find((e) => e instanceof UserError) ?? producerError ?? errors[0];
  const up = (results[2] as PromiseFulfilledResult<Awaited<typeof uploaded>>).value;
  await o.producerDone;
  const files = typeof o.inspector.files === 'function' ? o.inspector.files() : o.inspector.files;
  return {
    key: o.key,
    storedBytes: stored.bytes,
    storedSha256: stored.hash.digest('hex'),
    plainBytes: plain.bytes,
    plainSha256: plain.hash.digest('hex'),
    compression: 'zstd',
    encryption: recipients ? 'age/x25519' : 'age/scrypt',
    partSize: up.partSize,
    parts: Math.max(1, Math.ceil(stored.bytes / up.partSize)),
    files: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)),
  };
}
