/**
 * Real parts: a Docker Swarm of three engines (a manager and two workers, each a container with
 * its own dockerd, built by test/fixtures/swarm-node/build.sh), overlay networking between them,
 * the sandbox registry (every node pulls the fixture app by digest), sshd on the manager (ragship
 * connects there only), nginx on every node publishing port 80 in host mode, autocannon load.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { parseReleaseLog } from '../../../src/deploy/release-log.js';
import { type DeployInputs, runDeploy } from '../../../src/deploy/run.js';
import { runRollback } from '../../../src/rollback/run.js';
import { privateKey, sandbox } from '../../support/sandbox.js';
import { type SwarmCluster, startSwarmCluster } from '../../support/swarm-cluster.js';
import { fixtureImages, startLoad } from '../deploy/fixture.js';

const FIXTURE = new URL('../../fixtures/swarm-app/', import.meta.url).pathname;
const PREFIX = 'ragship-swarm-it';
const SSH_PORT = 18522;
const HTTP_PORT = 18580;
const APP = 'swarmit';
const ROOT = `/root/ragship/${APP}/prod`;
const NGINX = `${sandbox().registry.host}/ragship-swarm/nginx:test`;
/** A secret with a newline, `$`, quotes: delivered byte for byte, never written to disk. */
const SECRET = `s3cr3t-${process.pid}-$HOME "q" 'x'\nline2`;

let cluster: SwarmCluster | undefined;
let images: Record<string, string> = {};

function config() {
  return parseConfig(`
app: ${APP}
registry: { server: ${sandbox().registry.host}, username: ${sandbox().registry.username} }
retain: 3
lock: { ttl: 600, wait: 0 }
environments:
  prod:
    engine: swarm
    roles:
      web:
        hosts: [root@127.0.0.1:${SSH_PORT}]
        compose: [compose.yaml]
        files: [nginx.conf]
        service: app
        replicas: 3
        health: { http: /health, port: 3000, timeout: 15s, interval: 1s }
        migrate: { service: migrate, timeout: 120s }
        stopGrace: 10s
`);
}

function inputs(image: string, env: Record<string, string> = {}): DeployInputs {
  return {
    config: config(),
    environment: 'prod',
    sshPrivateKey: privateKey(),
    knownHosts: cluster!.knownHosts,
    fingerprints: [],
    registryPassword: sandbox().registry.password,
    image,
    env: { API_KEY: SECRET, ...env },
    repoDir: FIXTURE,
    runId: `swarm-${process.pid}-${Date.now()}`,
    actor: 'vitest',
  };
}

async function get(path = '/'): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${HTTP_PORT}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: r.status, body: await r.text() };
}

const version = async () => (JSON.parse((await get()).body) as { version: string }).version;

/** Load (100 req/s target) through the published port while `during` runs. */
async function underLoad<T>(
  during: () => Promise<T>,
): Promise<{ value?: T; error?: unknown; failed: number; total: number; failures: Record<string, number> }> {
  const load = startLoad(HTTP_PORT, 100);
  let value: T | undefined;
  let error: unknown;
  try {
    value = await during();
    await new Promise((r) => setTimeout(r, 2000));
  } catch (err) {
    error = err;
  }
  const r = await load.stop();
  return { value, error, failed: r.failed, total: r.total, failures: r.failures };
}

function releases() {
  return parseReleaseLog(cluster!.onNode(cluster!.manager, ['cat', `${ROOT}/releases.jsonl`]));
}

describe('engine: swarm on a 3-node Docker Swarm (manager + 2 workers, own dockerd each)', () => {
  beforeAll(async () => {
    images = await fixtureImages(['v1', 'v2']);
    execFileSync('docker', ['tag', 'ragship-swarm/nginx:test', NGINX]);
    execFileSync('docker', ['push', '--quiet', NGINX]);
    cluster = await startSwarmCluster({ prefix: PREFIX, workers: 2, sshPort: SSH_PORT, httpPort: HTTP_PORT });
  }, 900_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('deploys v1 as a stack: migration job first, 3 replicas over the nodes, secrets as Swarm secrets (never on disk)', async () => {
    const r = await runDeploy(inputs(images.v1!), { logger: new MemoryLogger() });
    expect(r.image).toBe(images.v1);
    expect(r.connectionsPerHost).toEqual({ [`root@127.0.0.1:${SSH_PORT}`]: 1 });
    expect(await version()).toBe('v1');
    expect(JSON.parse((await get('/env?name=API_KEY')).body)).toEqual({ value: SECRET });
    // Tasks spread over more than one node: the overlay network carries nginx → app.
    const nodes = cluster!.onNode(cluster!.manager, [
      'docker',
      'service',
      'ps',
      '--filter',
      'desired-state=running',
      '--format',
      '{{.Node}}',
      `${APP}-prod_app`,
    ]);
    expect(new Set(nodes.split('\n').filter(Boolean)).size).toBeGreaterThan(1);
    const secrets = cluster!.onNode(cluster!.manager, ['docker', 'secret', 'ls', '--format', '{{.Name}}']);
    expect(secrets).toContain(`${APP}-prod_${r.releaseId}_API_KEY`);
    const onDisk = cluster!.onNode(
      cluster!.manager,
      ['grep', '-rlF', `s3cr3t-${process.pid}`, ROOT, '/tmp'],
      true,
    );
    expect(onDisk).toBe('');
    const spec = cluster!.onNode(cluster!.manager, ['docker', 'service', 'inspect', `${APP}-prod_app`]);
    expect(spec).not.toContain(`s3cr3t-${process.pid}`);
    expect(releases().at(-1)).toMatchObject({ id: r.releaseId, result: 'success', image: images.v1 });
  }, 400_000);

  it('rolls v1 → v2 under load through the published port with 0 failed requests', async () => {
    const load = await underLoad(() => runDeploy(inputs(images.v2!), { logger: new MemoryLogger() }));
    expect(load.error).toBeUndefined();
    expect(load.total).toBeGreaterThan(50);
    expect(load.failed).toBe(0);
    expect(await version()).toBe('v2');
  }, 400_000);

  it('an update whose health never turns green is rolled back by Swarm; v2 keeps serving', async () => {
    const load = await underLoad(() =>
      runDeploy(inputs(images.v1!, { HEALTH: 'fail' }), { logger: new MemoryLogger() }),
    );
    expect(String((load.error as Error)?.message)).toMatch(
      /Swarm rolled back the update of swarmit-prod_app|the update of swarmit-prod_app is paused/,
    );
    expect(load.failed).toBe(0);
    expect(await version()).toBe('v2');
    expect(releases().at(-1)).toMatchObject({ result: 'failed', image: images.v1 });
  }, 400_000);

  it('rollback --to previous redeploys the recorded release (files, digest, its secrets)', async () => {
    const r = await runRollback(
      {
        ...inputs(images.v1!),
        to: 'previous',
      },
      { logger: new MemoryLogger() },
    );
    expect(r.image).toBe(images.v1);
    expect(await version()).toBe('v1');
    expect(JSON.parse((await get('/env?name=API_KEY')).body)).toEqual({ value: SECRET });
    expect(releases().at(-1)).toMatchObject({ kind: 'rollback', result: 'success', image: images.v1 });
  }, 400_000);

  it('a worker stopped in the middle of a deploy: either the deploy succeeds (v2 serving, the down node reported) or it fails naming the node or the stalled update', async () => {
    const worker = cluster!.workers[1]!;
    const deploy = runDeploy(inputs(images.v2!), { logger: new MemoryLogger() }).then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    // Stop the worker once Swarm has begun the update (or the deploy already ended).
    const until = Date.now() + 120_000;
    while (Date.now() < until) {
      const state = cluster!.onNode(
        cluster!.manager,
        [
          'docker',
          'service',
          'inspect',
          '--format',
          '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}',
          `${APP}-prod_app`,
        ],
        true,
      );
      if (state.includes('updating')) break;
      if (await Promise.race([deploy.then(() => true), new Promise((r) => setTimeout(() => r(false), 500))]))
        break;
    }
    execFileSync('docker', ['stop', '--time', '1', worker]);
    const out = await deploy;
    const served = await get();
    expect(served.status).toBe(200);
    if (out.ok) {
      expect(await version()).toBe('v2');
      const down = (out.r as { swarm?: { downNodes: string[] } }).swarm?.downNodes ?? [];
      // Swarm may notice the node only after the update: when it did, the report names it.
      for (const n of down) expect(n).toBe(worker);
      if (down.length) expect(out.r.report.toString()).toContain(worker);
    } else {
      expect(String((out.e as Error).message)).toMatch(new RegExp(`${worker}|stalled|rolled back|paused`));
      expect(['v1', 'v2']).toContain(await version());
    }
    execFileSync('docker', ['start', worker]);
  }, 600_000);
});
