// Real parts: the deploy action bundle (actions/deploy/dist) run as the Actions runner runs it
// (test/support/action-runner.ts: INPUT_*, GITHUB_OUTPUT/STATE/STEP_SUMMARY, post step), the
// sandbox "cpu" sshd, Docker Engine + docker-compose 1.29, registry with auth, nginx.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { LocalActionRunner, printedByRunner } from '../../support/action-runner.js';
import { knownHosts, privateKey, sandbox } from '../../support/sandbox.js';
import { cleanup, deployInputs, FIXTURE, fixtureImages, fixtureYaml, get, logger } from './fixture.js';

const APP = 'rsdeploy-act';
const PORT = 18188;
const LOCK = `/home/deploy/ragship/${APP}/staging/lock`;
const SECRET = `s3cret-${process.pid}-$HOME-"q"`;
let images: Record<string, string>;
let repo: string;
// Stands in for the GitHub REST API (deployments) and a Slack webhook: records every request.
const HOOKS = 18190;
const recorded: Array<{ url: string; body: Record<string, unknown> }> = [];
let hooks: Server;

function actionInputs(image: string): Record<string, string> {
  return {
    environment: 'staging',
    image,
    'ssh-private-key': privateKey(),
    'known-hosts': knownHosts(),
    'registry-password': sandbox().registry.password,
    env: `API_TOKEN="${SECRET.replace(/"/g, '\\"')}"`,
    'working-directory': repo,
  };
}

/** Every process's argv on this machine (runner and sandbox hosts share it). */
const psArgs = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      recorded.push({ url: req.url!, body: JSON.parse(raw || '{}') });
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":77}');
    });
  });
  await new Promise<void>((r) => hooks.listen(HOOKS, '127.0.0.1', r));
  await cleanup(APP);
  images = await fixtureImages(['v1', 'v2']);
  repo = mkdtempSync(join(tmpdir(), 'ragship-act-'));
  cpSync(FIXTURE, repo, { recursive: true });
  writeFileSync(join(repo, 'ragship.yml'), fixtureYaml(APP, PORT, '', '{ ttl: 6s, wait: 0 }'));
});
afterAll(async () => {
  hooks.close();
  await cleanup(APP);
});

describe('the deploy action bundle through the local action runner', () => {
  it('deploys with outputs and summary; with debug on, no secret in any argv (runner or host) nor in the log', async () => {
    const runner = new LocalActionRunner('deploy');
    let leaks = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      samples++;
      const args = psArgs();
      if (args.includes(SECRET) || args.includes(sandbox().registry.password)) leaks++;
    }, 150);
    const r = await runner.main({
      inputs: {
        ...actionInputs(images.v1!),
        'deployment-status': 'true',
        'github-token': 'ghs_for_the_recording_server',
        'webhook-url': `http://127.0.0.1:${HOOKS}/hooks/slack`,
      },
      env: {
        RUNNER_DEBUG: '1',
        GITHUB_API_URL: `http://127.0.0.1:${HOOKS}/api`,
        GITHUB_REPOSITORY: 'acme/rag',
        GITHUB_SHA: '5eed0000c0ffee0000000000000000000000beef',
      },
    });
    clearInterval(sampler);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(samples).toBeGreaterThan(10);
    expect(leaks).toBe(0);
    expect(printedByRunner(`${r.stdout}${r.stderr}`)).not.toContain(SECRET);
    expect(r.outputs['release-id']).toMatch(/^[0-9]{8}T[0-9]{6}Z-/);
    expect(r.outputs.image).toBe(images.v1);
    expect(r.summary).toContain('SSH connections');
    // GitHub deployment: created, in_progress, success with the URL; then the Slack webhook.
    expect(recorded.map((x) => `${x.url} ${x.body.state ?? ''}`.trim())).toEqual([
      '/api/repos/acme/rag/deployments',
      '/api/repos/acme/rag/deployments/77/statuses in_progress',
      '/api/repos/acme/rag/deployments/77/statuses success',
      '/hooks/slack',
    ]);
    expect(recorded[2]!.body.environment_url).toBe(`http://127.0.0.1:${PORT}/`);
    expect(recorded[3]!.body.text).toContain(`release ${r.outputs['release-id']}`);
    expect(JSON.parse((await get(PORT, '/env?name=API_TOKEN')).body).value).toBe(SECRET);
    // The runner gives the post step the same inputs as the main step.
    const post = await runner.post({ inputs: actionInputs(images.v1!) });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).not.toMatch(/released by the post step/);
  });

  it('SIGINT to the main step (cancel) leaves the lock; the post step releases it; v1 keeps serving', async () => {
    const runner = new LocalActionRunner('deploy');
    let pid = 0;
    const main = runner.main({ inputs: actionInputs(images.v2!), onSpawn: (p) => (pid = p) });
    await until(() => existsSync(`${LOCK}/owner.json`), 120_000);
    await until(() => readFileSync(join(runner.workdir, 'main-state'), 'utf8').includes(LOCK), 5000);
    process.kill(pid, 'SIGINT');
    const r = await main;
    expect(r.exitCode).not.toBe(0);
    expect(r.outputs['release-id']).toBeUndefined();
    expect(existsSync(LOCK)).toBe(true);
    const post = await runner.post({ inputs: actionInputs(images.v2!) });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toMatch(/released by the post step/);
    expect(existsSync(LOCK)).toBe(false);
    expect((await get(PORT)).body).toContain('"version":"v1"');
  });

  it('a deploy killed with SIGKILL leaves its lock; the next deploy takes it over after the TTL and converges', async () => {
    const runner = new LocalActionRunner('deploy');
    let pid = 0;
    const main = runner.main({ inputs: actionInputs(images.v2!), onSpawn: (p) => (pid = p) });
    await until(() => existsSync(`${LOCK}/owner.json`), 120_000);
    process.kill(pid, 'SIGKILL');
    expect((await main).exitCode).toBeNull();
    expect(existsSync(LOCK)).toBe(true);
    const config = parseConfig(readFileSync(join(repo, 'ragship.yml'), 'utf8'));
    const l = logger();
    await runDeploy({ ...deployInputs(config, images.v2!), lockWaitSeconds: 30 }, { logger: l });
    expect(l.text()).toMatch(/taking over a stale deploy lock held by run local-/);
    expect((await get(PORT)).body).toContain('"version":"v2"');
    expect(existsSync(LOCK)).toBe(false);
  });
});
