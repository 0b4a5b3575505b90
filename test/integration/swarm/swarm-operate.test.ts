/**
 * Day 2 on engine: swarm, on a real cluster of three engines (each a container with its own
 * dockerd) that are all managers: ragship reaches the first one over SSH only. Real parts:
 * Swarm (global/replicated jobs, service logs across nodes, raft-replicated configs), the
 * sandbox registry, sshd on the manager, nginx on every node in host mode.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { SecretRegistry } from '../../../src/core/redact.js';
import { type DeployInputs, runDeploy } from '../../../src/deploy/run.js';
import { runExec } from '../../../src/operate/exec.js';
import { type LogLine, runLogs } from '../../../src/operate/logs.js';
import { runStatus } from '../../../src/operate/status.js';
import { privateKey, sandbox } from '../../support/sandbox.js';
import { type SwarmCluster, startSwarmCluster } from '../../support/swarm-cluster.js';
import { fixtureImages } from '../deploy/fixture.js';

const FIXTURE = new URL('../../fixtures/swarm-app/', import.meta.url).pathname;
const PREFIX = 'ragship-swarm-op';
const SSH_PORT = 18722;
const HTTP_PORT = 18780;
const APP = 'swarmop';
const STACK = `${APP}-prod`;
const ROOT = `/root/ragship/${APP}/prod`;
const NGINX = `${sandbox().registry.host}/ragship-swarm/nginx:test`;
/** `$`, quotes, spaces: masked in logs and exec output in every form the registry knows. */
const SECRET = `op-s3cr3t-${process.pid}-$HOME "q" x`;

let cluster: SwarmCluster | undefined;
let images: Record<string, string> = {};

const config = () =>
  parseConfig(`
app: ${APP}
registry: { server: ${sandbox().registry.host}, username: ${sandbox().registry.username} }
retain: 1
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
        stopGrace: 5s
`);

const connection = () => ({
  config: config(),
  environment: 'prod',
  sshPrivateKey: privateKey(),
  knownHosts: cluster!.knownHosts,
  fingerprints: [],
});

const deployInputs = (image: string): DeployInputs => ({
  ...connection(),
  registryPassword: sandbox().registry.password,
  image,
  env: { API_KEY: SECRET },
  repoDir: FIXTURE,
  runId: `swarm-op-${process.pid}-${Date.now()}`,
  actor: 'vitest',
});

const onNode = (node: string, argv: string[], allowFailure = false) =>
  cluster!.onNode(node, argv, allowFailure);
const nodes = () => [cluster!.manager, ...cluster!.workers];
const digestsOn = (node: string) =>
  onNode(node, ['docker', 'image', 'ls', '--digests', '--format', '{{.Repository}}@{{.Digest}}'])
    .split('\n')
    .filter(Boolean);
const appTaskNodes = () =>
  new Set(
    onNode(cluster!.manager, [
      'docker',
      'service',
      'ps',
      '--filter',
      'desired-state=running',
      '--format',
      '{{.Node}}',
      `${STACK}_app`,
    ])
      .split('\n')
      .filter(Boolean),
  );

describe('status, logs, exec, worker prune and the release log on every manager (3-manager swarm)', () => {
  let v2Release = '';
  let deployLog: MemoryLogger;
  let pruned: string[] = [];
  let v1Before: string[] = [];

  beforeAll(async () => {
    images = await fixtureImages(['v1', 'v2']);
    execFileSync('docker', ['tag', 'ragship-swarm/nginx:test', NGINX]);
    execFileSync('docker', ['push', '--quiet', NGINX]);
    cluster = await startSwarmCluster({
      prefix: PREFIX,
      workers: 2,
      managers: 3,
      sshPort: SSH_PORT,
      httpPort: HTTP_PORT,
    });
    await runDeploy(deployInputs(images.v1!), { logger: new MemoryLogger() });
    // Nodes that pulled v1 (its tasks ran there): the v2 deploy's prune must free it there.
    v1Before = nodes().filter((n) => digestsOn(n).includes(images.v1!));
    deployLog = new MemoryLogger();
    const r = await runDeploy(deployInputs(images.v2!), { logger: deployLog });
    v2Release = r.releaseId;
    pruned = r.pruned;
  }, 1_200_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('prune removes the unretained image on the other nodes (never the retained one) and the log reaches every manager', () => {
    const others = v1Before.filter((n) => n !== cluster!.manager);
    expect(others.length).toBeGreaterThan(0);
    for (const n of others) {
      expect(digestsOn(n)).not.toContain(images.v1);
      expect(pruned).toContain(`${n} ${images.v1}`);
    }
    // retain: 1 keeps v2: every node running a v2 task still has it.
    for (const n of appTaskNodes()) expect(digestsOn(n)).toContain(images.v2);
    const log = onNode(cluster!.manager, ['cat', `${ROOT}/releases.jsonl`]);
    expect(log).toContain(v2Release);
    for (const w of cluster!.workers) {
      expect(onNode(w, ['cat', `${ROOT}/releases.jsonl`])).toBe(log);
      expect(onNode(w, ['stat', '-c', '%a', `${ROOT}/releases.jsonl`]).trim()).toBe('640');
    }
    // The jobs and the log's config are gone.
    expect(onNode(cluster!.manager, ['docker', 'service', 'ls', '--format', '{{.Name}}'])).not.toMatch(
      /_(prune|copylog)_/,
    );
    expect(onNode(cluster!.manager, ['docker', 'config', 'ls', '--format', '{{.Name}}'])).not.toContain(
      '_releases_',
    );
    expect(deployLog.text()).not.toContain('image prune did not finish');
  });

  it('status: replicas, digests and update state from the manager, as released (exit 0)', async () => {
    const r = await runStatus(connection(), { logger: new MemoryLogger() });
    expect(r.connectionsPerHost).toEqual({ [`root@127.0.0.1:${SSH_PORT}`]: 1 });
    expect(r.active?.id).toBe(v2Release);
    const app = r.services.find((s) => s.service === `${STACK}_app`) as unknown as {
      drift?: string;
      problem?: string;
      swarm: { replicas: string; update: string; tasks: Array<{ node: string; image: string }> };
    };
    expect(app.swarm.replicas).toBe('3/3');
    expect(app.swarm.tasks.map((t) => t.image.split('@')[1])).toEqual(
      Array(3).fill(images.v2!.split('@')[1]),
    );
    expect(r.services.find((s) => s.service === `${STACK}_proxy`)).toBeDefined();
    expect(r.services.map((s) => [s.service, s.problem, s.drift])).toEqual(
      r.services.map((s) => [s.service, undefined, undefined]),
    );
    expect(r.exitCode).toBe(0);
    expect(r.report.toString()).toContain(`${STACK}_app`);
  }, 120_000);

  it('logs: every node’s proxy lines prefixed by node and task, the secret masked, --grep and --host', async () => {
    const res = await fetch(`http://127.0.0.1:${HTTP_PORT}/?q=${encodeURIComponent(SECRET)}`);
    expect(res.status).toBe(200);
    let lines: LogLine[] = [];
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      lines = [];
      await runLogs(
        { ...connection(), service: 'proxy', tail: 'all', grep: /GET \/\?q=/ },
        { logger: new MemoryLogger(), onLine: (l) => lines.push(l), secrets: new SecretRegistry() },
      );
      if (lines.length) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(nodes()).toContain(l.host);
      expect(l.source).toMatch(new RegExp(`^${STACK}_proxy\\.`));
      expect(l.line).toMatch(/^[0-9]{4}-[0-9]{2}-[0-9]{2}T\S+ /);
      expect(l.line).toContain('GET /?q=***');
      expect(l.line).not.toContain('op-s3cr3t');
    }
    // The request came in on the manager's published port: its nginx logged it.
    expect(lines.map((l) => l.host)).toContain(cluster!.manager);
    const only: LogLine[] = [];
    await runLogs(
      { ...connection(), service: 'proxy', tail: 'all', host: cluster!.workers[0] },
      { logger: new MemoryLogger(), onLine: (l) => only.push(l), secrets: new SecretRegistry() },
    );
    for (const l of only) expect(l.host).toBe(cluster!.workers[0]);
    await expect(
      runLogs(
        { ...connection(), service: 'nope' },
        { logger: new MemoryLogger(), onLine: () => undefined, secrets: new SecretRegistry() },
      ),
    ).rejects.toThrow(/--service.*"nope" is not a service.*use one of: .*app/s);
  }, 180_000);

  it('exec: a one-off job with the service’s image, env and secrets; exit status back, secret masked, job removed', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const r = await runExec(
      {
        ...connection(),
        command: [
          'sh',
          '-c',
          'echo "key=$API_KEY"; echo "release=$RAGSHIP_RELEASE version=$VERSION"; echo oops >&2; exit 3',
        ],
      },
      {
        logger: new MemoryLogger(),
        stdout: (l) => out.push(l),
        stderr: (l) => err.push(l),
        secrets: new SecretRegistry(),
      },
    );
    expect(r).toMatchObject({ exitCode: 3, mode: 'one-off', service: 'app', release: v2Release });
    expect(out).toContain('key=***');
    expect(out).toContain(`release=${v2Release} version=v2`);
    expect(err).toContain('oops');
    expect(out.join('\n')).not.toContain('op-s3cr3t');
    expect(onNode(cluster!.manager, ['docker', 'service', 'ls', '--format', '{{.Name}}'])).not.toContain(
      '_exec_',
    );
    const ok = await runExec(
      {
        ...connection(),
        command: [
          'node',
          '-e',
          // The secret's hash, never the secret, in the job's argv.
          'const h = require("crypto").createHash("sha256").update(process.env.API_KEY).digest("hex"); process.exit(h === process.argv[1] ? 0 : 1)',
          createHash('sha256').update(SECRET).digest('hex'),
        ],
      },
      {
        logger: new MemoryLogger(),
        stdout: () => undefined,
        stderr: () => undefined,
        secrets: new SecretRegistry(),
      },
    );
    expect(ok.exitCode).toBe(0);
  }, 300_000);

  it('status flags drift when the service runs another image than the release (exit 3, or 4 while Swarm is mid-update)', async () => {
    onNode(cluster!.manager, [
      'docker',
      'service',
      'update',
      '--detach',
      '--image',
      images.v1!,
      `${STACK}_app`,
    ]);
    const r = await runStatus(connection(), { logger: new MemoryLogger() });
    const app = r.services.find((s) => s.service === `${STACK}_app`)!;
    expect(app.drift).toContain(`runs ${images.v1}, not ${images.v2}`);
    expect([3, 4]).toContain(r.exitCode);
    if (r.exitCode === 4) expect(app.problem).toBeDefined();
  }, 120_000);
});
