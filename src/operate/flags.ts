import { ConfigError } from '../core/errors.js';
import { isValid } from '../core/validate.js';

/**
 * Validation of the day-2 verbs' flags, before any connection. Every error names the flag,
 * says what is wrong and what to write instead; the CLI exits 2 for these (ConfigError).
 */

const show = (v: string) => JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);

const DURATION = /^(?:[0-9]{1,6}[dhms]){1,4}$/;
const TIMESTAMP =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?$/;

/**
 * `--since`: a duration (10m, 1h30m, 2d) or an RFC 3339 date/time. Days become hours because
 * `docker logs --since` takes Go durations, which have no days.
 */
export function parseSince(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (DURATION.test(value)) {
    let hours = 0;
    let rest = '';
    for (const [, n, unit] of value.matchAll(/([0-9]+)([dhms])/g)) {
      if (unit === 'd') hours += Number(n) * 24;
      else if (unit === 'h') hours += Number(n);
      else rest += `${n}${unit}`;
    }
    return `${hours ? `${hours}h` : ''}${rest}` || '0s';
  }
  if (TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw new ConfigError(
    '--since',
    `${show(value)} is neither a duration nor a date`,
    'write a duration like 10m, 1h30m or 2d, or an RFC 3339 time like 2026-12-03T09:00:00Z',
  );
}

/** `--tail`: lines per container, a whole number up to 1,000,000, or `all`. */
export function parseTail(value: string | undefined): number | 'all' | undefined {
  if (value === undefined) return undefined;
  if (value === 'all') return 'all';
  if (/^[0-9]{1,7}$/.test(value) && Number(value) <= 1_000_000) return Number(value);
  throw new ConfigError(
    '--tail',
    `${show(value)} is not a number of lines`,
    'write a whole number from 0 to 1000000 (lines per container), or all',
  );
}

/** `--grep`: a JavaScript regular expression, matched on this machine (never sent to a host). */
export function parseGrep(value: string | undefined): RegExp | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value.length > 500)
    throw new ConfigError('--grep', `must be 1–500 characters (got ${value.length})`, 'shorten the pattern');
  try {
    return new RegExp(value);
  } catch (err) {
    throw new ConfigError(
      '--grep',
      `${show(value)} is not a valid regular expression: ${(err as Error).message}`,
      'escape special characters with \\ (JavaScript RegExp syntax)',
    );
  }
}

/** `--service`: a compose service name (checked against the release later). */
export function parseService(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isValid('service', value))
    throw new ConfigError(
      '--service',
      `${show(value)} is not a compose service name`,
      'use letters, digits, _ . - as in the compose file (e.g. app)',
    );
  return value;
}

/** `--role`: a role name from ragship.yml (checked against the environment later). */
export function parseRole(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isValid('name', value))
    throw new ConfigError(
      '--role',
      `${show(value)} is not a role name`,
      'use a role of the environment in ragship.yml (e.g. web)',
    );
  return value;
}

/** `--host`: a host name, host:port or user@host:port of the environment. */
export function parseHost(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[A-Za-z0-9_.@:[\]-]{1,300}$/.test(value))
    throw new ConfigError(
      '--host',
      `${show(value)} is not a host`,
      'use a host of the environment as written in ragship.yml, e.g. 10.0.0.5 or deploy@10.0.0.5:22',
    );
  return value;
}

/**
 * The command of `exec`: passed verbatim as argv (quoted in one place at the SSH boundary),
 * so only what cannot be an argument at all is refused.
 */
export function parseCommand(argv: readonly string[] | undefined): string[] {
  if (!argv?.length)
    throw new ConfigError(
      'command',
      'is missing',
      'put the command after --, e.g. ragship exec --environment staging -- node migrate.js',
    );
  argv.forEach((a, i) => {
    if (a.includes('\0'))
      throw new ConfigError(`command argument ${i + 1}`, 'contains a NUL byte', 'remove it');
  });
  const bytes = argv.reduce((n, a) => n + Buffer.byteLength(a), 0);
  if (bytes > 64 * 1024)
    throw new ConfigError(
      'command',
      `is ${bytes} bytes long; at most 65536 fit a remote command line`,
      'put long input in a file inside the image, or pipe it through a shorter command',
    );
  return [...argv];
}

/** --reason: one line of plain text, checked before any host is touched. */
export function parseReason(value: string | undefined): string {
  const reason = (value ?? '').trim();
  if (!reason || reason.length > 200 || /[\r\n\0]/.test(reason))
    throw new ConfigError(
      '--reason',
      reason ? 'must be one line of at most 200 characters' : 'is required when freeing a lock by hand',
      'say why, e.g. --reason "runner died during deploy 1234"',
    );
  return reason;
}
