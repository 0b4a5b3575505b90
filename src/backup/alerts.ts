import { UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { secrets } from '../core/redact.js';
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

export type WebhookFormat = 'slack' | 'discord' | 'json';

export function webhookFormat(url: string, explicit?: string): WebhookFormat {
  if (explicit === 'slack' || explicit === 'discord' || explicit === 'json') return explicit;
  if (/discord(app)?\.com\/api\/webhooks/.test(url)) return 'discord';
  return 'slack';
}

/** Slack (`text`) / Discord (`content`) / plain JSON payloads; secrets masked. */
export function alertPayload(
  format: WebhookFormat,
  title: string,
  text: string,
  link?: string,
): Record<string, unknown> {
  const body = secrets.redact(`${title}\n${text}${link ? `\n${link}` : ''}`).slice(0, 1900);
  if (format === 'discord') return { content: body, allowed_mentions: { parse: [] } };
  if (format === 'json') return { title: secrets.redact(title), text: secrets.redact(text), link };
  return { text: body };
}

/** Sends an alert; a failing webhook is logged, never thrown (the original failure matters more). */
export async function sendAlert(
  url: string | undefined,
  format: WebhookFormat,
  title: string,
  text: string,
  logger: Logger,
  link?: string,
): Promise<boolean> {
  if (!url) return false;
  try {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alertPayload(format, title, text, link)),
      signal: AbortSignal.timeout(10_000),
    });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    logger.info('alert sent');
    return true;
  } catch (err) {
    logger.warn(`could not send the alert webhook: ${(err as Error).message}`);
    return false;
  }
}
