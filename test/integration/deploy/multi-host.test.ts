/**
 * Issue 17 item 5, on real parts: one role on two hosts — the sandbox cpu host (deploy user,
 * sandbox sshd, sandbox dockerd) and the sandbox gpu deploy user reached through an sshd this
 * test starts (127.0.0.1:18610) whose sessions get DOCKER_HOST pointing at a dockerd this test
 * starts. The sandbox's two sshd hosts share one dockerd, where the same compose project on both
 * would be one project; the second dockerd gives host 2 its own containers, networks and ports.
 * It runs without iptables (so it cannot disturb the sandbox engine's rules); one DOCKER-USER
 * rule lets its own bridge's containers talk to each other (the FORWARD policy is DROP).
 *
 * What differs per host comes from the session's environment, which compose interpolation
 * reads: the proxy port, the bridge name, and APP_HEALTH=fail on host 2 for the failing deploys.
 * Deploy v1 to both, then v2 where host 2 fails its health gate: host 1 is switched back to v1
 * (on-failure default) or stays on v2 (on-failure: keep), seen over HTTP through each host's
 * nginx, in both release logs and in the failure summary.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { RagshipConfig } from '../../../src/config/schema.js';
import { errorMessage } from '../../../src/core/errors.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { RemoteHost } from '../../../src/core/remote-host.js';
import { failureOf, failureReport } from '../../../src/deploy/failure.js';
import { parseReleaseLog, type ReleaseRecord } from '../../../src/deploy/release-log.js';
import { type DeployInputs, runDeploy } from '../../../src/deploy/run.js';
import { knownHosts, privateKey, sandbox, sandboxHost } from '../../support/sandbox.js';
import { cleanup, FIXTURE, fixtureImages } from './fixture.js';

const APP = 'mhtest';
const SSH_PORT = 18610;
const PORT1 = 18611;
const PORT2 = 18612;
// Fixed (not mkdtemp): a run killed before afterAll leaves a pid file the next run can find.
const DIR = '/tmp/ragship-multi-host';
const SOCK = join(DIR, 'docker.sock');
const BRIDGE2 = 'rsmh2';
const FORWARD_RULE = ['DOCKER-USER', '-i', BRIDGE2, '-o', BRIDGE2, '-j', 'ACCEPT'];
// The test dockerd's default bridge, made by the test. Not `--bridge=none`: a dockerd started so
// deletes the host's `docker0`, the sandbox engine's bridge, and every later `docker run` fails.
const DEFAULT_BRIDGE = 'rsmh0';
const NGINX_IMAGE = 'ragship-deploy/nginx:test';

const cpu = sandboxHost('cpu');
const gpu = sandboxHost('gpu');
const H1 = `${cpu.user}@127.0.0.1:${cpu.port}`;
const H2 = `${gpu.user}@127.0.0.1:${SSH_PORT}`;

let dockerd: ChildProcess | undefined;
let sshd: ChildProcess | undefined;
let hostKnown = '';
let repoDir = '';
let images: Record<string, string> = {};
let config: RagshipConfig;
let ruleAdded = false;

const sh = (argv: string[], opts: { input?: Buffer | string; allowFailure?: boolean } = {}) => {
  try {
    return execFileSync(argv[0]!, argv.slice(1), {
      encoding: 'utf8',
      input: opts.input,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 300_000,
      maxBuffer: 1 << 30,
    });
  } catch (err) {
    if (opts.allowFailure) return '';
    const e = err as { stderr?: string; message: string };
    throw new Error(`${argv.join(' ')}: ${e.stderr || e.message}`);
  }
};
const docker2 = (args: string[], allowFailure = false) =>
  sh(['docker', '-H', `unix://${SOCK}`, ...args], { allowFailure });

async function until<T>(
  what: string,
  seconds: number,
  fn: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const end = Date.now() + seconds * 1000;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not within ${seconds} s${last ? `: ${errorMessage(last)}` : ''}`);
}

/** The version nginx on `port` serves, once it answers the same three times in a row. */
async function serving(port: number, expected: string): Promise<string> {
  let seen = '';
  let streak = 0;
  try {
    return await until(`127.0.0.1:${port} serving ${expected}`, 30, async () => {
      const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
      const v = r.ok ? ((await r.json()) as { version: string }).version : `HTTP ${r.status}`;
      streak = v === seen ? streak + 1 : 1;
      seen = v;
      return v === expected && streak >= 3 ? v : undefined;
    });
  } catch {
    return seen; // what it serves instead: the assertion shows it
  }
}

const logOf = (user: string): ReleaseRecord[] =>
  parseReleaseLog(readFileSync(`/home/${user}/ragship/${APP}/staging/releases.jsonl`, 'utf8'));

/**
 * Stops the process of a pid file an earlier run of this test left (a run killed before its
 * afterAll) — only if it is that binary started on DIR — and waits until it is gone.
 */
async function killStale(pidFile: string, binary: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const cmdline = `/proc/${pid}/cmdline`;
  const ours = () => pid > 0 && existsSync(cmdline) && readFileSync(cmdline, 'utf8').includes(DIR);
  if (!ours() || !readFileSync(cmdline, 'utf8').includes(binary)) return;
  process.kill(pid, 'SIGTERM');
  await until(`the ${binary} of an earlier run gone`, 90, () => (ours() ? undefined : true));
}

async function stopDockerd(): Promise<void> {
  if (dockerd && dockerd.exitCode === null) {
    const exited = new Promise((r) => dockerd!.once('exit', r));
    dockerd.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
  }
  // Its containers' overlay mounts go with a clean stop; a killed daemon may leave some.
  for (const m of readFileSync('/proc/mounts', 'utf8').split('\n').reverse()) {
    const at = m.split(' ')[1];
    if (at?.startsWith(`${DIR}/`)) sh(['umount', '-l', at], { allowFailure: true });
  }
}

/** (Re)starts the test's sshd with the environment its sessions get; waits until a session sees it. */
async function startSshd(env: Record<string, string>): Promise<void> {
  if (sshd && sshd.exitCode === null) {
    const exited = new Promise((r) => sshd!.once('exit', r));
    sshd.kill('SIGTERM');
    await exited;
  }
  writeFileSync(
    join(DIR, 'sshd_config'),
    [
      `Port ${SSH_PORT}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(DIR, 'host_key')}`,
      `PidFile ${join(DIR, 'sshd.pid')}`,
      'AuthorizedKeysFile .ssh/authorized_keys',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `AllowUsers ${gpu.user}`,
      'UsePAM no',
      'MaxSessions 64',
      'MaxStartups 64:30:128',
      'Subsystem sftp internal-sftp',
      `SetEnv ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      '',
    ].join('\n'),
  );
  const log = openSync(join(DIR, 'sshd.log'), 'a');
  sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(DIR, 'sshd_config')], {
    stdio: ['ignore', log, log],
  });
  const want = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  await until(`sshd on ${SSH_PORT} with ${want.join(' ')}`, 30, async () => {
    const h = new RemoteHost({
      host: '127.0.0.1',
      port: SSH_PORT,
      user: gpu.user,
      privateKey: privateKey(),
      hostKeys: { knownHosts: hostKnown },
      logger: new MemoryLogger(),
      connectAttempts: 1,
      connectTimeoutMs: 5000,
    });
    try {
      const r = await h.exec(['env']);
      const got = r.stdout.split('\n').filter((l) => want.some((w) => w.split('=')[0] === l.split('=')[0]));
      return got.sort().join(' ') === want.join(' ') ? true : undefined;
    } finally {
      h.close();
    }
  });
}

const hostEnv = (health?: 'fail') => ({
  DOCKER_HOST: `unix://${SOCK}`,
  PROXY_PORT: String(PORT2),
  BRIDGE: BRIDGE2,
  ...(health ? { APP_HEALTH: health } : {}),
});

function inputs(image: string, extra: Partial<DeployInputs> = {}): DeployInputs {
  return {
    config,
    environment: 'staging',
    sshPrivateKey: privateKey(),
    knownHosts: `${knownHosts()}\n${hostKnown}`,
    fingerprints: [],
    registryPassword: sandbox().registry.password,
    image,
    env: {},
    repoDir,
    runId: `test-${process.pid}-${Date.now()}`,
    actor: 'vitest',
    ...extra,
  };
}

describe('a host failing its health gate after another host of the role switched', () => {
  beforeAll(async () => {
    await killStale(join(DIR, 'sshd.pid'), 'sshd');
    await killStale(join(DIR, 'docker.pid'), 'dockerd');
    await stopDockerd();
    sh(['ip', 'link', 'del', DEFAULT_BRIDGE], { allowFailure: true });
    // `iptables -D` prints nothing either way: delete until it fails (a rule left by a killed run).
    for (let i = 0; i < 5; i++) if (exitCode(['iptables', '-D', ...FORWARD_RULE]) !== 0) break;
    await cleanup(APP);
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true, mode: 0o755 });
    execFileSync('chmod', ['755', DIR]);
    images = await fixtureImages(['v1', 'v2']);

    // Host 2's own Docker engine: own data, exec root, containerd namespace, cgroup parent, and
    // an address pool apart from the sandbox engine's. No iptables: the sandbox engine owns them.
    const log = openSync(join(DIR, 'dockerd.log'), 'a');
    sh(['ip', 'link', 'add', DEFAULT_BRIDGE, 'type', 'bridge']);
    sh(['ip', 'addr', 'add', '10.230.0.1/24', 'dev', DEFAULT_BRIDGE]);
    sh(['ip', 'link', 'set', DEFAULT_BRIDGE, 'up']);
    dockerd = spawn(
      'dockerd',
      [
        '--data-root',
        join(DIR, 'data'),
        '--exec-root',
        join(DIR, 'exec'),
        '--pidfile',
        join(DIR, 'docker.pid'),
        '-H',
        `unix://${SOCK}`,
        '--iptables=false',
        '--ip-masq=false',
        `--bridge=${DEFAULT_BRIDGE}`,
        '--default-address-pool',
        'base=10.231.0.0/16,size=24',
        '--cgroup-parent',
        '/ragship-multi-host',
        '--containerd-namespace',
        'ragship-multi-host',
        '--containerd-plugins-namespace',
        'ragship-multi-host-plugins',
      ],
      { stdio: ['ignore', log, log] },
    );
    await until('the test dockerd', 60, () =>
      docker2(['info', '--format', '{{.ServerVersion}}'], true) ? true : undefined,
    );
    // The proxy image is built by the sandbox (images.list) into its engine; host 2 gets a copy.
    const saved = execFileSync('docker', ['save', NGINX_IMAGE], { maxBuffer: 1 << 30 });
    sh(['docker', '-H', `unix://${SOCK}`, 'load', '-q'], { input: saved });
    sh(['iptables', '-I', ...FORWARD_RULE]);
    ruleAdded = true;

    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(DIR, 'host_key')]);
    hostKnown = `[127.0.0.1]:${SSH_PORT} ${readFileSync(join(DIR, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`;
    await startSshd(hostEnv());

    repoDir = join(DIR, 'repo');
    mkdirSync(join(repoDir, 'nginx'), { recursive: true });
    writeFileSync(join(repoDir, 'nginx/default.conf'), readFileSync(join(FIXTURE, 'nginx/default.conf')));
    // What differs per host is read from the session's environment (interpolation).
    writeFileSync(
      join(repoDir, 'compose.yaml'),
      `version: "3.8"
services:
  app:
    image: app
    restart: unless-stopped
    environment:
      HEALTH: \${APP_HEALTH:-ok}
  nginx:
    image: ${NGINX_IMAGE}
    restart: unless-stopped
    ports: ["127.0.0.1:\${PROXY_PORT:-${PORT1}}:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
      - ./upstreams:/etc/nginx/ragship:ro
networks:
  default:
    driver_opts:
      com.docker.network.bridge.name: \${BRIDGE:-rsmh1}
`,
    );
    config = parseConfig(`
app: ${APP}
registry: { server: ${sandbox().registry.host}, username: ${sandbox().registry.username} }
retain: 3
lock: { ttl: 120, wait: 0 }
environments:
  staging:
    roles:
      web:
        hosts: [${H1}, ${H2}]
        compose: [compose.yaml]
        files: [nginx/default.conf]
        service: app
        proxy: { service: nginx, upstream: app, port: 3000, file: upstreams/app.upstream.conf, drain: 1s }
        health: { http: /health, port: 3000, timeout: 20s, interval: 500ms }
        stopGrace: 10s
`);
    await runDeploy(inputs(images.v1!), { logger: new MemoryLogger() });
  }, 900_000);

  afterAll(async () => {
    if (sshd && sshd.exitCode === null) sshd.kill('SIGTERM');
    await cleanup(APP);
    await stopDockerd();
    if (ruleAdded) sh(['iptables', '-D', ...FORWARD_RULE], { allowFailure: true });
    sh(['ip', 'link', 'del', DEFAULT_BRIDGE], { allowFailure: true });
    rmSync(DIR, { recursive: true, force: true });
  }, 120_000);

  it("leaves the sandbox engine's docker0 bridge in place (later tests' containers need it)", () => {
    expect(sh(['ip', '-o', 'link', 'show', 'docker0'], { allowFailure: true })).toContain('docker0');
  });

  it('switches host 1 back to v1 (default on-failure): both hosts serve v1, both logs and the summary say so', async () => {
    expect([await serving(PORT1, 'v1'), await serving(PORT2, 'v1')]).toEqual(['v1', 'v1']);
    const r1 = logOf(cpu.user).at(-1)!;
    expect(r1).toMatchObject({ result: 'success', image: images.v1 });
    await startSshd(hostEnv('fail'));
    const err = await runDeploy(inputs(images.v2!), { logger: new MemoryLogger() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(errorMessage(err)).toMatch(/did not turn healthy/);
    expect(errorMessage(err)).toContain(`switched back to ${r1.id}: ${H1}`);
    // Host 1 had switched to v2 (its switch step passed) and serves v1 again.
    expect([await serving(PORT1, 'v1'), await serving(PORT2, 'v1')]).toEqual(['v1', 'v1']);
    for (const user of [cpu.user, gpu.user]) {
      const last = logOf(user).at(-1)!;
      expect(last).toMatchObject({
        result: 'failed',
        image: images.v2,
        switchBack: { mode: 'switch-back', to: r1.id, hosts: [H1], kept: [] },
        serving: { [H1]: r1.id, [H2]: r1.id },
      });
      expect(last.timings['switch web (zero-downtime)']).toBeGreaterThan(0);
      expect(last.timings['switch back web (zero-downtime)']).toBeGreaterThan(0);
    }
    const failure = failureOf(err)!;
    expect(failure).toMatchObject({ host: H2, releases: { [H1]: r1.id, [H2]: r1.id } });
    const summary = failureReport(failure).toString();
    expect(summary).toContain(`Switched back to ${r1.id} after the failure: ${H1}`);
    expect(summary).toMatch(new RegExp(`${H1}.*${r1.id} \\(${reEscape(images.v1!)}\\), switched back`));
    expect(summary).toMatch(new RegExp(`${H2}.*${r1.id} \\(${reEscape(images.v1!)}\\), unchanged`));
    expect(summary).not.toContain('different releases');
    // One app container per host, each running v1's image (v2's on host 1 stops in the background).
    expect(await appImagesSettled(['docker'], images.v1!)).toEqual([images.v1]);
    expect(await appImagesSettled(['docker', '-H', `unix://${SOCK}`], images.v1!)).toEqual([images.v1]);
  }, 600_000);

  it('with on-failure keep, host 1 stays on v2 and the summary and both logs say the hosts differ', async () => {
    expect([await serving(PORT1, 'v1'), await serving(PORT2, 'v1')]).toEqual(['v1', 'v1']);
    const active = logOf(cpu.user)
      .filter((r) => r.result === 'success')
      .at(-1)!;
    const err = await runDeploy(inputs(images.v2!, { onFailure: 'keep' }), {
      logger: new MemoryLogger(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(errorMessage(err)).toMatch(/did not turn healthy/);
    expect([await serving(PORT1, 'v2'), await serving(PORT2, 'v1')]).toEqual(['v2', 'v1']);
    const failed = logOf(cpu.user).at(-1)!;
    for (const user of [cpu.user, gpu.user])
      expect(logOf(user).at(-1)).toMatchObject({
        id: failed.id,
        result: 'failed',
        switchBack: { mode: 'keep', to: active.id, hosts: [], kept: [H1] },
        serving: { [H1]: failed.id, [H2]: active.id },
      });
    const summary = failureReport(failureOf(err)!).toString();
    expect(summary).toContain(
      `**The hosts run different releases**: ${H1} runs ${failed.id}; ${H2} runs ${active.id}`,
    );
    expect(summary).toMatch(new RegExp(`${H1}.*${failed.id} \\(the new release: its switch passed; kept`));
    expect(await appImagesSettled(['docker'], images.v2!)).toEqual([images.v2]);
    expect(await appImagesSettled(['docker', '-H', `unix://${SOCK}`], images.v1!)).toEqual([images.v1]);
  }, 600_000);
});

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The images of the running app containers of the test project on one engine. */
function appImages(dockerCli: string[]): string[] {
  const ids = sh([
    ...dockerCli,
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${APP}-staging-web`,
    '--filter',
    'label=com.docker.compose.service=app',
  ])
    .split('\n')
    .filter(Boolean);
  return ids.length
    ? sh([...dockerCli, 'inspect', '--format', '{{.Config.Image}}', ...ids])
        .trim()
        .split('\n')
    : [];
}

/** The engine's app container images once only `image` runs (old ones stop in the background), or what runs after 60 s. */
async function appImagesSettled(dockerCli: string[], image: string): Promise<string[]> {
  let seen: string[] = [];
  await until(`only ${image} running`, 60, () => {
    seen = appImages(dockerCli);
    return seen.length === 1 && seen[0] === image ? true : undefined;
  }).catch(() => undefined);
  return seen;
}

function exitCode(argv: string[]): number {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    return 0;
  } catch (err) {
    return (err as { status?: number }).status ?? 1;
  }
}
