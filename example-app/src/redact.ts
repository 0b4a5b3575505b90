/**
 * PII and secret redaction for logs. Order matters: secrets first (they may contain digits
 * that look like phone numbers), then emails, cards, phones.
 */
const RULES: [RegExp, string][] = [
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, 'Bearer [REDACTED]'],
  [/\b(?:sk|pk|rk)-(?:proj-|live-|test-)?[A-Za-z0-9_-]{16,}\b/g, '[REDACTED_KEY]'],
  [/\b(?:ghp|gho|ghs|github_pat|xox[abpr])_[A-Za-z0-9_-]{16,}\b/g, '[REDACTED_KEY]'],
  [/\bAKIA[0-9A-Z]{16}\b/g, '[REDACTED_KEY]'],
  [/\b(?:api[_-]?key|token|secret|password)\s*[:=]\s*\S+/gi, '[REDACTED_SECRET]'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[REDACTED_EMAIL]'],
  [/\b(?:\d[ -]?){12,18}\d\b/g, '[REDACTED_CARD]'],
  [/(?:\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b/g, '[REDACTED_PHONE]'],
];

export function redactText(s: string): string {
  let out = s;
  for (const [re, rep] of RULES) out = out.replace(re, rep);
  return out;
}

/** Header names whose values never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-ingest-token"]',
  'headers.authorization',
  'apiKey',
];
