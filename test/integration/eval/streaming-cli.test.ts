import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/program.js';
import { loadResults } from '../../../src/eval/results.js';

const run = promisify(execFile);
const ROOT = new URL('../../..', import.meta.url).pathname;
const FIXTURE = new URL('./fixtures/echo-target.mjs', import.meta.url).pathname;

async function writeSuite(
  dir: string,
  n: number,
  metrics = '  hit@k: { case_min: 1 }\n  token_f1: {}\n',
): Promise<string> {
  const out = createWriteStream(join(dir, 'cases.jsonl'));
  for (let i = 0; i < n; i++) {
    const line = `${JSON.stringify({ id: `case-${i}`, question: `question number ${i} ${'padding '.repeat(20)}`, reference: `echo question number ${i}`, relevant_sources: [`doc#case-${i}`] })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const suite = join(dir, 'suite.yaml');
  writeFileSync(
    suite,
    `name: stream\ncases: cases.jsonl\ntarget: { type: module, path: ${FIXTURE} }\nmetrics:\n${metrics}run: { concurrency: 16 }\n`,
  );
  return suite;
}

describe('results stream to JSONL (a JS-module target, no network)', () => {
  it('runs 20,000 cases with a live heap that grows by under half the bytes streamed to disk (no per-case timers or buffers kept)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-eval-stream-'));
    const suitePath = await writeSuite(dir, 20_000);
    const resultsPath = join(dir, 'results.jsonl');
    const probe = new URL('./fixtures/heap-probe.mts', import.meta.url).pathname;
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', probe, suitePath, resultsPath],
      { cwd: ROOT },
    );
    const m = JSON.parse(stdout) as { runs: number; before: number; maxLive: number; written: number };
    expect(m.runs).toBe(20_000);
    expect(m.written).toBeGreaterThan(8_000_000);
    // live heap (after full GCs during the run) grows by far less than what was written: results are on disk
    expect(m.maxLive - m.before).toBeLessThan(m.written / 2);
    const results = await loadResults(resultsPath);
    expect(results.cases.size).toBe(20_000);
  });
});

describe('ragship eval (CLI front door)', () => {
  it('exits 0 when the gate passes, 1 when it fails, 2 on a suite error naming line and key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-eval-cli-'));
    const ok = await writeSuite(dir, 5);
    const args = [
      '--out-dir',
      join(dir, 'out'),
      '--cache-dir',
      join(dir, 'cache'),
      '--baselines-dir',
      join(dir, 'b'),
    ];
    const stderr = process.stderr.write;
    const stdout = process.stdout.write;
    const captured: string[] = [];
    process.stderr.write = ((c: string) => captured.push(String(c)) > 0) as typeof process.stderr.write;
    process.stdout.write = ((c: string) => captured.push(String(c)) > 0) as typeof process.stdout.write;
    try {
      expect(await main(['eval', ok, ...args, '--sha', 'v1', '--save-baseline'])).toBe(0);
      writeFileSync(
        ok.replace('suite.yaml', 'strict.yaml'),
        `name: stream\ncases: cases.jsonl\ntarget: { type: module, path: ${FIXTURE} }\nmetrics:\n  token_f1: { suite_min: 0.99 }\n`,
      );
      process.exitCode = undefined;
      expect(await main(['eval', ok.replace('suite.yaml', 'strict.yaml'), ...args, '--sha', 'v2'])).toBe(1);
      process.exitCode = undefined;
      writeFileSync(
        ok.replace('suite.yaml', 'bad.yaml'),
        `name: stream\ncases: cases.jsonl\ntarget: { type: module, path: ${FIXTURE} }\nmetrics:\n  token_f1: { case_min: high }\n`,
      );
      expect(await main(['eval', ok.replace('suite.yaml', 'bad.yaml'), ...args])).toBe(2);
    } finally {
      process.stderr.write = stderr;
      process.stdout.write = stdout;
      process.exitCode = undefined;
    }
    const text = captured.join('');
    expect(text).toContain('passed — no baseline from main; absolute thresholds only');
    expect(text).toMatch(/token_f1 0\.\d+ is below the threshold 0\.990/);
    expect(text).toMatch(/bad\.yaml:5 metrics\.token_f1\.case_min: is a string \("high"\), not a number/);
  });
});
