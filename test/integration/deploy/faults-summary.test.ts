// Real parts: the sandbox "cpu" sshd (user deploy), Docker Engine 20.10 + docker-compose 1.29,
// the registry with auth, nginx. Issue 17 item 6: a failed deploy or rollback leaves a job
// summary naming the host, the step, the error, the failing service's last log lines and what
// still serves (the action writes `failureReport` of the error the core throws). Item 7: the
// release log's file modes.
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, failureReport } from '../../../src/deploy/failure.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { runRollback } from '../../../src/rollback/run.js';
import { sandboxHost } from '../../support/sandbox.js';
import {
  cleanup,
  deployInputs,
  fixtureConfig,
  fixtureImages,
  get,
  logger,
  releaseLog,
  stagingRoot,
} from './fixture.js';

const APP = 'rsf17-summary';
const PORT = 18298;
const config = fixtureConfig(APP, PORT);
const cpu = sandboxHost('cpu');
const HOST = `${cpu.user}@${cpu.host}:${cpu.port}`;
let images: Record<string, string>;
const serving = async () => JSON.parse((await get(PORT, '/')).body).version as string;

/** A config whose health gate never passes (nothing listens on 3999). */
function unhealthy() {
  const c = fixtureConfig(APP, PORT);
  c.environments.staging!.roles.web!.health = {
    ...c.environments.staging!.roles.web!.health,
    port: 3999,
    timeout: 3,
  };
  return c;
}

async function failure(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the run should have failed').toBeInstanceOf(Error);
  const f = failureOf(err);
  expect(f, String(err)).toBeDefined();
  return { f: f!, text: failureReport(f!).toString() };
}

beforeAll(async () => {
  await cleanup(APP);
  images = await fixtureImages(['v1', 'v2']);
  await runDeploy(deployInputs(config, images.v1!), { logger: logger() });
  await runDeploy(deployInputs(config, images.v2!), { logger: logger() });
}, 600_000);
afterAll(() => cleanup(APP), 120_000);

describe('the release log is closed to other users (item 7)', () => {
  it('releases.jsonl is 0640 in a 0750 deploy root, whatever the umask', () => {
    const root = stagingRoot(APP);
    expect((statSync(root).mode & 0o777).toString(8)).toBe('750');
    expect((statSync(`${root}/releases.jsonl`).mode & 0o777).toString(8)).toBe('640');
  });
});

describe('a failed deploy or rollback says where, why and what serves (item 6)', () => {
  it('a failed migration: host, step migrate, the error, the migration output, v2 still serving', async () => {
    const { f, text } = await failure(
      runDeploy(deployInputs(config, images.v1!, { MIGRATE_FAIL: '1' }), { logger: logger() }),
    );
    expect(f).toMatchObject({ kind: 'deploy', step: 'migrate', host: HOST });
    const v2 = releaseLog(APP)
      .filter((r) => r.result === 'success')
      .at(-1)!;
    expect(f.serving).toEqual({ [HOST]: `${v2.id} (${images.v2}), unchanged` });
    expect(text).toMatch(/Deploy of rsf17-summary to staging FAILED/);
    expect(text).toMatch(/the migration exited with status 3/);
    expect(text).toMatch(/Last log lines of the failing service[\s\S]*column "embedding_v2" already exists/);
    expect(await serving()).toBe('v2');
  }, 300_000);

  it('a health gate that never passes: step switch web on the host, the container logs, v2 still serving', async () => {
    const { f, text } = await failure(runDeploy(deployInputs(unhealthy(), images.v1!), { logger: logger() }));
    expect(f).toMatchObject({ kind: 'deploy', host: HOST });
    expect(f.step).toMatch(/^switch web/);
    expect(f.error).toMatch(/did not turn healthy within 3 s/);
    expect(text).toMatch(/Last log lines of the failing service[\s\S]*logs of web\/app/);
    expect(Object.values(f.serving)[0]).toMatch(/, unchanged$/);
    expect(await serving()).toBe('v2');
  }, 300_000);

  it('a failed rollback: kind rollback, the step, what still serves', async () => {
    const { f, text } = await failure(
      runRollback({ ...deployInputs(unhealthy(), images.v1!), to: 'previous' }, { logger: logger() }),
    );
    expect(f).toMatchObject({ kind: 'rollback', host: HOST });
    expect(f.step).toMatch(/^switch web/);
    expect(text).toMatch(/Rollback of rsf17-summary to staging FAILED/);
    expect(Object.values(f.serving)[0]).toMatch(/, unchanged$/);
    expect(await serving()).toBe('v2');
  }, 300_000);
});
