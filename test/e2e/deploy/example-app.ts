/**
 * The example app on the sandbox, shared by the deploy e2e test and `npm run demo`:
 * build + push with src/build (registry with auth), and example-app/ragship.yml pointed at the
 * sandbox hosts. What differs from a real deploy, and why:
 *   - hosts, registry, ports and base images are the sandbox's (ports 18100-18199, no pulls);
 *   - compose.gpu.yaml loses `deploy.resources.reservations.devices` (no GPU or NVIDIA runtime
 *     here) and VLLM_IMAGE is the LLM stand-in pushed to the sandbox registry;
 *   - the stand-in has no huggingface-cli: the prefetch step runs `node -e` instead;
 *   - nginx's per-IP rate limit (20 r/s, burst 40) is raised in the copy: all load comes from one
 *     address.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { runBuildPush } from '../../../src/build/build-push.js';
import { loadConfig } from '../../../src/config/load.js';
import type { RagshipConfig } from '../../../src/config/schema.js';
import { execLocal } from '../../../src/core/exec.js';
import { ConsoleLogger, type Logger } from '../../../src/core/logger.js';
import type { DeployInputs } from '../../../src/deploy/run.js';
import { deployInputs } from '../../integration/deploy/fixture.js';
import { sandbox, sandboxHost } from '../../support/sandbox.js';

export const EXAMPLE_APP = new URL('../../../example-app/', import.meta.url).pathname;

/**
 * Builds the example app and pushes one digest per version: the same layers but the chat page
 * (its build marker is the version: WEB_BUILD) and a version label.
 */
export async function buildAndPush(
  repository: string,
  versions: string[],
  logger: Logger = new ConsoleLogger({ write: () => {} }),
): Promise<Record<string, string>> {
  const sb = sandbox();
  const out: Record<string, string> = {};
  for (const v of versions) {
    const r = await runBuildPush(
      {
        context: EXAMPLE_APP,
        buildArgs: { NODE_IMAGE: sb.images.node, WEB_BUILD: v },
        secrets: {},
        secretFiles: {},
        platforms: [],
        registry: sb.registry.host,
        image: repository,
        username: sb.registry.username,
        password: sb.registry.password,
        push: true,
        cache: 'none',
        provenance: false,
        sbom: false,
        tags: [v],
        labels: { 'org.opencontainers.image.version': v },
        builder: 'auto',
        git: { eventName: 'push', ref: 'refs/heads/main', sha: '5eed0000c0ffee0000000000000000000000beef' },
        tempDir: tmpdir(),
      },
      { exec: execLocal, logger },
    );
    if (!r.image) throw new Error(`build of ${repository}:${v} returned no digest`);
    out[v] = r.image;
  }
  return out;
}

/** Pushes a local image to the sandbox registry (logging in first) as `<registry>/<repository>`. */
export async function pushLocalImage(local: string, repository: string): Promise<string> {
  const { registry } = sandbox();
  const ref = `${registry.host}/${repository}`;
  await execLocal(['docker', 'login', '--username', registry.username, '--password-stdin', registry.host], {
    input: registry.password,
  });
  await execLocal(['docker', 'tag', local, ref]);
  await execLocal(['docker', 'push', ref]);
  return ref;
}

/** The LLM stand-in, pushed to the sandbox registry so the GPU host pulls it like vLLM. */
export const pushStandin = (repository: string): Promise<string> =>
  pushLocalImage('ragship-sandbox/llm-standin:latest', `${repository}:latest`);

/** A copy of the files the deploy reads, adapted for the sandbox (see the top comment). */
export function sandboxRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ragship-example-'));
  cpSync(join(EXAMPLE_APP, 'compose.yaml'), join(dir, 'compose.yaml'));
  const gpu = parseYaml(readFileSync(join(EXAMPLE_APP, 'compose.gpu.yaml'), 'utf8'));
  delete gpu.services.vllm.deploy;
  writeFileSync(join(dir, 'compose.gpu.yaml'), stringify(gpu));
  mkdirSync(join(dir, 'nginx'));
  const conf = readFileSync(join(EXAMPLE_APP, 'nginx/nginx.conf'), 'utf8');
  if (!conf.includes('rate=20r/s') || !conf.includes('burst=40'))
    throw new Error('example-app/nginx/nginx.conf: rate limit lines changed');
  // The burst too: 60+ connections firing in the same millisecond exceed burst=40 (429s).
  writeFileSync(
    join(dir, 'nginx/nginx.conf'),
    conf.replace('rate=20r/s', 'rate=2000r/s').replace('burst=40', 'burst=2000'),
  );
  return dir;
}

export interface SandboxDeploy {
  config: RagshipConfig;
  repoDir: string;
  port: number;
}

/** example-app/ragship.yml, staging, on the sandbox cpu (web) and gpu (llm) hosts. */
export function sandboxConfig(app: string, port: number, standin: string): SandboxDeploy {
  const config = loadConfig(join(EXAMPLE_APP, 'ragship.yml'));
  const sb = sandbox();
  const host = (n: 'cpu' | 'gpu') => {
    const h = sandboxHost(n);
    return `${h.user}@${h.host}:${h.port}`;
  };
  config.app = app;
  config.registry = { server: sb.registry.host, username: sb.registry.username };
  config.lock = { ttl: 120, wait: 0 };
  const env = config.environments.staging!;
  config.environments = { staging: env };
  env.url = `http://127.0.0.1:${port}/`;
  const web = env.roles.web!;
  web.hosts = [host('cpu')];
  web.proxy!.drain = 1;
  web.stopGrace = 10;
  web.vars = {
    ...web.vars,
    HTTP_BIND: '127.0.0.1',
    HTTP_PORT: String(port),
    HTTPS_PORT: String(port + 1),
    CHROMA_IMAGE: 'ragship-sandbox/chroma:1.0.5',
    NGINX_IMAGE: 'ragship-sandbox/nginx:latest',
  };
  const llm = env.roles.llm!;
  llm.hosts = [host('gpu')];
  llm.gpu = { minFreeVramMiB: 0, minDiskGiB: 0, check: false };
  llm.health = { ...llm.health, timeout: 60, interval: 0.5 };
  llm.stopGrace = 5;
  llm.prefetch = {
    service: 'vllm',
    entrypoint: 'node',
    command: ['-e', "console.log('prefetch: the stand-in has no weights to download')"],
    timeout: 120,
  };
  llm.vars = { ...llm.vars, VLLM_IMAGE: standin };
  return { config, repoDir: sandboxRepo(), port };
}

export function inputsFor(d: SandboxDeploy, image: string, env: Record<string, string> = {}): DeployInputs {
  return {
    ...deployInputs(d.config, image, { INGEST_TOKEN: 'e2e-ingest-token', ...env }),
    repoDir: d.repoDir,
    runId: `e2e-${process.pid}-${Date.now()}`,
    actor: 'ragship-e2e',
  };
}

/** Removes this app's compose projects (containers, networks, volumes) and deploy roots. */
export async function cleanupApp(app: string): Promise<void> {
  for (const role of ['web', 'llm']) {
    const project = `${app}-staging-${role}`;
    const label = `label=com.docker.compose.project=${project}`;
    const ids = (await execLocal(['docker', 'ps', '-aq', '--filter', label])).stdout
      .split('\n')
      .filter(Boolean);
    if (ids.length) await execLocal(['docker', 'rm', '-f', ...ids], { allowFailure: true });
    await execLocal(['docker', 'network', 'rm', `${project}_default`], { allowFailure: true });
    const vols = (await execLocal(['docker', 'volume', 'ls', '-q', '--filter', label])).stdout
      .split('\n')
      .filter(Boolean);
    if (vols.length) await execLocal(['docker', 'volume', 'rm', ...vols], { allowFailure: true });
  }
  for (const h of ['cpu', 'gpu'] as const)
    await execLocal(['rm', '-rf', `/home/${sandboxHost(h).user}/ragship/${app}`], { allowFailure: true });
}

export interface QueryAnswer {
  answer: string;
  sources: Array<{ id?: string; source?: string; title?: string; score?: number }>;
}

/** The deployed chat page: `/`, its build marker and the hashed assets it references. */
export async function chatPage(port: number): Promise<{ build: string; assets: string[] }> {
  const r = await fetch(`http://127.0.0.1:${port}/`);
  const html = await r.text();
  if (r.status !== 200) throw new Error(`GET / → ${r.status}: ${html.slice(0, 300)}`);
  const build = /<meta name="ragship-build" content="([^"]+)"/.exec(html)?.[1];
  if (!build) throw new Error(`GET / is not the built chat page:\n${html.slice(0, 300)}`);
  return { build, assets: [...html.matchAll(/"(\/assets\/[A-Za-z0-9_.-]+)"/g)].map((m) => m[1]!) };
}

/** Status and body of a static path through the deployed nginx. */
export async function getStatic(port: number, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: await r.text() };
}

export async function query(port: number, question: string): Promise<QueryAnswer> {
  const r = await fetch(`http://127.0.0.1:${port}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`POST /query → ${r.status}: ${text}`);
  return JSON.parse(text) as QueryAnswer;
}
