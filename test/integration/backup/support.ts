import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';
import type { BackupOptions } from '../../../src/backup/backup.js';
import { ChromaApi } from '../../../src/backup/chroma-api.js';
import type { StoreOptions } from '../../../src/backup/store.js';
import { execLocal } from '../../../src/core/exec.js';
import { sandbox } from '../../support/sandbox.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
export const PASSPHRASE = 'correct horse battery staple 42';
/** Cheap scrypt for tests (the format records the parameters; production uses 2^15). */
export const TEST_KDF = { logN: 12, r: 8, p: 1 };

/**
 * s3rver 3.7 is the sandbox's S3-compatible server, but it implements neither
 * ListMultipartUploads nor AbortMultipartUpload. This middleware adds exactly those two
 * calls over s3rver's own on-disk upload folders, so the tests can prove that a failed
 * backup leaves no multipart parts behind (everything else is s3rver unchanged).
 */
function uploadDirs(root: string, bucket: string): Array<{ dir: string; id: string }> {
  const bdir = join(root, bucket);
  if (!existsSync(bdir)) return [];
  const out: Array<{ dir: string; id: string }> = [];
  for (const d of readdirSync(bdir)) {
    if (!d.endsWith('_uploads')) continue;
    for (const id of readdirSync(join(bdir, d))) out.push({ dir: join(bdir, d, id), id });
  }
  return out;
}

export interface S3Fixture {
  options: (prefix: string, bucket?: string) => StoreOptions;
  /** Open multipart uploads as s3rver's store holds them on disk. */
  openUploads: (bucket?: string) => string[];
  close: () => Promise<void>;
  bucket: string;
}

export async function startS3(port = 18210): Promise<S3Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ragship-backup-s3-'));
  const server = new S3rver({ port, address: '127.0.0.1', directory: dir, silent: true });
  (server as unknown as { middleware: unknown[] }).middleware.unshift(
    // biome-ignore lint/suspicious/noExplicitAny: koa's context type is not a dependency here
    async (ctx: any, next: () => Promise<void>) => {
      const [, bucket, ...rest] = ctx.path.split('/').filter((p: string, i: number) => i === 0 || p !== '');
      if (ctx.method === 'GET' && rest.length === 0 && 'uploads' in ctx.query) {
        const prefix = String(ctx.query.prefix ?? '');
        const uploads = uploadDirs(dir, bucket)
          .map((u) => ({ ...u, key: readFileSync(join(u.dir, 'key'), 'utf8'), at: statSync(u.dir).mtime }))
          .filter((u) => u.key.startsWith(prefix));
        ctx.type = 'application/xml';
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${bucket}</Bucket><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads
          .map(
            (u) =>
              `<Upload><Key>${u.key}</Key><UploadId>${u.id}</UploadId><Initiated>${u.at.toISOString()}</Initiated></Upload>`,
          )
          .join('')}</ListMultipartUploadsResult>`;
        return;
      }
      if (ctx.method === 'DELETE' && rest.length > 0 && ctx.query.uploadId) {
        const u = uploadDirs(dir, bucket).find((x) => x.id === ctx.query.uploadId);
        if (!u) {
          ctx.status = 404;
          ctx.type = 'application/xml';
          ctx.body =
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>no such upload</Message></Error>';
          return;
        }
        rmSync(u.dir, { recursive: true, force: true });
        ctx.status = 204;
        return;
      }
      return next();
    },
  );
  await server.run();
  const bucket = 'ragship-backup-it';
  const base = {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  };
  const client = new S3Client({ ...base, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    bucket,
    options: (prefix, b = bucket) => ({ ...base, bucket: b, prefix, checksumMode: 'WHEN_SUPPORTED' }),
    openUploads: (b = bucket) => uploadDirs(dir, b).map((u) => u.id),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * BackupOptions as the tests use them: production, a physical copy, the test passphrase and KDF,
 * drift fails, 64 KiB–10 GiB accepted; `over` wins.
 */
export function backupOptions(
  source: BackupOptions['source'],
  store: StoreOptions,
  over: Partial<BackupOptions> = {},
): BackupOptions {
  return {
    environment: 'production',
    mode: 'physical',
    source,
    store,
    passphrase: PASSPHRASE,
    minSizeBytes: 64 * 1024,
    maxSizeBytes: 10 * 1024 ** 3,
    stopTimeoutSeconds: 60,
    healthTimeoutSeconds: 60,
    onDrift: 'fail',
    pageSize: 500,
    kdf: TEST_KDF,
    ...over,
  };
}

/** The sandbox's own shared s3rver (4569), in a bucket of ours. */
export async function sandboxStore(
  prefix: string,
  checksumMode: StoreOptions['checksumMode'] = 'WHEN_REQUIRED',
): Promise<StoreOptions> {
  const s = sandbox().s3;
  const bucket = 'ragship-backup-sandbox';
  const client = new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: s.forcePathStyle,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => {});
  return {
    bucket,
    prefix,
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: s.forcePathStyle,
    checksumMode,
    accessKeyId: s.accessKeyId,
    secretAccessKey: s.secretAccessKey,
  };
}

export const CHROMA_IMAGE = 'ragship-sandbox/chroma:1.0.5';

/**
 * A Chroma 1.0.5 container on the sandbox engine (the one the cpu host's `deploy` user
 * drives), with its persist dir on a named volume, as the example app runs it. Uses the
 * sandbox Chroma image when it exists, else the sandbox Node image running this repo's pinned
 * chromadb server. `init: true` (tini) makes SIGTERM reach the server; without it, node as
 * PID 1 ignores SIGTERM and `docker stop` ends in SIGKILL (exit 137).
 */
export async function startChromaContainer(
  name: string,
  publishPort: number,
  options: { init?: boolean; labels?: Record<string, string> } = {},
): Promise<ChromaApi> {
  await removeChromaContainer(name);
  const haveImage =
    (await execLocal(['docker', 'image', 'inspect', CHROMA_IMAGE], { allowFailure: true })).code === 0;
  const base = [
    'docker',
    'run',
    '-d',
    '--name',
    name,
    '-v',
    `${name}-data:/data`,
    '-p',
    `127.0.0.1:${publishPort}:8000`,
    ...(options.init === false ? [] : ['--init']),
    ...Object.entries(options.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
  ];
  const argv = haveImage
    ? [...base, CHROMA_IMAGE]
    : [
        ...base,
        '-v',
        `${ROOT}node_modules:/opt/node_modules:ro`,
        sandbox().images.node,
        'node',
        '/opt/node_modules/chromadb/dist/cli.mjs',
        'run',
        '--host',
        '0.0.0.0',
        '--path',
        '/data',
        '--port',
        '8000',
      ];
  await execLocal(argv);
  const api = new ChromaApi(`http://127.0.0.1:${publishPort}`);
  await api.waitHealthy(60_000);
  return api;
}

export async function removeChromaContainer(name: string): Promise<void> {
  await execLocal(['docker', 'rm', '-f', name], { allowFailure: true });
  await execLocal(['docker', 'volume', 'rm', '-f', `${name}-data`], { allowFailure: true });
}

/** Deterministic vectors: record i of collection c. */
export function vector(c: number, i: number, dim: number): number[] {
  let x = (c + 1) * 7919 + i * 104729;
  const v: number[] = [];
  for (let d = 0; d < dim; d++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    v.push(x / 2147483648 - 0.5);
  }
  return v;
}

/** e.g. 3 collections × 1000 records × dim 64, with documents and metadata. */
export async function seed(
  api: ChromaApi,
  collections: string[],
  perCollection: number,
  dim = 64,
): Promise<void> {
  for (const [c, name] of collections.entries()) {
    const col = await api.createCollection(name, { owner: 'ragship-backup-test', index: c }, null);
    for (let start = 0; start < perCollection; start += 500) {
      const n = Math.min(500, perCollection - start);
      const ids = Array.from({ length: n }, (_, k) => `${name}-${String(start + k).padStart(5, '0')}`);
      await api.add(col.id, {
        ids,
        embeddings: ids.map((_, k) => vector(c, start + k, dim)),
        documents: ids.map((id, k) => ((start + k) % 10 === 0 ? null : `document ${id} — ünïcode ✓`)),
        metadatas: ids.map((_, k) =>
          (start + k) % 7 === 0
            ? null
            : { i: start + k, tag: `t${(start + k) % 5}`, even: (start + k) % 2 === 0 },
        ),
      });
    }
  }
}

/** Everything a collection holds, sorted by id, for exact comparisons. */
export async function dump(
  api: ChromaApi,
): Promise<
  Record<string, Array<{ id: string; embedding: number[]; document: string | null; metadata: unknown }>>
> {
  const out: Record<
    string,
    Array<{ id: string; embedding: number[]; document: string | null; metadata: unknown }>
  > = {};
  for (const c of await api.collections()) {
    const rows: Array<{ id: string; embedding: number[]; document: string | null; metadata: unknown }> = [];
    for (let offset = 0; ; offset += 1000) {
      const r = await api.get(c.id, {
        limit: 1000,
        offset,
        include: ['embeddings', 'documents', 'metadatas'],
      });
      for (const [i, id] of r.ids.entries())
        rows.push({
          id,
          embedding: r.embeddings![i]!,
          document: r.documents?.[i] ?? null,
          metadata: r.metadatas?.[i] ?? null,
        });
      if (r.ids.length < 1000) break;
    }
    out[c.name] = rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  }
  return out;
}
