import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CollectionSummary } from './chroma-api.js';
import type { Compression } from './compress.js';
import type { FileEntry } from './tar-index.js';

/**
 * Object layout under the store prefix (one folder per backup):
 *
 *   backups/<id>/archive.tar.zst.age    the data: tar (physical; .ndjson for logical) → zstd
 *                                       (or .gz) → age: `age -d | zstd -d | tar -x` restores it
 *   backups/<id>/config.tar.zst.age     optional app config (compose files, nginx, release log)
 *   backups/<id>/manifest.json          written LAST: the commit marker; without it the backup
 *                                       does not exist
 *   backups/<id>/verified.json          written by a passing verify; retention only counts these
 *
 * Manifest format 1 (ragship ≤ 0.x before issue 21) stored `archive.bin` / `config.bin` in the
 * ragship-only "RAGSHIPB" format (gzip → AES-256-GCM); those backups still restore.
 *
 * Backup ids sort by time: 20261127T140102Z-1a2b3c.
 */
export const MANIFEST_FORMAT = 'ragship-backup/2';
/** Manifest formats this version reads. */
export const READABLE_FORMATS = ['ragship-backup/1', 'ragship-backup/2'] as const;
export const BACKUP_ID = /^[0-9]{8}T[0-9]{6}Z-[a-f0-9]{6}$/;

export function newBackupId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function backupTime(id: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id);
  if (!m) return new Date(Number.NaN);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

export const keys = {
  dir: (id: string) => `backups/${id}`,
  /** The object of the data: `archive.tar.zst.age`, `archive.ndjson.gz.age`, … */
  archive: (id: string, mode: 'physical' | 'logical' = 'physical', compression: Compression = 'zstd') =>
    `backups/${id}/archive.${mode === 'physical' ? 'tar' : 'ndjson'}.${compression === 'zstd' ? 'zst' : 'gz'}.age`,
  config: (id: string, compression: Compression = 'zstd') =>
    `backups/${id}/config.tar.${compression === 'zstd' ? 'zst' : 'gz'}.age`,
  /** Format-1 (RAGSHIPB) object names, read path only. */
  legacyArchive: (id: string) => `backups/${id}/archive.bin`,
  legacyConfig: (id: string) => `backups/${id}/config.bin`,
  manifest: (id: string) => `backups/${id}/manifest.json`,
  verified: (id: string) => `backups/${id}/verified.json`,
};

export const LEGACY_ENCRYPTION = 'ragship-stream-v1/aes-256-gcm/scrypt';
export type ArchiveEncryption = 'age/scrypt' | 'age/x25519' | typeof LEGACY_ENCRYPTION;

export interface StoredObject {
  key: string;
  /** Bytes and SHA-256 of the object as stored (encrypted). */
  storedBytes: number;
  storedSha256: string;
  /** Bytes and SHA-256 of the plaintext before compression. */
  plainBytes: number;
  plainSha256: string;
  compression: Compression;
  /** `age` (age-encryption.org/v1) or the format-1 RAGSHIPB stream (read path only). */
  encryption: ArchiveEncryption;
  partSize: number;
  parts: number;
  /** Per-file SHA-256 (physical: every file of the persist dir; logical: one per collection). */
  files: FileEntry[];
}

export interface Manifest {
  format: (typeof READABLE_FORMATS)[number];
  id: string;
  environment: string;
  mode: 'physical' | 'logical';
  createdAt: string;
  completedAt: string;
  /** Logical exports taken while writes continued are fuzzy (or fail, per on-drift). */
  fuzzy: boolean;
  drift: Array<{ collection: string; before: number; exported: number; after: number }>;
  chroma: {
    version: string;
    source: string;
    persistPath?: string;
    collections: CollectionSummary[];
  };
  archive: StoredObject;
  config?: StoredObject;
  downtimeMs?: number;
  /** Physical mode with a local snapshot: time of the copy on the host (inside the downtime). */
  snapshotCopyMs?: number;
  durationMs: number;
  ragship: string;
}

export interface Verification {
  id: string;
  verifiedAt: string;
  chromaVersion: string;
  collections: number;
  records: number;
  selfQueries: number;
  durationMs: number;
}

const collectionSchema = z.object({
  name: z.string(),
  count: z.number().int().nonnegative(),
  dimension: z.number().int().nullable(),
  idsSha256: z.string().regex(/^[a-f0-9]{64}$/),
  sampleIds: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});
const fileSchema = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[a-f0-9]{64}$/),
});
const objectSchema = z.object({
  key: z.string(),
  storedBytes: z.number().int().positive(),
  storedSha256: z.string().regex(/^[a-f0-9]{64}$/),
  plainBytes: z.number().int().nonnegative(),
  plainSha256: z.string().regex(/^[a-f0-9]{64}$/),
  compression: z.enum(['zstd', 'gzip']),
  encryption: z.enum(['age/scrypt', 'age/x25519', LEGACY_ENCRYPTION]),
  partSize: z.number().int().positive(),
  parts: z.number().int().positive(),
  files: z.array(fileSchema),
});
export const manifestSchema = z.object({
  format: z.enum(READABLE_FORMATS),
  id: z.string().regex(BACKUP_ID),
  environment: z.string(),
  mode: z.enum(['physical', 'logical']),
  createdAt: z.string(),
  completedAt: z.string(),
  fuzzy: z.boolean(),
  drift: z.array(
    z.object({ collection: z.string(), before: z.number(), exported: z.number(), after: z.number() }),
  ),
  chroma: z.object({
    version: z.string(),
    source: z.string(),
    persistPath: z.string().optional(),
    collections: z.array(collectionSchema),
  }),
  archive: objectSchema,
  config: objectSchema.optional(),
  downtimeMs: z.number().optional(),
  snapshotCopyMs: z.number().optional(),
  durationMs: z.number(),
  ragship: z.string(),
});

export function parseManifest(value: unknown, where: string): Manifest {
  const format = (value as { format?: unknown } | null)?.format;
  if (typeof format === 'string' && !(READABLE_FORMATS as readonly string[]).includes(format))
    throw new Error(
      `${where}: manifest format ${JSON.stringify(format)} is newer than this ragship reads (${READABLE_FORMATS.join(', ')}): restore it with the ragship version that wrote it (manifest field "ragship") or newer`,
    );
  const r = manifestSchema.safeParse(value);
  if (!r.success)
    throw new Error(
      `${where}: not a valid ragship manifest: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`,
    );
  return r.data as Manifest;
}
