// Real parts: the sandbox "cpu" sshd (user deploy) with Docker Engine 20.10 + docker-compose
// 1.29, the registry with auth (manifest DELETE enabled), nginx. Issue 17 item 2: two
// environments of one app on ONE host share its image store; staging's prune must not remove
// an image production still retains (the same digest promoted), even once the registry copy
// is gone.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { execLocal } from '../../../src/core/exec.js';
import { parseReleaseLog } from '../../../src/deploy/release-log.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { runRollback } from '../../../src/rollback/run.js';
import { sandbox, sandboxHost } from '../../support/sandbox.js';
import { deployInputs, fixtureImages, fixtureYaml, get, logger, REPO } from './fixture.js';

const APP = 'rsf17-prune';
const STAGING_PORT = 18295;
const PRODUCTION_PORT = 18296;
const PROMOTED = `promoted-${process.pid}`;
const home = `/home/${sandboxHost('cpu').user}`;
let images: Record<string, string>;

/** staging and production of one app, both on the sandbox cpu host; `retain` for both. */
function config(retain: number) {
  const staging = fixtureYaml(APP, STAGING_PORT).replace('retain: 3', `retain: ${retain}`);
  // production: the same role on the same host, its own nginx port.
  const role = staging.slice(staging.indexOf('  staging:\n') + '  staging:\n'.length);
  const production = role
    .replace(`url: http://127.0.0.1:${STAGING_PORT}/`, `url: http://127.0.0.1:${PRODUCTION_PORT}/`)
    .replace(`NGINX_PORT: "${STAGING_PORT}"`, `NGINX_PORT: "${PRODUCTION_PORT}"`);
  return parseConfig(`${staging}  production:\n${production}`);
}

const inputs = (env: 'staging' | 'production', image: string, retain = 3) => ({
  ...deployInputs(config(retain), image),
  environment: env,
});
const serving = async (port: number) => JSON.parse((await get(port, '/')).body).version as string;
const onHost = async (ref: string) =>
  (await execLocal(['docker', 'image', 'inspect', ref], { allowFailure: true })).code === 0;
const log = (env: string) =>
  parseReleaseLog(readFileSync(`${home}/ragship/${APP}/${env}/releases.jsonl`, 'utf8'));

async function cleanup(): Promise<void> {
  for (const env of ['staging', 'production']) {
    const project = `${APP}-${env}-web`;
    const ids = await execLocal([
      'docker',
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=${project}`,
    ]);
    const list = ids.stdout.split('\n').filter(Boolean);
    if (list.length) await execLocal(['docker', 'rm', '-f', ...list], { allowFailure: true });
    await execLocal(['docker', 'network', 'rm', `${project}_default`], { allowFailure: true });
    await execLocal(['docker', 'volume', 'rm', `${project}_data`], { allowFailure: true });
  }
  await execLocal(['rm', '-rf', `${home}/ragship/${APP}`], { allowFailure: true });
}

beforeAll(async () => {
  await cleanup();
  images = await fixtureImages(['v1', 'v2', PROMOTED]);
}, 600_000);

afterAll(async () => {
  await cleanup();
  const { registry } = sandbox();
  await execLocal(['docker', 'image', 'rm', `${registry.host}/${REPO}:${PROMOTED}`], { allowFailure: true });
  if (images?.[PROMOTED])
    await execLocal(['docker', 'image', 'rm', images[PROMOTED]!], { allowFailure: true });
}, 120_000);

describe('retention is host-wide (item 2)', () => {
  it("staging's prune keeps the digest production retains; production rolls back to it with the registry copy deleted", async () => {
    const promoted = images[PROMOTED]!;
    // The same digest deployed to staging, then promoted to production; both move on to v1.
    await runDeploy(inputs('staging', promoted, 1), { logger: logger() });
    await runDeploy(inputs('production', promoted), { logger: logger() });
    await runDeploy(inputs('production', images.v1!), { logger: logger() });
    expect(await serving(PRODUCTION_PORT)).toBe('v1');
    // Staging keeps one release: its prune drops the promoted digest from its own retention.
    await runDeploy(inputs('staging', images.v1!, 1), { logger: logger() });
    const l = logger();
    const r = await runDeploy(inputs('staging', images.v2!, 1), { logger: l });
    expect(r.pruned.some((p) => p.includes(promoted))).toBe(false);
    expect(await onHost(promoted), l.text()).toBe(true);
    expect(l.text()).toMatch(new RegExp(`${APP}/production still retains it`));

    // The registry copy is deleted: only the host's copy can serve a rollback now.
    const { registry } = sandbox();
    // (The host keeps its tag: removing the last tag would remove the image, as a prune would.)
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    const del = await fetch(`http://${registry.host}/v2/${REPO}/manifests/${promoted.split('@')[1]}`, {
      method: 'DELETE',
      headers: { authorization: `Basic ${auth}` },
    });
    expect(del.status).toBe(202);

    const target = log('production').find((x) => x.image === promoted && x.result === 'success')!;
    const rb = await runRollback(
      { ...inputs('production', images.v1!), to: target.id },
      { logger: logger() },
    );
    expect(rb.targetReleaseId).toBe(target.id);
    expect(await serving(PRODUCTION_PORT)).toBe(PROMOTED);
    expect(await serving(STAGING_PORT)).toBe('v2');
  }, 900_000);
});
