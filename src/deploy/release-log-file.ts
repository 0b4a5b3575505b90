import { posix } from 'node:path';
import { secrets } from '../core/redact.js';
import type { Argv } from '../core/shell.js';
import type { ReleaseRecord } from './release-log.js';

/**
 * Appends stdin to the release log, created 0640 in a deploy root closed to other users
 * (0750), whatever the host's umask: the log holds error text and migration output.
 */
export function appendReleaseLog(root: string): Argv {
  return [
    'sh',
    '-c',
    'umask 027; chmod 0750 "$1" && cat >> "$1/releases.jsonl" && chmod 0640 "$1/releases.jsonl"',
    'sh',
    root,
  ];
}

export const releaseLogPath = (root: string) => posix.join(root, 'releases.jsonl');

/** The record as it may be written: every known secret masked in its free text. */
export function redactedRecord(rec: ReleaseRecord): ReleaseRecord {
  return {
    ...rec,
    error: rec.error === undefined ? undefined : secrets.redact(rec.error),
    output: rec.output === undefined ? undefined : secrets.redact(rec.output),
  };
}
