import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CollectionSummary } from './chroma-api.js';
import type { FileEntry } from './tar-index.js';

/**
 * Object layout under the store prefix (one folder per backup):
 *
 *   backups/<id>/archive.bin    the data: tar (physical) or NDJSON (logical) → gzip → format v1
 *   backups/<id>/config.bin     optional app config (compose files, nginx, release log) → same
 *   backups/<id>/manifest.json  written LAST: the commit marker; without it the backup does not exist
 *   backups/<id>/verified.json  written by a passing verify; retention only counts these
 *
 * Backup ids sort by time: 20261127T140102Z-1a2b3c.
 */
export const MANIFEST_FORMAT = 'ragship-backup/1';
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
  archive: (id: string) => `backups/${id}/archive.bin`,
  config: (id: string) => `backups/${id}/config.bin`,
  manifest: (id: string) => `backups/${id}/manifest.json`,
  verified: (id: string) => `backups/${id}/verified.json`,
};

export interface StoredObject {
  key: string;
  /** Bytes and SHA-256 of the object as stored (encrypted). */
  storedBytes: number;
  storedSha256: string;
  /** Bytes and SHA-256 of the plaintext before compression. */
  plainBytes: number;
  plainSha256: string;
  compression: 'gzip';
  encryption: 'ragship-stream-v1/aes-256-gcm/scrypt';
  partSize: number;
  parts: number;
  /** Per-file SHA-256 (physical: every file of the persist dir; logical: one per collection). */
  files: FileEntry[];
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
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
  compression: z.literal('gzip'),
  encryption: z.literal('ragship-stream-v1/aes-256-gcm/scrypt'),
  partSize: z.number().int().positive(),
  parts: z.number().int().positive(),
  files: z.array(fileSchema),
});
export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
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
  durationMs: z.number(),
  ragship: z.string(),
});

export function parseManifest(value: unknown, where: string): Manifest {
  const r = manifestSchema.safeParse(value);
  if (!r.success)
    throw new Error(
      `${where}: not a valid ragship manifest: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`,
    );
  return r.data as Manifest;
}
