import { BACKUP_ID, backupTime, keys, type Manifest, parseManifest, type Verification } from './manifest.js';
import type { BackupStore } from './store.js';

/** One backup as the store shows it. Only `committed` backups (manifest present) exist. */
export interface BackupEntry {
  id: string;
  time: Date;
  committed: boolean;
  verified: boolean;
  verifiedAt?: Date;
  bytes: number;
  manifest?: Manifest;
}

export async function listBackups(
  store: BackupStore,
  options: { withManifests?: boolean } = {},
): Promise<BackupEntry[]> {
  const objects = await store.list('backups');
  const byId = new Map<string, { files: Set<string>; bytes: number }>();
  for (const o of objects) {
    const rest = o.key.slice(store.key('backups').length + 1);
    const [id, file] = rest.split('/');
    if (!id || !file || !BACKUP_ID.test(id)) continue;
    const e = byId.get(id) ?? { files: new Set<string>(), bytes: 0 };
    e.files.add(file);
    e.bytes += o.bytes;
    byId.set(id, e);
  }
  const out: BackupEntry[] = [];
  for (const [id, e] of byId) {
    const entry: BackupEntry = {
      id,
      time: backupTime(id),
      committed: e.files.has('manifest.json'),
      verified: e.files.has('verified.json'),
      bytes: e.bytes,
    };
    if (entry.verified) {
      const v = await store.getJson<Verification>(store.key(keys.verified(id)));
      entry.verifiedAt = v ? new Date(v.verifiedAt) : undefined;
    }
    if (options.withManifests && entry.committed) {
      const m = await store.getJson(store.key(keys.manifest(id)));
      if (m) entry.manifest = parseManifest(m, `backup ${id}`);
    }
    out.push(entry);
  }
  return out.sort((a, b) => (a.id < b.id ? 1 : -1)); // newest first
}

export async function resolveBackupId(store: BackupStore, idOrLatest: string): Promise<string> {
  if (idOrLatest !== 'latest' && idOrLatest !== 'latest-verified') {
    if (!BACKUP_ID.test(idOrLatest))
      throw new (await import('../core/errors.js')).ConfigError(
        'backup-id',
        `${JSON.stringify(idOrLatest)} is not a backup id`,
        'use an id from `ragship backups`, or latest',
      );
    return idOrLatest;
  }
  const all = await listBackups(store);
  const pick = all.find((b) => b.committed && (idOrLatest === 'latest' || b.verified));
  if (!pick)
    throw new (await import('../core/errors.js')).UserError(
      `s3://${store.options.bucket}/${store.options.prefix}`,
      `has no ${idOrLatest === 'latest' ? 'committed' : 'verified'} backup`,
      'run a backup first',
    );
  return pick.id;
}
