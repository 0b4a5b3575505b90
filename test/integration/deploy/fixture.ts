import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parseConfig } from '../../../src/config/load.js';
import type { RagshipConfig } from '../../../src/config/schema.js';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { parseReleaseLog, type ReleaseRecord } from '../../../src/deploy/release-log.js';
import type { DeployInputs } from '../../../src/deploy/run.js';
import { knownHosts, privateKey, sandbox, sandboxHost } from '../../support/sandbox.js';

export const FIXTURE = new URL('../../fixtures/deploy-app/', import.meta.url).pathname;
export const REPO = 'ragship-deploy/fixture-app';

/** Builds (once) and pushes the fixture app as v1..vN; returns repo@digest per version. */
/** Whether the sandbox registry serves the manifest `repo@sha256:…` (basic auth, as htpasswd allows). */
async function registryHas(ref: string): Promise<boolean> {
  const { registry } = sandbox();
  const [name, digest] = ref.slice(registry.host.length + 1).split('@');
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  const r = await fetch(`http://${registry.host}/v2/${name}/manifests/${digest}`, {
    method: 'HEAD',
    headers: {
      authorization: `Basic ${auth}`,
      accept: 'application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  return r.ok;
}

export async function fixtureImages(versions: string[]): Promise<Record<string, string>> {
  const { registry, images } = sandbox();
  await execLocal(['docker', 'login', '--username', registry.username, '--password-stdin', registry.host], {
    input: registry.password,
  });
  const out: Record<string, string> = {};
  for (const v of versions) {
    const tag = `${registry.host}/${REPO}:${v}`;
    const have = await execLocal(
      ['docker', 'image', 'inspect', '--format', '{{range .RepoDigests}}{{.}} {{end}}', tag],
      { allowFailure: true },
    );
    let digest =
      have.code === 0
        ? have.stdout
            .trim()
            .split(' ')
            .find((d) => d.startsWith(`${registry.host}/${REPO}@`))
        : undefined;
    // The engine keeps RepoDigests across registries at the same address (a fresh sandbox
    // registry starts empty): trust a local digest only if the registry still has it.
    if (digest && !(await registryHas(digest))) {
      const push = await execLocal(['docker', 'push', tag]);
      const sha = /digest: (sha256:[a-f0-9]{64})/.exec(push.stdout)?.[1];
      if (!sha) throw new Error(`no digest in push output: ${push.stdout}`);
      digest = `${registry.host}/${REPO}@${sha}`;
    }
    if (!digest) {
      await execLocal([
        'docker',
        'build',
        '-q',
        '-t',
        tag,
        '--build-arg',
        `NODE_IMAGE=${images.node}`,
        '--build-arg',
        `VERSION=${v}`,
        FIXTURE,
      ]);
      const push = await execLocal(['docker', 'push', tag]);
      const sha = /digest: (sha256:[a-f0-9]{64})/.exec(push.stdout)?.[1];
      if (!sha) throw new Error(`no digest in push output: ${push.stdout}`);
      digest = `${registry.host}/${REPO}@${sha}`;
    }
    out[v] = digest;
  }
  return out;
}

export function fixtureConfig(app: string, port: number, extra = ''): RagshipConfig {
  return parseConfig(fixtureYaml(app, port, extra));
}

/** ragship.yml text for the fixture app on the sandbox cpu host. */
export function fixtureYaml(app: string, port: number, extra = '', lock = '{ ttl: 30, wait: 0 }'): string {
  const cpu = sandboxHost('cpu');
  return `
app: ${app}
registry: { server: ${sandbox().registry.host}, username: ${sandbox().registry.username} }
retain: 3
lock: ${lock}
environments:
  staging:
    url: http://127.0.0.1:${port}/
    roles:
      web:
        hosts: [${cpu.user}@${cpu.host}:${cpu.port}]
        compose: [compose.yaml]
        files: [nginx/default.conf]
        service: app
        proxy: { service: nginx, upstream: app, port: 3000, file: upstreams/app.upstream.conf, drain: 1s }
        health: { http: /health, port: 3000, timeout: 20s, interval: 500ms }
        migrate: { service: migrate, command: [node, migrate.js], timeout: 60s }
        vars: { NGINX_PORT: "${port}" }
        stopGrace: 10s
${extra}`;
}

export function deployInputs(
  config: RagshipConfig,
  image: string,
  env: Record<string, string> = {},
): DeployInputs {
  return {
    config,
    environment: 'staging',
    sshPrivateKey: privateKey(),
    knownHosts: knownHosts(),
    fingerprints: [],
    registryPassword: sandbox().registry.password,
    image,
    env,
    repoDir: FIXTURE,
    runId: `test-${process.pid}-${Date.now()}`,
    actor: 'vitest',
  };
}

export const logger = () => new MemoryLogger();

export async function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: await r.text() };
}

/** Removes the test project's containers, volumes and deploy root (own names only). */
export async function cleanup(app: string): Promise<void> {
  for (const role of ['web', 'llm']) {
    const project = `${app}-staging-${role}`;
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
  for (const h of ['cpu', 'gpu'] as const) {
    const home = `/home/${sandboxHost(h).user}`;
    await execLocal(['rm', '-rf', `${home}/ragship/${app}`], { allowFailure: true });
  }
}

/** The app's staging deploy root on the sandbox cpu host (its deploy user's home is local). */
export const stagingRoot = (app: string) => `/home/${sandboxHost('cpu').user}/ragship/${app}/staging`;

/** The app's staging release log, as the deploys wrote it. */
export const releaseLog = (app: string): ReleaseRecord[] =>
  parseReleaseLog(readFileSync(`${stagingRoot(app)}/releases.jsonl`, 'utf8'));

/** Whether the app's staging deploy lock is held. */
export const lockHeld = async (app: string): Promise<boolean> =>
  (await execLocal(['test', '-e', `${stagingRoot(app)}/lock`], { allowFailure: true })).code === 0;

/** Ids of the app's running `app` containers in its staging web project. */
export async function appContainers(app: string): Promise<string[]> {
  const r = await execLocal([
    'docker',
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${app}-staging-web`,
    '--filter',
    'label=com.docker.compose.service=app',
  ]);
  return r.stdout.split('\n').filter(Boolean);
}

export function tmpRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ragship-repo-'));
  writeFileSync(join(dir, 'x'), readFileSync(join(FIXTURE, 'compose.yaml')));
  return dir;
}

export interface LoadResult {
  total: number;
  failed: number;
  rps: number;
  /** Seconds between the first and the last failed request (0 when none failed). */
  downtimeSeconds: number;
  /** Failed requests by HTTP status, or `error` (connection error / timeout). */
  failures: Record<string, number>;
}

/**
 * autocannon against nginx on 127.0.0.1 at a fixed overall rate until stop(). The default
 * target (200/s) leaves headroom: on the shared 2-core sandbox the achieved rate (`rps`, what
 * tests assert ≥ 100) runs well below the target while a deploy competes for the CPU.
 */
export function startLoad(port: number, rate = 200, path = '/'): { stop(): Promise<LoadResult> } {
  const failures: number[] = [];
  const kinds: Record<string, number> = {};
  const fail = (kind: string) => {
    failures.push(Date.now());
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  };
  const started = Date.now();
  let resolve!: (r: autocannon.Result) => void;
  const done = new Promise<autocannon.Result>((r) => {
    resolve = r;
  });
  const inst = autocannon(
    {
      url: `http://127.0.0.1:${port}${path}`,
      // One request in flight per connection: rate/2 connections keep the rate even when a
      // loaded 2-core host answers in up to 500 ms (rate/5 reached only 50 req/s at load 20).
      connections: Math.max(10, Math.ceil(rate / 2)),
      overallRate: rate,
      duration: 300,
      timeout: 5,
    },
    (_err, res) => resolve(res),
  );
  inst.on('response', (_c, status) => {
    if (status !== 200) fail(String(status));
  });
  inst.on('reqError', () => fail('error'));
  return {
    async stop() {
      inst.stop();
      const res = await done;
      return {
        total: res.requests.total,
        failed: res.errors + res.non2xx + res.timeouts,
        rps: Math.round(res.requests.total / Math.max(1, (Date.now() - started) / 1000)),
        downtimeSeconds: failures.length ? (Math.max(...failures) - Math.min(...failures)) / 1000 : 0,
        failures: kinds,
      };
    },
  };
}
