import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execLocal } from '../../../src/core/exec.js';
import { runDeploy } from '../../../src/deploy/run.js';
import {
  appContainers,
  cleanup,
  deployInputs,
  FIXTURE,
  fixtureConfig,
  fixtureImages,
  get,
  logger,
  startLoad,
} from './fixture.js';

// Real parts: Docker Engine 20.10, docker-compose 1.29 on the "cpu" sshd host, registry with
// auth, nginx in front of the fixture app — here run the way many third-party images run it:
// under a shell as PID 1 that ignores SIGTERM, so only SIGKILL (after stopGrace) ends it.
const APP = 'rsdeploy-sigterm';
const PORT = 18176;
const GRACE = 45;
const config = fixtureConfig(APP, PORT);
config.environments.staging!.roles.web!.stopGrace = GRACE;
let images: Record<string, string>;
let repoDir: string;

const running = async (id: string) =>
  (
    await execLocal(['docker', 'inspect', '--format', '{{.State.Running}}', id], { allowFailure: true })
  ).stdout.trim();

beforeAll(async () => {
  await cleanup(APP);
  images = await fixtureImages(['v1', 'v2']);
  repoDir = mkdtempSync(join(tmpdir(), 'ragship-sigterm-'));
  cpSync(join(FIXTURE, 'nginx'), join(repoDir, 'nginx'), { recursive: true });
  const compose = readFileSync(join(FIXTURE, 'compose.yaml'), 'utf8');
  const marker = '    restart: unless-stopped\n    volumes: [data:/data]\n';
  if (!compose.includes(marker))
    throw new Error('test/fixtures/deploy-app/compose.yaml: app service changed');
  writeFileSync(
    join(repoDir, 'compose.yaml'),
    compose.replace(marker, `${marker}    command: ["sh", "-c", "trap '' TERM; node server.js & wait"]\n`),
  );
}, 600_000);
afterAll(async () => {
  await cleanup(APP);
  if (repoDir) rmSync(repoDir, { recursive: true, force: true });
});

describe('switching away from an app whose PID 1 ignores SIGTERM (sandbox cpu host)', () => {
  it('the deploy returns without waiting out stopGrace, warns with init: true / STOPSIGNAL, drops no request; the old container is SIGKILLed and removed in the background', async () => {
    await runDeploy({ ...deployInputs(config, images.v1!), repoDir }, { logger: logger() });
    expect((await get(PORT)).body).toContain('"version":"v1"');
    const [old] = await appContainers(APP);
    expect(old).toBeTruthy();

    const load = startLoad(PORT);
    await new Promise((r) => setTimeout(r, 1000));
    const l = logger();
    await runDeploy({ ...deployInputs(config, images.v2!), repoDir }, { logger: l });
    // Deterministic proof that the deploy did not wait for the stop: the old container ignores
    // SIGTERM, so it can only be gone after the 45 s grace; it is still up when the deploy returns.
    expect(await running(old!)).toBe('true');
    const result = await load.stop();
    expect((await get(PORT)).body).toContain('"version":"v2"');
    expect(result.failed).toBe(0);
    expect(result.rps).toBeGreaterThanOrEqual(100);
    expect(l.text()).toMatch(/still running .* after its stop signal.*SIGKILL after stopGrace \(45 s\)/s);
    expect(l.text()).toMatch(/init: true.*STOPSIGNAL/s);

    // The detached stop outlives the SSH session: after the grace docker SIGKILLs and removes it.
    const until = Date.now() + (GRACE + 90) * 1000;
    while ((await running(old!)) !== '' && Date.now() < until) await new Promise((r) => setTimeout(r, 2000));
    expect(await running(old!)).toBe('');
    expect((await get(PORT)).body).toContain('"version":"v2"');
  }, 600_000);
});
