import { UserError } from '../core/errors.js';

export { alertPayload, sendAlert, type WebhookFormat, webhookFormat } from '../core/notify.js';

import { listBackups } from './catalog.js';
import type { BackupStore } from './store.js';

export interface StalenessResult {
  newestVerified?: string;
  ageHours?: number;
  stale: boolean;
}

/**
 * The dead-man switch: fails when the newest verified backup was TAKEN more than `maxAgeHours`
 * ago. Age counts from the backup's creation (its id), never from its verification: a weekly
 * drill that re-verifies a 10-day-old backup must not make it look fresh.
 */
export async function checkStaleness(
  store: BackupStore,
  maxAgeHours: number,
  now = new Date(),
): Promise<StalenessResult> {
  const newest = (await listBackups(store)).find((b) => b.committed && b.verified);
  if (!newest) return { stale: true };
  const at = newest.time;
  const ageHours = (now.getTime() - at.getTime()) / 3_600_000;
  return { newestVerified: newest.id, ageHours, stale: ageHours > maxAgeHours };
}

export function stalenessError(r: StalenessResult, maxAgeHours: number, where: string): UserError {
  return new UserError(
    where,
    r.newestVerified
      ? `the newest verified backup (${r.newestVerified}) is ${r.ageHours!.toFixed(1)} h old, more than ${maxAgeHours} h`
      : 'has no verified backup at all',
    'check that the scheduled backup workflow runs (GitHub delays, drops and disables cron runs) and passes',
  );
}
