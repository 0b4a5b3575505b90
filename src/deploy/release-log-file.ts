import { posix } from 'node:path';
import { secrets } from '../core/redact.js';
import type { ReleaseRecord } from './release-log.js';

export const releaseLogPath = (root: string) => posix.join(root, 'releases.jsonl');

/** The record as it may be written: every known secret masked in its free text. */
export function redactedRecord(rec: ReleaseRecord): ReleaseRecord {
  return {
    ...rec,
    error: rec.error === undefined ? undefined : secrets.redact(rec.error),
    output: rec.output === undefined ? undefined : secrets.redact(rec.output),
  };
}
