import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execLocal } from '../../../src/core/exec.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { runRollback } from '../../../src/rollback/run.js';
import { cleanup, deployInputs, fixtureConfig, fixtureImages, get, logger, startLoad } from './fixture.js';

// Real parts: Docker Engine, docker-compose 1.29 over the "cpu" sshd, registry with auth, nginx.
const APP = 'rsdeploy-rb';
const PORT = 18182;
const ROOT = `/home/deploy/ragship/${APP}/staging`;
const config = fixtureConfig(APP, PORT);
const TRICKY = {
  MULTI: 'line1\nline2',
  DOLLAR: '$X ${HOME} $$',
  QUOTES: `it's "q" \\ end`,
  HASH: 'a # not a comment',
  EQ: 'k=v=w',
  NEWKEY: 'x\nINJECTED=1',
};
let images: Record<string, string>;
const rollbackInputs = (to: string) => ({ ...deployInputs(config, images.v1!), to });

beforeAll(async () => {
  await cleanup(APP);
  images = await fixtureImages(['v1', 'v2']);
  await runDeploy(deployInputs(config, images.v1!), { logger: logger() });
  await runDeploy(deployInputs(config, images.v2!, TRICKY), { logger: logger() });
});
afterAll(() => cleanup(APP));

describe('rollback and lock on the sandbox cpu host', () => {
  it('env values with newline, $, quotes, #, = arrive exactly; the env file is 0600; no extra key appears', async () => {
    for (const [k, v] of Object.entries(TRICKY))
      expect(JSON.parse((await get(PORT, `/env?name=${k}`)).body).value).toBe(v);
    expect((await get(PORT, '/env?name=INJECTED')).status).toBe(404);
    const dir = execLocal(['sh', '-c', `ls -d ${ROOT}/releases/*/web | tail -1`]);
    const envFile = `${(await dir).stdout.trim()}/env.yaml`;
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(envFile, 'utf8')).toContain('$$X');
  });

  it('rollback previous under ≥100 req/s → v1 with zero failed requests; again → v2', async () => {
    const load = startLoad(PORT);
    await new Promise((r) => setTimeout(r, 500));
    const r = await runRollback(rollbackInputs('previous'), { logger: logger() });
    const result = await load.stop();
    expect((await get(PORT)).body).toContain('"version":"v1"');
    expect(result.failed).toBe(0);
    expect(result.rps).toBeGreaterThanOrEqual(100);
    expect(r.report.toString()).toContain('▶ active');
    await runRollback(rollbackInputs('previous'), { logger: logger() });
    expect((await get(PORT)).body).toContain('"version":"v2"');
  });

  it('an unknown release id or an injection string fails with the valid ids listed, nothing switched', async () => {
    const serving = (await get(PORT)).body;
    await expect(
      runRollback(rollbackInputs('20200101T000000Z-nothere'), { logger: logger() }),
    ).rejects.toThrow(/use previous or one of: .*T.*Z-/);
    await expect(runRollback(rollbackInputs('v1; rm -rf /'), { logger: logger() })).rejects.toThrow(
      /is not previous, a release id/,
    );
    expect((await get(PORT)).body).toBe(serving);
  });

  it('a held lock makes a second deploy fail fast naming the holder; a lock past its TTL is taken over', async () => {
    await execLocal([
      'su',
      'deploy',
      '-c',
      `mkdir ${ROOT}/lock && printf '%s' '{"token":"t","runId":"other-run","actor":"alice","acquiredAt":"x","expiresAt":${Math.floor(Date.now() / 1000) + 600}}' > ${ROOT}/lock/owner.json`,
    ]);
    await expect(runDeploy(deployInputs(config, images.v2!), { logger: logger() })).rejects.toThrow(
      /locked by run other-run by alice/,
    );
    await execLocal([
      'su',
      'deploy',
      '-c',
      `printf '%s' '{"token":"t","runId":"killed-run","actor":"bob","acquiredAt":"x","expiresAt":${Math.floor(Date.now() / 1000) - 5}}' > ${ROOT}/lock/owner.json`,
    ]);
    const l = logger();
    await runRollback(rollbackInputs('previous'), { logger: l });
    expect(l.text()).toMatch(/taking over a stale deploy lock held by run killed-run/);
    expect((await execLocal(['test', '-e', `${ROOT}/lock`], { allowFailure: true })).code).not.toBe(0);
  });
});
