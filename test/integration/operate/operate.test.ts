import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { DeployLock } from '../../../src/deploy/lock.js';
import { runDeploy } from '../../../src/deploy/run.js';
import type { ConnectionInputs } from '../../../src/deploy/session.js';
import { runExec } from '../../../src/operate/exec.js';
import { type LogLine, runLogs } from '../../../src/operate/logs.js';
import { runStatus } from '../../../src/operate/status.js';
import { connectSandboxHost, sandbox, sandboxHost } from '../../support/sandbox.js';
import {
  appContainers,
  cleanup,
  deployInputs,
  fixtureConfig,
  fixtureImages,
  fixtureYaml,
  get,
  stagingRoot,
} from '../deploy/fixture.js';

// Real parts: the sandbox "cpu" sshd host (user deploy), Docker Engine 20.10 and docker-compose
// 1.29 behind it, the registry at localhost:5000, the deploy fixture app + nginx deployed by
// the real deploy. Own app name, port, container names and temp dirs: no other test uses them.
const APP = 'rsoperate-it';
const PORT = 18771;
const PROJECT = `${APP}-staging-web`;
const SECRET = 'op-secret-7Hq2vX9pLw';
const ROOT = new URL('../../..', import.meta.url).pathname;
const HOST_KEY = () => {
  const h = sandboxHost('cpu');
  return `${h.user}@${h.host}:${h.port}`;
};
const config = fixtureConfig(APP, PORT);
let images: Record<string, string>;
let conn: ConnectionInputs;
let releaseId: string;

beforeAll(async () => {
  await cleanup(APP);
  images = await fixtureImages(['v1', 'v2']);
  const inputs = deployInputs(config, images.v1!, { OP_TOKEN: SECRET, PLAIN: 'visible' });
  releaseId = (await runDeploy(inputs, { logger: new MemoryLogger() })).releaseId;
  conn = {
    config,
    environment: 'staging',
    sshPrivateKey: inputs.sshPrivateKey,
    knownHosts: inputs.knownHosts,
    fingerprints: [],
  };
});
afterAll(() => cleanup(APP));

/** The project's container of one service (there is one of each after a deploy). */
async function containerOf(service: string): Promise<string> {
  const r = await execLocal([
    'docker',
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ]);
  const id = r.stdout.split('\n').find(Boolean);
  if (!id) throw new Error(`no running ${service} container in ${PROJECT}`);
  return id;
}

/** Retries `fn` until it returns a value (the engine's log files are written asynchronously). */
async function eventually<T>(fn: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('ragship status against the deployed fixture app on the sandbox cpu host', () => {
  it('after a deploy: app and nginx run the released digest, in sync, lock free, disk known, exit 0, one SSH connection', async () => {
    const r = await runStatus(conn, { logger: new MemoryLogger() });
    expect(r.active?.id).toBe(releaseId);
    const app = r.services.find((s) => s.service === 'app')!;
    expect(app.expectedImage).toBe(images.v1);
    expect(app.containers).toHaveLength(1);
    expect(app.containers[0]!.repoDigests).toContain(images.v1);
    expect(app.containers[0]!).toMatchObject({ state: 'running', release: releaseId });
    expect(app.containers[0]!.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(r.services.find((s) => s.service === 'nginx')?.containers[0]?.state).toBe('running');
    expect(r.services.every((s) => !s.drift && !s.problem)).toBe(true);
    expect(r.lock).toEqual({ held: false, host: HOST_KEY() });
    expect(r.hosts[0]!.diskFreeBytes).toBeGreaterThan(0);
    expect(r.exitCode).toBe(0);
    expect(r.connectionsPerHost).toEqual({ [HOST_KEY()]: 1 });
    expect(r.report.toString()).toContain('✅ healthy, as released');
  });

  it('a container of another digest started by hand in the project is drift: exit 3, both digests named', async () => {
    const name = `${APP}-drift-by-hand`;
    await execLocal(['docker', 'rm', '-f', name], { allowFailure: true });
    await execLocal([
      'docker',
      'run',
      '-d',
      '--name',
      name,
      '--label',
      `com.docker.compose.project=${PROJECT}`,
      '--label',
      'com.docker.compose.service=app',
      '--label',
      'com.docker.compose.oneoff=False',
      images.v2!,
    ]);
    try {
      const r = await runStatus(conn, { logger: new MemoryLogger() });
      const app = r.services.find((s) => s.service === 'app')!;
      expect(app.containers).toHaveLength(2);
      expect(app.drift).toContain(`${name} runs ${images.v2}, not ${images.v1}`);
      expect(r.drifted).toBe(true);
      expect(r.unhealthy).toBe(false);
      expect(r.exitCode).toBe(3);
    } finally {
      await execLocal(['docker', 'rm', '-f', name], { allowFailure: true });
    }
  });

  it('a stopped nginx is unhealthy: exit 4 naming the container and its state', async () => {
    const nginx = await containerOf('nginx');
    await execLocal(['docker', 'stop', '--time', '5', nginx]);
    try {
      const r = await runStatus(conn, { logger: new MemoryLogger() });
      expect(r.services.find((s) => s.service === 'nginx')!.problem).toMatch(/exited/);
      expect(r.unhealthy).toBe(true);
      expect(r.exitCode).toBe(4);
      expect(r.report.toString()).toContain('❌ unhealthy');
    } finally {
      await execLocal(['docker', 'start', nginx]);
    }
    await eventually(
      async () => ((await get(PORT).catch(() => undefined))?.status === 200 ? true : undefined),
      'nginx back',
    );
  });

  it('a held deploy lock shows its holder (never its token); status stays exit 0', async () => {
    const host = connectSandboxHost('cpu');
    const lock = new DeployLock(
      host,
      {
        dir: `${stagingRoot(APP)}/lock`,
        ttlSeconds: 120,
        waitSeconds: 0,
        runId: 'op-test-run',
        actor: 'op-tester',
      },
      new MemoryLogger(),
    );
    await lock.acquire();
    try {
      const r = await runStatus({ ...conn, role: 'web' }, { logger: new MemoryLogger() });
      expect(r.lock).toMatchObject({
        held: true,
        stale: false,
        owner: { runId: 'op-test-run', actor: 'op-tester' },
      });
      expect(JSON.stringify(r.lock)).not.toContain(lock.token!);
      expect(r.report.toString()).toContain('held by run op-test-run (op-tester)');
      expect(r.exitCode).toBe(0);
    } finally {
      await lock.release();
      host.close();
    }
  });
});

describe('ragship logs', () => {
  it('merges app and nginx lines prefixed by host and service, the deploy env masked, over one SSH connection', async () => {
    // Every value the deploy gave the containers is masked, not only the ones that look secret.
    // A line on the app container's own stdout (what docker logs shows) carrying the secret.
    const app = await containerOf('app');
    await execLocal([
      'docker',
      'exec',
      app,
      'sh',
      '-c',
      'echo "token=$OP_TOKEN plain=$PLAIN" > /proc/1/fd/1',
    ]);
    expect((await get(PORT, '/op-probe')).status).toBe(200);
    const logger = new MemoryLogger();
    const { lines, result } = await eventually(async () => {
      const lines: LogLine[] = [];
      const result = await runLogs({ ...conn, since: '30m' }, { logger, onLine: (l) => lines.push(l) });
      const seen =
        lines.some((l) => l.source === 'app' && l.line.includes('token=')) &&
        lines.some((l) => l.source === 'nginx' && l.line.includes('GET /op-probe'));
      return seen ? { lines, result } : undefined;
    }, 'the app line and the nginx access line');
    const token = lines.find((l) => l.line.includes('token='))!;
    expect(token).toMatchObject({ host: '127.0.0.1:2201', role: 'web', source: 'app', stream: 'stdout' });
    expect(token.line).toMatch(/^\d{4}-\d{2}-\d{2}T\S+ token=\*\*\* plain=\*\*\*$/);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(logger.text()).not.toContain(SECRET);
    expect(result.containers).toBe(2);
    expect(result.failed).toEqual([]);
    expect(result.connectionsPerHost).toEqual({ [HOST_KEY()]: 1 });
  });

  it('--service, --grep and --tail narrow the lines', async () => {
    for (let i = 0; i < 3; i++) expect((await get(PORT, `/op-grep-${i}`)).status).toBe(200);
    const lines = await eventually(async () => {
      const lines: LogLine[] = [];
      await runLogs(
        { ...conn, service: 'nginx', host: '127.0.0.1:2201', grep: /GET \/op-grep-/, tail: 'all' },
        { logger: new MemoryLogger(), onLine: (l) => lines.push(l) },
      );
      return lines.length >= 3 ? lines : undefined;
    }, 'three access lines');
    expect(lines.every((l) => l.source === 'nginx' && /GET \/op-grep-/.test(l.line))).toBe(true);
    const last: LogLine[] = [];
    await runLogs(
      { ...conn, service: 'nginx', tail: 1 },
      { logger: new MemoryLogger(), onLine: (l) => last.push(l) },
    );
    expect(last).toHaveLength(1);
  });

  it('--follow streams lines written after it started, and ends when aborted', async () => {
    const app = await containerOf('app');
    const stop = new AbortController();
    const lines: LogLine[] = [];
    const running = runLogs(
      { ...conn, service: 'app', follow: true, tail: 0 },
      { logger: new MemoryLogger(), onLine: (l) => lines.push(l), signal: stop.signal },
    );
    let n = 0;
    // Keep writing until one arrives: the follow stream opens at an unknown moment.
    await eventually(async () => {
      await execLocal([
        'docker',
        'exec',
        app,
        'sh',
        '-c',
        `echo "follow-marker-${n++} $OP_TOKEN" > /proc/1/fd/1`,
      ]);
      return lines.some((l) => l.line.includes('follow-marker-')) ? true : undefined;
    }, 'a followed line');
    stop.abort();
    const r = await running;
    expect(r.failed).toEqual([]);
    const marker = lines.find((l) => l.line.includes('follow-marker-'))!;
    expect(marker.line).toMatch(/follow-marker-\d+ \*\*\*$/);
  });
});

describe('ragship exec', () => {
  it('runs argv verbatim in a one-off container of the active release with its env; the exit code comes back', async () => {
    const pwned = join(tmpdir(), `${APP}-pwned`);
    const err: string[] = [];
    const hostile = `$(touch ${pwned}); \`touch ${pwned}\`; it's "quoted" | & ; \\ $OP_TOKEN`;
    const out: string[] = [];
    const r = await runExec(
      {
        ...conn,
        command: [
          'node',
          '-e',
          'console.log(JSON.stringify(process.argv.slice(1))); console.log(process.env.RAGSHIP_RELEASE, process.env.OP_TOKEN); process.exit(7)',
          hostile,
        ],
      },
      { logger: new MemoryLogger(), stdout: (l) => out.push(l), stderr: (l) => err.push(l) },
    );
    // compose prints its own progress ("Creating …_app_run") on stderr; stdout is the command's.
    expect(err.join('\n')).not.toContain(SECRET);
    expect(r).toMatchObject({
      exitCode: 7,
      mode: 'one-off',
      service: 'app',
      release: releaseId,
      image: images.v1,
    });
    expect(out[0]).toBe(JSON.stringify([hostile]));
    expect(out[1]).toBe(`${releaseId} ***`);
    expect(existsSync(pwned)).toBe(false);
    expect(r.connectionsPerHost).toEqual({ [HOST_KEY()]: 1 });
    // --rm: no one-off container is left behind; the running app was not touched.
    const left = await execLocal([
      'docker',
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=${PROJECT}`,
      '--filter',
      'label=com.docker.compose.oneoff=True',
    ]);
    expect(left.stdout.trim()).toBe('');
    expect(await appContainers(APP)).toHaveLength(1);
  });

  it('--in-running runs inside the running app container', async () => {
    const out: string[] = [];
    const r = await runExec(
      { ...conn, inRunning: true, command: ['sh', '-c', 'echo "pid1=$(cat /proc/1/comm)"; exit 3'] },
      { logger: new MemoryLogger(), stdout: (l) => out.push(l), stderr: () => undefined },
    );
    expect(r).toMatchObject({ exitCode: 3, mode: 'in-running' });
    expect(out).toEqual(['pid1=node']);
  });
});

describe('the ragship CLI process (npx tsx src/cli/main.ts) against the same deploy', () => {
  type Run = { code: number | null; stdout: string; stderr: string };
  const repo = mkdtempSync(join(tmpdir(), 'ragship-operate-it-'));
  const run = (args: string[]): Promise<Run> => {
    writeFileSync(join(repo, 'ragship.yml'), fixtureYaml(APP, PORT));
    return new Promise((resolve) =>
      execFile(
        join(ROOT, 'node_modules/.bin/tsx'),
        [join(ROOT, 'src/cli/main.ts'), ...withKnownHosts(args)],
        { cwd: repo, env: { ...process.env, RAGSHIP_SSH_PRIVATE_KEY: '' }, maxBuffer: 16 * 2 ** 20 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      ),
    );
  };
  // The flag goes before `--`: everything after it is the command of exec.
  const withKnownHosts = (args: string[]) => {
    const at = args.includes('--') ? args.indexOf('--') : args.length;
    return [...args.slice(0, at), '--known-hosts-file', sandbox().ssh.knownHostsPath, ...args.slice(at)];
  };
  const key = () => ['--ssh-key-file', sandbox().ssh.privateKeyPath];

  it('status --json prints one JSON document and exits 0', async () => {
    const r = await run(['--json', 'status', '--env', 'staging', ...key()]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ app: APP, environment: 'staging', exitCode: 0, drifted: false });
  });

  it('exec -- argv exits with the command status; logs prefixes host and service', async () => {
    const ex = await run([
      'exec',
      '--env',
      'staging',
      ...key(),
      '--',
      'node',
      '-e',
      'console.log(process.env.OP_TOKEN); process.exit(5)',
    ]);
    expect(ex.code).toBe(5);
    expect(ex.stdout.trim()).toBe('***');
    expect((await get(PORT, '/op-cli-probe')).status).toBe(200);
    const logs = await run(['logs', '--env', 'staging', ...key(), '--service', 'nginx', '--tail', '5']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('GET /op-cli-probe');
    expect(
      logs.stdout
        .split('\n')
        .filter(Boolean)
        .every((l) => l.startsWith('127.0.0.1:2201 nginx | ')),
    ).toBe(true);
    expect(logs.stdout + logs.stderr + ex.stderr).not.toContain(SECRET);
  });
});
