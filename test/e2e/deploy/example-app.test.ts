// Real parts: Docker Engine 20.10 (legacy builder), the registry with htpasswd auth at
// localhost:5000, docker-compose 1.29 over the sandbox "cpu" sshd (web role: nginx, app,
// Chroma 1.0.5) and "gpu" sshd (llm role: the LLM stand-in in place of vLLM, no GPU device
// reservation — no GPU exists here). The example app is built and pushed with src/build and
// deployed with example-app/ragship.yml (adapted for the sandbox: see example-app.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { inspect } from '../../../src/deploy/health.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { runRollback } from '../../../src/rollback/run.js';
import { startLoad } from '../../integration/deploy/fixture.js';
import { connectSandboxHost } from '../../support/sandbox.js';
import {
  buildAndPush,
  chatPage,
  cleanupApp,
  getStatic,
  inputsFor,
  pushStandin,
  query,
  type SandboxDeploy,
  sandboxConfig,
} from './example-app.js';

const APP = 'rsdeploy-e2e';
const PORT = 18184;
let images: Record<string, string>;
let d: SandboxDeploy;
/** The hashed assets of the v1 page (the v2 build has other names). */
let v1Assets: string[] = [];

async function vllmContainer(): Promise<{ id: string; ip: string }> {
  const r = await execLocal([
    'docker',
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${APP}-staging-llm`,
  ]);
  const ids = r.stdout.split('\n').filter(Boolean);
  expect(ids).toHaveLength(1);
  const host = connectSandboxHost('gpu');
  try {
    const [c] = await inspect(host, ids);
    return { id: c!.id, ip: c!.ips[0]! };
  } finally {
    host.close();
  }
}

beforeAll(async () => {
  await cleanupApp(APP);
  images = await buildAndPush('rsdeploy/example-app', ['e2e-v1', 'e2e-v2']);
  d = sandboxConfig(APP, PORT, await pushStandin('rsdeploy/llm-standin'));
});
afterAll(() => cleanupApp(APP));

describe('example app: build, push, deploy to the sandbox cpu + gpu hosts', () => {
  it('deploys v1 (migrate + corpus, web zero-downtime, llm recreate with /health → /v1/models → completion) and answers /query through nginx', async () => {
    const l = new MemoryLogger();
    const r = await runDeploy(inputsFor(d, images['e2e-v1']!), { logger: l });
    expect(r.connectionsPerHost).toEqual({ 'deploy@127.0.0.1:2201': 1, 'deploy-gpu@127.0.0.1:2202': 1 });
    expect(r.timings.map((t) => t.step)).toEqual(
      expect.arrayContaining(['migrate', 'switch web (zero-downtime)', 'switch llm (recreate)']),
    );
    expect(l.text()).toContain('prefetch done (vllm)');
    const a = await query(PORT, 'How long is the warranty on a Kestrel K2?');
    expect(a.answer.length).toBeGreaterThan(0);
    expect(a.sources.length).toBeGreaterThan(0);
    const vllm = await vllmContainer();
    const models = (await (await fetch(`http://${vllm.ip}:8000/v1/models`)).json()) as {
      data: Array<{ id: string }>;
    };
    expect(models.data[0]!.id).toBeTruthy();
    // The chat page came out of the v1 image into the folder nginx serves.
    const page = await chatPage(PORT);
    expect(page.build).toBe('e2e-v1');
    expect(page.assets.length).toBeGreaterThan(0);
    for (const a of page.assets) expect((await getStatic(PORT, a)).status, a).toBe(200);
    const script = page.assets.find((a) => a.endsWith('.js') && a.includes('/index-'))!;
    expect((await getStatic(PORT, script)).body).toContain('"e2e-v1"');
    v1Assets = page.assets;
  });

  it('deploys v2 under ≥100 req/s through nginx with zero failed requests; the llm role is recreated', async () => {
    const before = await vllmContainer();
    const load = startLoad(PORT, 120, '/health');
    await new Promise((r) => setTimeout(r, 1000));
    const r = await runDeploy(inputsFor(d, images['e2e-v2']!), { logger: new MemoryLogger() });
    await new Promise((r) => setTimeout(r, 500));
    const result = await load.stop();
    expect(result.failed, JSON.stringify(result)).toBe(0);
    expect(result.rps).toBeGreaterThanOrEqual(100);
    expect(r.image).toBe(images['e2e-v2']);
    expect((await query(PORT, 'What is the battery safety rule?')).sources.length).toBeGreaterThan(0);
    expect((await vllmContainer()).id).not.toBe(before.id);
    // `/` is the v2 page now; the v1 page's hashed assets still load (an open v1 page keeps working).
    const page = await chatPage(PORT);
    expect(page.build).toBe('e2e-v2');
    expect(page.assets.filter((a) => !v1Assets.includes(a)).length).toBeGreaterThan(0);
    for (const a of [...page.assets, ...v1Assets]) expect((await getStatic(PORT, a)).status, a).toBe(200);
  });

  it('a rollback to v1 serves the v1 chat page again (index.html and its assets), without failed requests', async () => {
    const load = startLoad(PORT, 60, '/');
    const r = await runRollback(
      { ...inputsFor(d, images['e2e-v1']!), to: 'previous', reason: 'e2e: page rollback' },
      { logger: new MemoryLogger() },
    );
    const result = await load.stop();
    expect(result.failed, JSON.stringify(result)).toBe(0);
    expect(r.image).toBe(images['e2e-v1']);
    const page = await chatPage(PORT);
    expect(page.build).toBe('e2e-v1');
    expect(page.assets).toEqual(v1Assets);
    for (const a of page.assets) expect((await getStatic(PORT, a)).status, a).toBe(200);
  });
});
