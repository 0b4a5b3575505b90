import type { Logger } from './logger.js';
import { secrets } from './redact.js';

// Webhook alerts (Slack, Discord, plain JSON): one sender for deploy, rollback and backup.

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
