import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { secrets } from '../core/redact.js';

/**
 * Secrets reach the CLI through files or environment variables, never through argv
 * (argv is visible to every user of the machine in `ps`).
 */
export function readSecretFile(path: string | undefined, envName: string, what: string): string {
  const fromEnv = process.env[envName];
  let value = fromEnv;
  if (path) {
    try {
      value = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(
        what,
        `cannot read ${path}: ${(err as Error).message}`,
        'give a readable file path',
      );
    }
  }
  if (!value) throw new ConfigError(what, 'is missing', `pass --${what}-file PATH or set ${envName}`);
  secrets.add(value);
  return value;
}

export function readTextFile(path: string | undefined, what: string): string {
  if (!path) return '';
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      what,
      `cannot read ${path}: ${(err as Error).message}`,
      'give a readable file path',
    );
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
