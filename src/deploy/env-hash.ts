import { createHmac } from 'node:crypto';
import { UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Argv } from '../core/shell.js';

export const ENV_HASH_KEY_BYTES = 32;

/**
 * Creates the host's env-hash key once — 32 random bytes from the host's /dev/urandom in
 * ~/.ragship/env-hash.key of the deploy user, 0600 in a 0700 folder — and prints its path (never
 * the key). The bytes are written to a temporary name first and `ln` publishes them: a hard link
 * fails if the name exists, so two deploys racing on a new host both end up reading the one key
 * that won, and nobody ever reads a half-written file.
 */
export const envHashKeyCommand: Argv = [
  'sh',
  '-c',
  [
    'set -e',
    'umask 077',
    'd="$HOME/.ragship"',
    'mkdir -p "$d"',
    'chmod 700 "$d"',
    'f="$d/env-hash.key"',
    'if [ ! -s "$f" ]; then',
    `  t="$d/.env-hash.key.$$"`,
    `  head -c ${ENV_HASH_KEY_BYTES} /dev/urandom > "$t"`,
    '  ln "$t" "$f" 2>/dev/null || true',
    '  rm -f "$t"',
    'fi',
    'printf %s "$f"',
  ].join('\n'),
  'ragship-env-hash-key',
];

/** The host's env-hash key (created on first use), read through the Host port (SFTP). */
export async function envHashKey(host: Pick<Host, 'exec' | 'readFile' | 'label'>): Promise<Buffer> {
  const path = (await host.exec(envHashKeyCommand, { where: `${host.label} env-hash key` })).stdout.trim();
  const key = path ? await host.readFile(path) : undefined;
  if (!key || key.length !== ENV_HASH_KEY_BYTES)
    throw new UserError(
      `${host.label} ${path || '~/.ragship/env-hash.key'}`,
      `is not a ${ENV_HASH_KEY_BYTES}-byte env-hash key (${key ? `${key.length} bytes` : 'unreadable'})`,
      'remove it on the host; the next deploy creates a new one (earlier releases then show a changed env)',
    );
  return key;
}

/**
 * The release log's `envHash`: HMAC-SHA256 of the env overlay under the host's secret key, so
 * equal envs compare equal on that host (what rollback and `releases` show) while a reader of
 * the log cannot confirm a guessed secret value offline, as an unsalted SHA-256 allowed.
 */
export function keyedEnvHash(key: Buffer, material: string): string {
  return `hmac-sha256:${createHmac('sha256', key).update(material).digest('hex')}`;
}
