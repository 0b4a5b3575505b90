import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { activeRelease } from '../../../src/deploy/release-log.js';
import { runDeploy } from '../../../src/deploy/run.js';
import {
  cleanup,
  deployInputs,
  fixtureConfig,
  fixtureImages,
  get,
  lockHeld,
  releaseLog,
} from '../deploy/fixture.js';

// Real parts: the sandbox "cpu" sshd host (user deploy), Docker Engine 20.10 and docker-compose
// 1.29 behind it, the registry at localhost:5000, the deploy fixture app + nginx deployed by the
// real deploy with roles.web.hooks; each hook runs in a real one-off container of the release.
// Own app name, port and project: no other test uses them.
const APP = 'rshooks-it';
const PORT = 18777;
const PROJECT = `${APP}-staging-web`;
let images: Record<string, string>;

/** The smoke check of the example app's kind: through nginx, the new release must answer. */
const SMOKE = [
  'node',
  '-e',
  "fetch('http://nginx/').then((r) => r.json()).then((j) => { console.log('smoke saw', j.version, 'want', process.env.VERSION); process.exit(j.version === process.env.VERSION ? 0 : 1); }, (e) => { console.log('smoke failed', e.message); process.exit(1); })",
];
const echo = (text: string) =>
  JSON.stringify(['sh', '-c', `echo ${text} "$RAGSHIP_HOOK" "$RAGSHIP_RELEASE"`]);
const fail = (status: number) =>
  JSON.stringify(['sh', '-c', `echo "$RAGSHIP_HOOK failing on purpose"; exit ${status}`]);

function configWith(hooks: { pre?: string; post?: string; after?: string }) {
  const lines = ['        hooks:'];
  if (hooks.pre) lines.push(`          pre-deploy: { command: ${hooks.pre}, timeout: 2m }`);
  if (hooks.post) lines.push(`          post-switch: { command: ${hooks.post}, timeout: 2m }`);
  if (hooks.after) lines.push(`          post-deploy: { command: ${hooks.after} }`);
  return fixtureConfig(APP, PORT, `${lines.join('\n')}\n`);
}

async function version(): Promise<string> {
  const r = await get(PORT, '/');
  expect(r.status).toBe(200);
  return (JSON.parse(r.body) as { version: string }).version;
}

/** Hook containers are named <project>-<hook>-<release>: none may be left behind. */
async function hookContainers(): Promise<string[]> {
  const r = await execLocal(['docker', 'ps', '-aq', '--filter', `name=${PROJECT}-p`]);
  return r.stdout.split('\n').filter(Boolean);
}

beforeAll(async () => {
  await cleanup(APP);
  images = await fixtureImages(['v1', 'v2']);
}, 600_000);
afterAll(() => cleanup(APP), 120_000);

describe('deploy hooks (roles.<role>.hooks) on the sandbox cpu host', () => {
  let v1: string;

  it('pre-deploy, post-switch (a smoke check through nginx that sees the new release) and post-deploy run in order in one-off containers', async () => {
    const logger = new MemoryLogger();
    const config = configWith({ pre: echo('pre'), post: JSON.stringify(SMOKE), after: echo('after') });
    const r = await runDeploy(deployInputs(config, images.v1!), { logger });
    v1 = r.releaseId;
    const steps = r.timings.map((t) => t.step);
    const at = (name: string) => steps.indexOf(name);
    expect(at('hook pre-deploy web')).toBeGreaterThan(at('upload'));
    expect(at('hook pre-deploy web')).toBeLessThan(at('pull'));
    expect(at('hook post-switch web')).toBeGreaterThan(at('switch web (zero-downtime)'));
    expect(at('hook post-switch web')).toBeLessThan(at('record + prune'));
    expect(at('hook post-deploy web')).toBeGreaterThan(at('record + prune'));
    expect(r.timings.filter((t) => t.step.startsWith('hook')).every((t) => t.ok)).toBe(true);
    const text = logger.text();
    expect(text).toContain(`pre pre-deploy ${v1}`);
    expect(text).toContain('smoke saw v1 want v1');
    expect(text).toContain(`after post-deploy ${v1}`);
    expect(await version()).toBe('v1');
    expect(await hookContainers()).toEqual([]);
  });

  it('a failing pre-deploy hook aborts: nothing switched, v1 serves, the attempt is recorded failed, lock free', async () => {
    const config = configWith({ pre: fail(3), post: JSON.stringify(SMOKE) });
    await expect(runDeploy(deployInputs(config, images.v2!), { logger: new MemoryLogger() })).rejects.toThrow(
      /pre-deploy hook of role web on \S+: exited with status 3:\s+pre-deploy failing on purpose/,
    );
    expect(await version()).toBe('v1');
    const log = releaseLog(APP);
    expect(log.at(-1)).toMatchObject({ result: 'failed' });
    expect(activeRelease(log)?.id).toBe(v1);
    expect(await lockHeld(APP)).toBe(false);
    expect(await hookContainers()).toEqual([]);
  });

  it('a failing post-switch hook switches back: v2 served, then v1 serves again and stays the active release', async () => {
    const logger = new MemoryLogger();
    const config = configWith({ post: fail(5), after: echo('after') });
    const err = await runDeploy(deployInputs(config, images.v2!), { logger }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/post-switch hook of role web on \S+: exited with status 5/);
    expect(err?.message).toContain(`Switched back: ${v1} serves again`);
    expect(await version()).toBe('v1');
    const log = releaseLog(APP);
    expect(log.at(-1)).toMatchObject({ result: 'failed', image: images.v2 });
    expect(activeRelease(log)?.id).toBe(v1);
    // post-deploy never ran: the deploy failed before it.
    expect(logger.text()).not.toContain('after post-deploy');
    expect(await lockHeld(APP)).toBe(false);
    const running = await execLocal([
      'docker',
      'ps',
      '--filter',
      `label=com.docker.compose.project=${PROJECT}`,
      '--filter',
      'label=com.docker.compose.service=app',
      '--quiet',
    ]);
    const ids = running.stdout.split('\n').filter(Boolean);
    expect(ids).toHaveLength(1);
    const image = await execLocal(['docker', 'inspect', '--format', '{{.Config.Image}}', ids[0]!]);
    expect(image.stdout.trim()).toBe(images.v1);
  });

  it('a failing post-deploy hook warns: the deploy succeeds and v2 stays active', async () => {
    const logger = new MemoryLogger();
    const config = configWith({ post: JSON.stringify(SMOKE), after: fail(7) });
    const r = await runDeploy(deployInputs(config, images.v2!), { logger });
    expect(await version()).toBe('v2');
    expect(activeRelease(releaseLog(APP))?.id).toBe(r.releaseId);
    expect(logger.text()).toMatch(/post-deploy hook of role web on \S+: exited with status 7/);
    expect(logger.text()).toContain(`the release ${r.releaseId} stays active`);
    expect(await hookContainers()).toEqual([]);
  });
});
