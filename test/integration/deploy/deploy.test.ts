import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeploy } from '../../../src/deploy/run.js';
import {
  appContainers,
  cleanup,
  deployInputs,
  fixtureConfig,
  fixtureImages,
  get,
  lockHeld,
  logger,
  releaseLog,
  startLoad,
} from './fixture.js';

// Real parts: Docker Engine 20.10, docker-compose 1.29 on the "cpu" sshd host (user deploy),
// registry with htpasswd auth at localhost:5000, nginx in front of the fixture app.
const APP = 'rsdeploy-it';
const PORT = 18181;
const config = fixtureConfig(APP, PORT);
let images: Record<string, string>;

beforeAll(async () => {
  await cleanup(APP);
  images = await fixtureImages(['v1', 'v2']);
});
afterAll(() => cleanup(APP));

describe('deploy over SSH with docker-compose v1 on the sandbox cpu host', () => {
  it('deploys v1 on an empty host: migrate, start, nginx serves v1', async () => {
    const r = await runDeploy(deployInputs(config, images.v1!), { logger: logger() });
    expect((await get(PORT)).body).toContain('"version":"v1"');
    expect(r.connectionsPerHost).toEqual({ 'deploy@127.0.0.1:2201': 1 });
    expect(releaseLog(APP).at(-1)).toMatchObject({ id: r.releaseId, result: 'success', image: images.v1 });
  });

  it('switches v1 → v2 under ≥100 req/s through nginx with zero failed requests', async () => {
    const load = startLoad(PORT);
    await new Promise((r) => setTimeout(r, 1000));
    const r = await runDeploy(deployInputs(config, images.v2!), { logger: logger() });
    const result = await load.stop();
    expect((await get(PORT)).body).toContain('"version":"v2"');
    expect(result.rps).toBeGreaterThanOrEqual(100);
    expect(result.failed).toBe(0);
    expect(r.previousReleaseId).toBe(releaseLog(APP).at(-2)!.id);
  });

  it('a failing migration aborts before any switch: v2 keeps serving, log says failed with the output, lock free', async () => {
    const l = logger();
    await expect(
      runDeploy(deployInputs(config, images.v1!, { MIGRATE_FAIL: '1' }), { logger: l }),
    ).rejects.toThrow(/migration exited with status 3/);
    expect((await get(PORT)).body).toContain('"version":"v2"');
    const last = releaseLog(APP).at(-1)!;
    expect(last.result).toBe('failed');
    expect(last.output).toContain('column "embedding_v2" already exists');
    expect(await lockHeld(APP)).toBe(false);
  });

  it('a release whose health never turns green fails after the timeout, v2 serves, its logs are printed', async () => {
    const l = logger();
    const slow = fixtureConfig(APP, PORT);
    slow.environments.staging!.roles.web!.health.timeout = 4;
    await expect(
      runDeploy(deployInputs(slow, images.v1!, { HEALTH: 'fail' }), { logger: l }),
    ).rejects.toThrow(/did not turn healthy within 4 s/);
    expect((await get(PORT)).body).toContain('"version":"v2"');
    expect(l.text()).toMatch(/logs of web\/app/);
    expect(await appContainers(APP)).toHaveLength(1);
  });
});
