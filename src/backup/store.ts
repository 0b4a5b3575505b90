import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { errorMessage, UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export interface StoreOptions {
  bucket: string;
  /** Key prefix, e.g. "ragship/production"; no leading or trailing slash. */
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** WHEN_SUPPORTED (AWS, MinIO) or WHEN_REQUIRED (R2, B2 and older S3-compatible stores). */
  checksumMode: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Omit to use the SDK's default chain (OIDC web identity, instance role, env). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

export const MIN_PART = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

/**
 * Fixed part size for a stream of at most `maxBytes`: every part equal (R2 requires it),
 * at most 10,000 parts (the S3 limit), never below S3's 5 MiB minimum, rounded to MiB.
 */
export function partSizeFor(maxBytes: number): number {
  const mib = 1024 * 1024;
  const needed = Math.ceil(maxBytes / (MAX_PARTS - 1));
  return Math.max(MIN_PART, Math.ceil(needed / mib) * mib);
}

export interface UploadResult {
  key: string;
  bytes: number;
  parts: number;
  partSize: number;
  uploadId?: string;
}

/** The S3-compatible store port of backups: streaming writes, small JSON objects, listing. */
export class BackupStore {
  readonly client: S3Client;

  constructor(
    readonly options: StoreOptions,
    private readonly logger: Logger,
  ) {
    logger.setSecret(options.secretAccessKey);
    logger.setSecret(options.sessionToken);
    this.client = new S3Client({
      endpoint: options.endpoint || undefined,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      requestChecksumCalculation: options.checksumMode,
      responseChecksumValidation: options.checksumMode,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? {
              accessKeyId: options.accessKeyId,
              secretAccessKey: options.secretAccessKey,
              sessionToken: options.sessionToken,
            }
          : undefined,
    });
  }

  key(...parts: string[]): string {
    return [this.options.prefix, ...parts].filter(Boolean).join('/');
  }

  private where(key?: string): string {
    return `s3://${this.options.bucket}/${key ?? this.options.prefix}`;
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (err) {
      throw new UserError(
        this.where(),
        `the bucket is not reachable: ${s3Message(err)}`,
        'check bucket, endpoint, region, path-style and credentials',
      );
    }
  }

  /**
   * Streams `body` into `key` by multipart upload with equal parts of `partSize`. On any
   * failure of the body or of S3 the multipart upload is aborted, so no part is left behind.
   */
  async uploadStream(
    key: string,
    body: Readable,
    partSize: number,
    onProgress?: (bytes: number) => void,
  ): Promise<UploadResult> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' },
      partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    let uploadId: string | undefined;
    let bytes = 0;
    let parts = 0;
    upload.on('httpUploadProgress', (p) => {
      if (p.loaded) bytes = p.loaded;
      if (p.part) parts = Math.max(parts, p.part);
      onProgress?.(bytes);
    });
    const done = upload.done();
    done.catch(() => {});
    // An error of the body must reach the upload (pipe chains do not propagate errors).
    const bodyFailed = new Promise<never>((_, reject) => body.once('error', reject));
    bodyFailed.catch(() => {});
    const internals = upload as unknown as {
      uploadId?: string;
      createMultiPartPromise?: Promise<{ UploadId?: string }>;
    };
    try {
      await Promise.race([done, bodyFailed]);
      uploadId = internals.uploadId;
      return { key, bytes, parts: Math.max(parts, 1), partSize, uploadId };
    } catch (err) {
      // Let the upload wind down by itself: its in-flight requests (CreateMultipartUpload, parts)
      // finish, then it aborts the multipart upload. Cancelling them client-side at once
      // (upload.abort()) let the server create an upload after the abort: an orphan.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        done.catch(() => {}),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 120_000);
        }),
      ]);
      clearTimeout(timer);
      await upload.abort().catch(() => {});
      uploadId =
        internals.uploadId ?? (await internals.createMultiPartPromise?.catch(() => undefined))?.UploadId;
      if (uploadId) await this.abortUpload(key, uploadId);
      throw err;
    }
  }

  /** Aborts one multipart upload; a store without the call is reported, not hidden. */
  async abortUpload(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: key, UploadId: uploadId }),
      );
      this.logger.info(`aborted multipart upload of ${key}`);
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchUpload') return;
      this.logger.warn(
        `could not abort multipart upload ${uploadId} of ${this.where(key)}: ${s3Message(err)} — its parts may be billed until a lifecycle rule (AbortIncompleteMultipartUpload) removes them`,
      );
    }
  }

  /** Multipart uploads still open under the prefix (orphans of killed runs). */
  async openUploads(): Promise<Array<{ key: string; uploadId: string; initiated?: Date }>> {
    const out: Array<{ key: string; uploadId: string; initiated?: Date }> = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const r = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.options.bucket,
          Prefix: `${this.options.prefix}/`,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const u of r.Uploads ?? [])
        if (u.Key && u.UploadId) out.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated });
      if (!r.IsTruncated) return out;
      keyMarker = r.NextKeyMarker;
      uploadIdMarker = r.NextUploadIdMarker;
    }
  }

  /** Aborts uploads left by killed runs (older than `minAgeMs`); returns how many. */
  async sweepOrphans(minAgeMs: number): Promise<number> {
    let uploads: Awaited<ReturnType<BackupStore['openUploads']>>;
    try {
      uploads = await this.openUploads();
    } catch (err) {
      this.logger.warn(
        `cannot list open multipart uploads (${s3Message(err)}); orphans of killed runs are not swept — add an AbortIncompleteMultipartUpload lifecycle rule`,
      );
      return 0;
    }
    let n = 0;
    for (const u of uploads) {
      if (u.initiated && Date.now() - u.initiated.getTime() < minAgeMs) continue;
      await this.abortUpload(u.key, u.uploadId);
      n++;
    }
    return n;
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: `${JSON.stringify(value, null, 2)}\n`,
        ContentType: 'application/json',
      }),
    );
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return JSON.parse(await r.Body!.transformToString('utf8')) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new UserError(
        this.where(key),
        `cannot read: ${s3Message(err)}`,
        'check credentials and the object key',
      );
    }
  }

  async getStream(key: string): Promise<{ body: Readable; bytes: number }> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return { body: r.Body as Readable, bytes: r.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err))
        throw new UserError(this.where(key), 'does not exist', 'list backups with `ragship backups`');
      throw new UserError(
        this.where(key),
        `cannot download: ${s3Message(err)}`,
        'check credentials and the object key',
      );
    }
  }

  /** Every key under `sub` (relative to the prefix), with sizes and times. */
  async list(sub = ''): Promise<Array<{ key: string; bytes: number; modified?: Date }>> {
    const out: Array<{ key: string; bytes: number; modified?: Date }> = [];
    let token: string | undefined;
    const Prefix = `${this.key(sub)}/`.replace(/\/+$/, '/');
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? [])
        if (o.Key) out.push({ key: o.Key, bytes: o.Size ?? 0, modified: o.LastModified });
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const r = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.options.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if (r.Errors?.length)
        throw new UserError(
          this.where(),
          `could not delete ${r.Errors.length} object(s): ${r.Errors[0]?.Message}`,
          'check the credentials allow s3:DeleteObject',
        );
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

export function s3Message(err: unknown): string {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  return `${e.name ?? 'Error'}${status}: ${errorMessage(err)}`;
}

export { Readable };
