// The small file commands of a deploy (release log, stop markers, lock files), run through a
// real `sh` on a temporary folder: what they leave behind is the feature, not the argv text.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendReleaseLog,
  appendStdin,
  removeFiles,
  removeStopMarkers,
} from '../../../src/deploy/commands.js';

function run(argv: readonly string[], input = ''): { code: number | null; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { input, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

describe('file commands of a deploy (real sh)', () => {
  it('the release log append keeps both lines whole, closes the root to others and makes the log 0640', () => {
    const root = mkdtempSync(join(tmpdir(), 'ragship-log-'));
    expect(run(appendReleaseLog(root), '{"id":"R1"}\n').code).toBe(0);
    expect(run(appendReleaseLog(root), '{"id":"R2"}\n').code).toBe(0);
    expect(readFileSync(join(root, 'releases.jsonl'), 'utf8')).toBe('{"id":"R1"}\n{"id":"R2"}\n');
    expect(statSync(join(root, 'releases.jsonl')).mode & 0o777).toBe(0o640);
    expect(statSync(root).mode & 0o777).toBe(0o750);
  });

  it('the append takes an awkward path as an argument, never as script text', () => {
    const dir = mkdtempSync(join(tmpdir(), "ragship-it's $(x) "));
    const file = join(dir, 'lock-releases.jsonl');
    expect(run(appendStdin(file), 'a\n').code).toBe(0);
    expect(run(appendStdin(file), 'b\n').code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('a\nb\n');
  });

  it('dropping stop markers removes exactly the named ones', () => {
    const d = mkdtempSync(join(tmpdir(), 'ragship-stopping-'));
    for (const id of ['aaa', 'bbb', 'ccc']) writeFileSync(join(d, id), '');
    expect(run(removeStopMarkers(d, ['aaa', 'ccc'])).code).toBe(0);
    expect(['aaa', 'bbb', 'ccc'].map((id) => existsSync(join(d, id)))).toEqual([false, true, false]);
  });

  it('removeFiles removes a file, accepts a missing one and never removes a folder', () => {
    const d = mkdtempSync(join(tmpdir(), 'ragship-rm-'));
    writeFileSync(join(d, 'lock.guard'), '');
    mkdirSync(join(d, 'keep'));
    expect(run(removeFiles(join(d, 'lock.guard'), join(d, 'missing'))).code).toBe(0);
    expect(existsSync(join(d, 'lock.guard'))).toBe(false);
    expect(run(removeFiles(join(d, 'keep'))).code).not.toBe(0);
    expect(existsSync(join(d, 'keep'))).toBe(true);
  });
});
