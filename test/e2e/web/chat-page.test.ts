/**
 * The chat page end to end, through real parts: the page built with Vite (example-app/web),
 * served by nginx (the sandbox nginx image with example-app/nginx/nginx.conf, the same
 * `location` as in production) in front of the example app (Fastify, listening on the host),
 * Chroma 1.0.5 from npm with the handbook ingested, the LLM stand-in streaming tokens, and
 * headless Chromium driven by playwright-core. Screenshots: test-artifacts/web/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../example-app/src/config.js';
import { startChroma } from '../../../example-app/src/demo.js';
import { readCorpus } from '../../../example-app/src/ingest.js';
import { migrate } from '../../../example-app/src/migrations.js';
import { createRuntime } from '../../../example-app/src/runtime.js';
import { buildApp } from '../../../example-app/src/server.js';
import { type Standin, startLlmStandin } from '../../fixtures/llm-standin/server.mjs';

const ROOT = new URL('../../..', import.meta.url).pathname;
const WEB = join(ROOT, 'example-app/web');
const CHROMA_PORT = 18610;
const APP_PORT = 18611;
const STANDIN_PORT = 18612;
const NGINX_PORT = 18613;
const NGINX = 'ragship-web-e2e-nginx';
const BASE = `http://127.0.0.1:${NGINX_PORT}`;
const ARTIFACTS = join(ROOT, 'test-artifacts/web');

let chroma: Awaited<ReturnType<typeof startChroma>>;
let standin: Standin;
let app: Awaited<ReturnType<typeof buildApp>>['app'];
let browser: Browser;
let tmp: string;

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: 'pipe' });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ragship-web-e2e-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: WEB, stdio: 'pipe' });

  chroma = await startChroma(CHROMA_PORT, join(tmp, 'chroma'));
  standin = await startLlmStandin({ port: STANDIN_PORT, host: '127.0.0.1', latencyMs: 0 });
  const cfg = loadConfig({
    CHROMA_URL: chroma.url,
    CHROMA_COLLECTION: 'ragship-web-e2e',
    LLM_ENDPOINTS: standin.url,
    TRUST_PROXY: 'true',
    INGEST_TOKEN: 'web-e2e',
    LOG_LEVEL: 'warn',
  });
  const rt = createRuntime(cfg);
  await migrate({ ...rt, batchSize: 1000 });
  app = (await buildApp(rt)).app;
  const ing = await app.inject({
    method: 'POST',
    url: '/ingest',
    headers: { authorization: 'Bearer web-e2e' },
    payload: { documents: readCorpus(join(ROOT, 'example-app/corpus')) },
  });
  expect(ing.statusCode, ing.body).toBe(200);
  // nginx runs in a container and reaches the app through the bridge gateway.
  await app.listen({ host: '0.0.0.0', port: APP_PORT });

  const upstreams = join(tmp, 'upstreams');
  mkdirSync(upstreams);
  writeFileSync(
    join(upstreams, 'app.upstream.conf'),
    `upstream ragship_app { server host.docker.internal:${APP_PORT}; }\n`,
  );
  docker('rm', '-f', NGINX);
  docker(
    'run',
    '-d',
    '--name',
    NGINX,
    '--add-host',
    'host.docker.internal:host-gateway',
    '-p',
    `127.0.0.1:${NGINX_PORT}:80`,
    '-v',
    `${join(ROOT, 'example-app/nginx/nginx.conf')}:/etc/nginx/nginx.conf:ro`,
    '-v',
    `${upstreams}:/etc/nginx/ragship:ro`,
    '-v',
    `${join(WEB, 'dist')}:/usr/share/nginx/html:ro`,
    'ragship-sandbox/nginx:latest',
  );
  for (let i = 0; ; i++) {
    const ok = await fetch(`${BASE}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 100) throw new Error(`nginx did not answer on ${BASE}:\n${docker('logs', NGINX)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
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
});

afterAll(async () => {
  await browser?.close();
  try {
    docker('rm', '-f', NGINX);
  } catch {
    /* not started */
  }
  await app?.close();
  await standin?.close();
  await chroma?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A fresh browser profile that records every request the page makes. */
async function openPage(): Promise<{ page: Page; requests: Request[] }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const requests: Request[] = [];
  page.on('request', (r) => requests.push(r));
  await page.goto(`${BASE}/`);
  return { page, requests };
}

async function ask(page: Page, question: string): Promise<void> {
  await page.getByLabel('Your question').fill(question);
  await page.getByLabel('Your question').press('Enter');
  await expect
    .poll(() => page.locator('#status').textContent(), { timeout: 60_000 })
    .toMatch(/complete|failed/);
}

describe('chat page through nginx in headless Chromium', () => {
  it('nginx serves the page with a same-origin CSP and still proxies the API', async () => {
    const page = await fetch(`${BASE}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await page.text()).toContain('Ask the Northwind handbook');
    const privacy = await fetch(`${BASE}/privacy.html`);
    expect(await privacy.text()).toMatch(/How long it is kept[\s\S]*14 days/);
    expect((await fetch(`${BASE}/ready`)).status).toBe(200);
  });

  it('the consent banner blocks the page until a choice, and nothing optional is stored or sent before it', async () => {
    const { page, requests } = await openPage();
    await expect.poll(() => page.getByRole('dialog', { name: 'Your privacy choice' }).isVisible()).toBe(true);
    // The page behind is inert: clicking the question field fails, Tab stays in the dialog.
    await expect(page.getByLabel('Your question').click({ timeout: 1500 })).rejects.toThrow();
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('#consent') !== null)).toBe(true);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(requests.filter((r) => r.url().includes('/query'))).toHaveLength(0);
    await page.screenshot({ path: join(ARTIFACTS, 'consent-banner.png') });

    await page.getByRole('button', { name: 'Only necessary' }).click();
    expect(await page.getByRole('dialog').isVisible()).toBe(false);
    const stored = await page.evaluate(() => ({ ...localStorage }));
    expect(Object.keys(stored)).toEqual(['ragship.consent']);
    expect(JSON.parse(stored['ragship.consent']!)).toMatchObject({ statistics: false });

    await ask(page, 'How long is the warranty on the Heron H1?');
    const query = requests.find((r) => r.url().endsWith('/query'))!;
    expect(query.headers()['x-user-id']).toBeUndefined();
    // Same origin only: no third-party request of any kind.
    expect(requests.every((r) => r.url().startsWith(BASE))).toBe(true);

    // The choice is remembered across reloads and can be changed.
    await page.reload();
    expect(await page.getByRole('dialog').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Privacy settings' }).click();
    expect(await page.getByRole('dialog').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Accept usage statistics' }).click();
    expect(await page.evaluate(() => localStorage.getItem('ragship.uid'))).toMatch(/^[0-9a-f-]{36}$/);
    await page.context().close();
  });

  it('asks by keyboard: the answer streams in with its sources, latency and cost; no disclaimer', async () => {
    const { page, requests } = await openPage();
    await page.getByRole('button', { name: 'Accept usage statistics' }).click();
    await ask(page, 'How long is the warranty on the Heron H1?');
    expect(await page.locator('#status').textContent()).toBe('Answer complete.');
    const answer = (await page.locator('#answer').textContent()) ?? '';
    expect(answer.length).toBeGreaterThan(20);
    expect(await page.locator('#sources li').count()).toBeGreaterThan(0);
    expect(await page.locator('#sources li').first().textContent()).toContain('warranty#');
    expect(await page.locator('[data-field="latency"]').textContent()).toMatch(/\d+(\.\d+)? m?s total/);
    expect(await page.locator('[data-field="cost"]').textContent()).toMatch(/^\$[0-9.]+ \(\d+ tokens\)$/);
    expect(await page.locator('#disclaimer').isVisible()).toBe(false);
    const query = requests.find((r) => r.url().endsWith('/query'))!;
    expect(query.headers()['x-user-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(query.headers()['accept']).toBe('text/event-stream');
    await page.screenshot({ path: join(ARTIFACTS, 'answer.png'), fullPage: true });
    await page.context().close();
  });

  it('shows the health disclaimer on a health question', async () => {
    const { page } = await openPage();
    await page.getByRole('button', { name: 'Only necessary' }).click();
    await ask(page, 'What first aid should I give after an injury at work?');
    const note = page.getByRole('note');
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toMatch(/^Health notice: .*not medical advice/);
    expect(await page.locator('#sources li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'health-disclaimer.png'), fullPage: true });
    await page.context().close();
  });
});
