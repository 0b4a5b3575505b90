import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { NoCache } from '../../../src/eval/cache.js';
import { Progress } from '../../../src/eval/progress.js';
import { runSuite } from '../../../src/eval/runner.js';
import { loadSuite } from '../../../src/eval/suite.js';

// Real parts: runSuite with a module target that takes its time, a memory logger.
describe('eval progress', () => {
  it('says n of N, the counts, the rate and the ETA; the last line says done', () => {
    let t = 0;
    const counts = { pass: 0, fail: 0, error: 0 };
    const logger = new MemoryLogger();
    const p = new Progress({ total: 40, logger, counts, now: () => t });
    expect(p.line()).toBe(
      'eval 0/40 (0%) · 0 pass, 0 fail, 0 error · 1 ms elapsed, waiting for the first answer',
    );
    for (let i = 0; i < 10; i++) p.tick();
    counts.pass = 9;
    counts.error = 1;
    t = 5000;
    expect(p.line()).toBe('eval 10/40 (25%) · 9 pass, 0 fail, 1 error · 2.0 runs/s · ETA 15.0 s');
    for (let i = 0; i < 30; i++) p.tick();
    t = 20_000;
    p.stop();
    expect(logger.lines.at(-1)).toBe('eval 40/40 (100%) · 9 pass, 0 fail, 1 error · done in 20.0 s');
  });

  it('a run logs progress lines while cases are running, not only when it ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-eval-progress-'));
    writeFileSync(
      join(dir, 'cases.jsonl'),
      `${Array.from({ length: 8 }, (_, i) => JSON.stringify({ id: `c${i}`, question: `q${i}?`, must_contain: ['ok'] })).join('\n')}\n`,
    );
    writeFileSync(
      join(dir, 'target.mjs'),
      "export default async () => { await new Promise((r) => setTimeout(r, 150)); return { answer: 'ok', sources: [] }; };\n",
    );
    writeFileSync(
      join(dir, 'suite.yaml'),
      'name: progress\ncases: cases.jsonl\ntarget: { type: module, path: target.mjs }\nmetrics:\n  contains: { case_min: 1 }\nrun: { concurrency: 1 }\n',
    );
    const logger = new MemoryLogger();
    const summary = await runSuite({
      suite: loadSuite(join(dir, 'suite.yaml')),
      target: await (await import('../../../src/eval/target.js')).createTarget(
        loadSuite(join(dir, 'suite.yaml')),
        {},
      ),
      cache: new NoCache(),
      resultsPath: join(dir, 'r.jsonl'),
      logger,
      progressEveryMs: 100,
    });
    expect(summary.pass).toBe(8);
    // at least one line while running (8 cases × 150 ms, a line every 100 ms)
    expect(logger.lines.some((l) => /^eval [0-7]\/8 \(\d+%\)/.test(l))).toBe(true);
    expect(logger.lines.filter((l) => /^eval [1-7]\/8 .*ETA \d/.test(l)).length).toBeGreaterThan(0);
    expect(logger.lines.at(-1)).toMatch(/^eval 8\/8 \(100%\) · 8 pass, 0 fail, 0 error · done in /);
  });
});
