import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { FolderBaselineStore } from '../../../src/eval/baseline.js';
import { NoCache } from '../../../src/eval/cache.js';
import { type EvalGateResult, runEvalGate } from '../../../src/eval/gate.js';

// Real parts: the eval gate with a module target (answers from a file the test rewrites between
// "main" and "PR"), and headless Chromium (/usr/bin/chromium, driven by playwright-core)
// opening the written report.html from disk.
const dir = mkdtempSync(join(tmpdir(), 'ragship-eval-html-'));
const ids = Array.from({ length: 10 }, (_, i) => `q${i}`);
let browser: Browser;
let pr: EvalGateResult;

beforeAll(async () => {
  writeFileSync(
    join(dir, 'target.mjs'),
    [
      "import { readFileSync } from 'node:fs';",
      "export default async (c) => ({ answer: JSON.parse(readFileSync(new URL('./answers.json', import.meta.url), 'utf8'))[c.id], sources: [`doc-${c.id}`] });",
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'cases.jsonl'),
    ids
      .map((id) => JSON.stringify({ id, question: `Code of ${id}?`, must_contain: [`code-${id}`] }))
      .join('\n'),
  );
  writeFileSync(
    join(dir, 'suite.yaml'),
    [
      'name: html',
      'cases: cases.jsonl',
      'target: { type: module, path: target.mjs }',
      'metrics:',
      '  contains: { case_min: 1 }',
    ].join('\n'),
  );
  const ports = () => ({
    logger: new MemoryLogger(),
    cache: new NoCache(),
    baselines: new FolderBaselineStore(join(dir, 'baselines')),
  });
  writeFileSync(
    join(dir, 'answers.json'),
    JSON.stringify(Object.fromEntries(ids.map((id) => [id, `code-${id}`]))),
  );
  await runEvalGate(
    { suitePath: join(dir, 'suite.yaml'), outDir: join(dir, 'main'), headSha: 'm1', saveBaseline: true },
    ports(),
  );
  // PR: 8 cases now answer wrong; one of them with markup that must show as text
  const answers = Object.fromEntries(ids.map((id, i) => [id, i < 8 ? `wrong answer ${id}` : `code-${id}`]));
  answers.q0 = '<script>document.title="pwned"</script><b>bold?</b>';
  writeFileSync(join(dir, 'answers.json'), JSON.stringify(answers));
  pr = await runEvalGate(
    { suitePath: join(dir, 'suite.yaml'), outDir: join(dir, 'pr'), headSha: 'p1', baseSha: 'm1' },
    ports(),
  );
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTML report opened in headless Chromium', () => {
  it('shows the headline, metric rows, a chart point per metric and main vs PR answers side by side; loads nothing from the network', async () => {
    expect(pr.passed).toBe(false);
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(pr.htmlPath).href);
    expect(await page.textContent('#headline')).toContain('Eval gate html: failed');
    expect(await page.locator('#metrics tr[data-metric]').count()).toBe(2);
    expect(await page.textContent('#metrics tr[data-metric="pass_rate"]')).toContain('regressed');
    // one dot per metric row, left of the zero line (a drop)
    const dots = page.locator('#chart circle.delta');
    expect(await dots.count()).toBe(2);
    const zero = Number(await page.locator('#chart svg > line').first().getAttribute('x1'));
    for (const cx of await dots.evaluateAll((els) => els.map((e) => Number(e.getAttribute('cx')))))
      expect(cx).toBeLessThan(zero);
    const rows = page.locator('#cases tr[data-case]');
    expect(await rows.count()).toBe(8);
    const q1 = page.locator('#cases tr[data-case="q1"] td');
    expect(await q1.nth(1).textContent()).toContain('code-q1');
    expect(await q1.nth(2).textContent()).toContain('wrong answer q1');
    expect(await q1.nth(2).textContent()).toContain('doc-q1');
    expect(await q1.nth(3).textContent()).toContain('contains 1.000 → 0.000');
    // an answer's markup is text, never executed
    expect(await page.locator('#cases tr[data-case="q0"] td').nth(2).textContent()).toContain('<script>');
    expect(await page.title()).not.toBe('pwned');
    expect(await page.locator('#cases b').count()).toBe(0);
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    await page.close();
  }, 120_000);
});
