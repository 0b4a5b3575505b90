import type { Logger } from '../core/logger.js';
import { type BackupEntry, listBackups } from './catalog.js';
import { keys } from './manifest.js';
import type { BackupStore } from './store.js';

export interface RetentionPolicy {
  keepLast: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
}

export interface RetentionPlan {
  keep: Array<{ id: string; reasons: string[] }>;
  remove: string[];
}

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const year = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${week}`;
}

/**
 * restic's `forget --keep-*` over verified backups only. Unverified and uncommitted
 * backups are never counted as kept copies and never chosen for removal here (they are
 * listed for a person to look at); the newest verified backup is always kept.
 */
export function planRetention(backups: BackupEntry[], policy: RetentionPolicy): RetentionPlan {
  const verified = backups
    .filter((b) => b.committed && b.verified)
    .sort((a, b) => b.time.getTime() - a.time.getTime());
  const reasons = new Map<string, string[]>();
  const add = (id: string, r: string) => reasons.set(id, [...(reasons.get(id) ?? []), r]);
  if (verified[0]) add(verified[0].id, 'newest verified');
  for (const b of verified.slice(0, policy.keepLast)) add(b.id, 'last');
  const bucket = (n: number, key: (d: Date) => string, label: string) => {
    const seen = new Set<string>();
    for (const b of verified) {
      if (seen.size >= n) break;
      const k = key(b.time);
      if (seen.has(k)) continue;
      seen.add(k);
      add(b.id, `${label} ${k}`);
    }
  };
  bucket(policy.keepDaily, (d) => d.toISOString().slice(0, 10), 'daily');
  bucket(policy.keepWeekly, isoWeek, 'weekly');
  bucket(policy.keepMonthly, (d) => d.toISOString().slice(0, 7), 'monthly');
  return {
    keep: [...reasons].map(([id, r]) => ({ id, reasons: r })),
    remove: verified.filter((b) => !reasons.has(b.id)).map((b) => b.id),
  };
}

export async function applyRetention(
  store: BackupStore,
  policy: RetentionPolicy,
  logger: Logger,
  dryRun = false,
): Promise<RetentionPlan & { unverified: string[] }> {
  const backups = await listBackups(store);
  const plan = planRetention(backups, policy);
  const unverified = backups.filter((b) => !b.verified).map((b) => b.id);
  if (!plan.keep.length) {
    logger.warn('retention: no verified backup exists, nothing is removed');
    return { ...plan, remove: [], unverified };
  }
  for (const id of plan.remove) {
    if (dryRun) continue;
    const objects = await store.list(keys.dir(id));
    // The manifest goes first: a half-deleted backup is then uncommitted, never "valid but broken".
    const manifest = objects
      .filter((o) => o.key.endsWith('/manifest.json') || o.key.endsWith('/verified.json'))
      .map((o) => o.key);
    await store.deleteKeys(manifest);
    await store.deleteKeys(objects.map((o) => o.key).filter((k) => !manifest.includes(k)));
    logger.info(`retention: removed ${id}`);
  }
  if (unverified.length)
    logger.warn(
      `retention: ${unverified.length} backup(s) are not verified and were left alone: ${unverified.slice(0, 5).join(', ')}`,
    );
  return { ...plan, unverified };
}
