import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type BackupJobOptions, runBackupJob } from '../../../src/backup/job.js';
import { METRIC, pushBackupMetrics } from '../../../src/backup/metrics.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { LocalActionRunner, visibleAfterRun } from '../../support/action-runner.js';
import {
  backupOptions,
  PASSPHRASE,
  removeChromaContainer,
  type S3Fixture,
  seed,
  startChromaContainer,
  startS3,
} from './support.js';

// Real parts: the Debian prometheus-pushgateway binary (own processes on 19291/19292, the
// second behind basic auth), Chroma 1.0.5 in a container on the sandbox engine (19220), an
// own s3rver (19210), the drill's Chroma booted on the runner, the real promtool.
const ROOT = new URL('../../..', import.meta.url).pathname;
const PGW = '/usr/bin/prometheus-pushgateway';
const PGW_PORT = 19291;
const PGW_AUTH_PORT = 19292;
const CLOSED_PORT = 19299; // nothing listens here
const CHROMA_PORT = 19220;
const CONTAINER = 'ragship-metrics-it';
const PGW_USER = 'ragship';
const PGW_PASSWORD = 'pgw-basic-pass-7f3a9c';
const TOKEN = 'pgw-bearer-token-5e1d2b';

let s3: S3Fixture;
const work = mkdtempSync(join(tmpdir(), 'ragship-metrics-it-'));
const gateways: ChildProcess[] = [];

async function startPushgateway(port: number, webConfig?: string): Promise<void> {
  const child = spawn(
    PGW,
    [
      `--web.listen-address=127.0.0.1:${port}`,
      '--persistence.file=',
      ...(webConfig ? [`--web.config.file=${webConfig}`] : []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  gateways.push(child);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pushgateway on ${port} exited: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}/-/ready`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`pushgateway on ${port} not ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** GET /metrics of the real Pushgateway, parsed (text exposition, one sample per line). */
async function scrape(port = PGW_PORT, auth?: string): Promise<{ text: string; samples: Sample[] }> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: auth ? { authorization: auth } : {},
  });
  expect(r.status).toBe(200);
  const text = await r.text();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { text, samples };
}

function find(samples: Sample[], name: string, labels: Record<string, string>): Sample[] {
  return samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

function jobOptions(prefix: string, over: Partial<BackupJobOptions> = {}): BackupJobOptions {
  const source = { persistPath: '/data', chromaPort: 8000, chromaUrl: `http://127.0.0.1:${CHROMA_PORT}` };
  const base = backupOptions(source, s3.options(prefix), {
    mode: 'logical',
    minSizeBytes: 1024,
    maxSizeBytes: 1024 ** 3,
  });
  return { ...base, verify: true, alert: {}, ...over };
}

/** Runs the CLI with secrets in the environment, sampling every process's argv while it runs. */
async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; argvSeen: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}src/cli/main.ts`, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  let argvSeen = '';
  const sampler = setInterval(() => {
    argvSeen += spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
  }, 150);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearInterval(sampler);
  return { code, stdout, stderr, argvSeen };
}

const s3Args = (prefix: string) => [
  '--environment',
  'production',
  '--bucket',
  s3.bucket,
  '--prefix',
  prefix,
  '--endpoint',
  s3.options(prefix).endpoint!,
  '--force-path-style',
  'true',
];
const s3Env = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  RAGSHIP_BACKUP_PASSPHRASE: PASSPHRASE,
};

beforeAll(async () => {
  s3 = await startS3(19210);
  const source = await startChromaContainer(CONTAINER, CHROMA_PORT);
  await seed(source, ['metrics-a', 'metrics-b'], 300, 16);
  await startPushgateway(PGW_PORT);
  // Basic auth (exporter-toolkit web config), bcrypt hash made by htpasswd from stdin.
  const h = spawnSync('htpasswd', ['-inB', '-C', '5', PGW_USER], { input: PGW_PASSWORD, encoding: 'utf8' });
  if (h.status !== 0) throw new Error(`htpasswd (apache2-utils) failed: ${h.error?.message ?? h.stderr}`);
  const hash = h.stdout.trim().split(':').slice(1).join(':');
  const webConfig = join(work, 'web.yml');
  writeFileSync(webConfig, `basic_auth_users:\n  ${PGW_USER}: '${hash}'\n`);
  await startPushgateway(PGW_AUTH_PORT, webConfig);
}, 180_000);

afterAll(async () => {
  for (const g of gateways) {
    if (g.exitCode === null) {
      const done = new Promise((r) => g.once('exit', r));
      g.kill('SIGTERM');
      await done;
    }
  }
  await removeChromaContainer(CONTAINER);
  await s3?.close();
  rmSync(work, { recursive: true, force: true });
});

const APP = 'metrics-it';
let firstSuccess: Sample | undefined;
let firstSize: Sample | undefined;

describe('a verified backup pushes the series BackupStale reads', () => {
  test('PUT after the restore drill passed: the real Pushgateway serves ragship_backup_last_success_timestamp_seconds{job="ragship_backup",app,env} with a timestamp inside the run, plus size, duration and records', async () => {
    const logger = new MemoryLogger();
    const t0 = Date.now() / 1000;
    const r = await runBackupJob(
      jobOptions('ok', { metrics: { url: `http://127.0.0.1:${PGW_PORT}`, app: APP } }),
      logger,
    );
    const t1 = Date.now() / 1000;
    expect(r.verify?.verification.records).toBe(600);
    expect(r.metrics).toEqual({
      pushed: true,
      target: `http://127.0.0.1:${PGW_PORT}/metrics/job/ragship_backup/app/${APP}/env/production`,
    });
    expect(r.report.toString()).toContain('Pushed the success metrics');

    const { samples } = await scrape();
    const labels = { job: 'ragship_backup', app: APP, env: 'production' };
    const success = find(samples, METRIC.success, labels);
    expect(success).toHaveLength(1);
    expect(success[0]!.value).toBeGreaterThanOrEqual(t0);
    expect(success[0]!.value).toBeLessThanOrEqual(t1);
    const size = find(samples, METRIC.size, labels);
    expect(size[0]!.value).toBe(r.backup!.manifest.archive.storedBytes);
    const duration = find(samples, METRIC.duration, labels)[0]!.value;
    expect(duration).toBeGreaterThan(0);
    expect(duration).toBeLessThanOrEqual(t1 - t0);
    expect(find(samples, METRIC.records, labels)[0]!.value).toBe(600);
    expect(find(samples, METRIC.failure, labels)).toEqual([]);
    firstSuccess = success[0];
    firstSize = size[0];
  }, 180_000);

  test('a failing backup (S3 unreachable) POSTs only the failure timestamp: the success timestamp and size stay exactly as they were', async () => {
    expect(firstSuccess, 'runs after the successful push').toBeDefined();
    const logger = new MemoryLogger();
    const t0 = Date.now() / 1000;
    await expect(
      runBackupJob(
        jobOptions('down', {
          store: { ...s3.options('down'), endpoint: `http://127.0.0.1:${CLOSED_PORT}` },
          metrics: { url: `http://127.0.0.1:${PGW_PORT}`, app: APP },
        }),
        logger,
      ),
    ).rejects.toThrow();
    const t1 = Date.now() / 1000;
    expect(logger.text()).toContain('pushed the backup failure metrics');
    const { samples } = await scrape();
    const labels = { job: 'ragship_backup', app: APP, env: 'production' };
    const failure = find(samples, METRIC.failure, labels);
    expect(failure).toHaveLength(1);
    expect(failure[0]!.value).toBeGreaterThanOrEqual(t0);
    expect(failure[0]!.value).toBeLessThanOrEqual(t1);
    expect(find(samples, METRIC.success, labels)).toEqual([firstSuccess]);
    expect(find(samples, METRIC.size, labels)).toEqual([firstSize]);
  }, 180_000);

  test('an unreachable Pushgateway: the backup still succeeds and is verified, with a warning annotation and NOT pushed in the summary', async () => {
    const logger = new MemoryLogger({ json: true });
    const r = await runBackupJob(
      jobOptions('nogw', { metrics: { url: `http://127.0.0.1:${CLOSED_PORT}`, app: APP } }),
      logger,
    );
    expect(r.verify?.verification.records).toBe(600);
    expect(r.metrics?.pushed).toBe(false);
    expect(r.metrics?.error).toMatch(/ECONNREFUSED/);
    const warning = logger.lines
      .map((l) => JSON.parse(l) as { level: string; msg: string; title?: string })
      .find((l) => l.level === 'warning' && l.title === 'Pushgateway push failed');
    expect(warning?.msg).toMatch(/could not push the backup success metrics .* The backup result stands/);
    expect(r.report.toString()).toMatch(/\*\*NOT pushed\*\*.*ECONNREFUSED.*stored and verified/);
  }, 180_000);

  test('a label value with "/" reaches the real Pushgateway intact through the @base64 grouping form', async () => {
    const r = await pushBackupMetrics(
      { url: `http://127.0.0.1:${PGW_PORT}`, app: 'a/b app' },
      'eu/prod',
      { kind: 'failure', at: 1234 },
      new MemoryLogger(),
    );
    expect(r.target).toContain('/app@base64/');
    expect(r.pushed).toBe(true);
    const { samples } = await scrape();
    expect(find(samples, METRIC.failure, { app: 'a/b app', env: 'eu/prod' })[0]?.value).toBe(1234);
  });
});

describe('Pushgateway credentials', () => {
  test('action bundle with basic auth: pushed (metrics-pushed=true); the password is masked and never reaches logs, outputs or the summary', async () => {
    const runner = new LocalActionRunner('backup');
    const opts = s3.options('action');
    const r = await runner.main({
      timeoutMs: 240_000,
      env: { RUNNER_DEBUG: '1' },
      inputs: {
        environment: 'production',
        mode: 'logical',
        'chroma-url': `http://127.0.0.1:${CHROMA_PORT}`,
        bucket: opts.bucket,
        prefix: 'action',
        endpoint: opts.endpoint!,
        'force-path-style': 'true',
        'aws-access-key-id': 'S3RVER',
        'aws-secret-access-key': 'S3RVER',
        'encryption-passphrase': PASSPHRASE,
        'min-size-bytes': '1024',
        prune: 'false',
        'chroma-command': `node ${ROOT}node_modules/chromadb/dist/cli.mjs`,
        'metrics-push-url': `http://127.0.0.1:${PGW_AUTH_PORT}/`,
        'metrics-app': 'metrics-action',
        'metrics-push-username': PGW_USER,
        'metrics-push-password': PGW_PASSWORD,
      },
    });
    expect(r.exitCode, r.stdout.slice(-3000)).toBe(0);
    expect(r.outputs.verified).toBe('true');
    expect(r.outputs['metrics-pushed']).toBe('true');
    expect(r.summary).toContain('Pushed the success metrics');
    expect(r.stdout).toContain(`::add-mask::${PGW_PASSWORD}`);
    const basic = Buffer.from(`${PGW_USER}:${PGW_PASSWORD}`).toString('base64');
    const everything = visibleAfterRun(r);
    expect(everything).not.toContain(PGW_PASSWORD);
    expect(everything).not.toContain(basic);
    const auth = `Basic ${basic}`;
    const { samples } = await scrape(PGW_AUTH_PORT, auth);
    expect(
      find(samples, METRIC.success, { job: 'ragship_backup', app: 'metrics-action', env: 'production' }),
    ).toHaveLength(1);
  }, 300_000);

  test('CLI with a bearer token the gateway refuses (401): exit 0 with a warning; the token is never in any argv, stdout or stderr', async () => {
    const r = await runCli(
      [
        'backup',
        ...s3Args('cli'),
        '--mode',
        'logical',
        '--chroma-url',
        `http://127.0.0.1:${CHROMA_PORT}`,
        '--min-size-bytes',
        '1024',
        '--prune',
        'false',
        '--metrics-push-url',
        `http://127.0.0.1:${PGW_AUTH_PORT}`,
        '--metrics-app',
        'metrics-cli',
      ],
      { ...s3Env, RAGSHIP_METRICS_PUSH_TOKEN: TOKEN },
    );
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/could not push the backup success metrics .*HTTP 401/);
    expect(r.stdout).toMatch(/NOT pushed/);
    expect(r.argvSeen).toContain('src/cli/main.ts backup'); // the sampler saw the CLI running
    for (const text of [r.argvSeen, r.stdout, r.stderr]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(Buffer.from(TOKEN).toString('base64'));
    }
  }, 300_000);
});

describe('invalid metrics inputs are refused before any connection', () => {
  let listeners: Server[] = [];
  let connections = 0;
  beforeAll(async () => {
    // Chroma and S3 stand at listening ports that count every connection.
    listeners = await Promise.all(
      [19240, 19241].map(
        (port) =>
          new Promise<Server>((resolve) => {
            const s = createServer((sock) => {
              connections++;
              sock.destroy();
            });
            s.listen(port, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(listeners.map((s) => new Promise((r) => s.close(r))));
  });

  test.each([
    ['http://ops:sekrit-in-url@127.0.0.1:19291', /contains credentials/],
    ['ftp://127.0.0.1:19291', /uses "ftp", not http or https/],
    ['http://127.0.0.1:19291/metrics', /already ends in \/metrics/],
    ['http://127.0.0.1:19291/?a=b', /query or fragment/],
  ])(
    '%s: exit 2, the input and the fix named, Chroma, S3 and the gateway never contacted',
    async (url, why) => {
      const before = connections;
      const r = await runCli(
        [
          'backup',
          ...s3Args('invalid'),
          '--endpoint',
          'http://127.0.0.1:19241',
          '--mode',
          'logical',
          '--chroma-url',
          'http://127.0.0.1:19240',
          '--metrics-push-url',
          url,
          '--metrics-app',
          'x',
        ],
        s3Env,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toContain("input 'metrics-push-url' (CLI --metrics-push-url)");
      expect(r.stderr).not.toContain('sekrit-in-url');
      expect(connections).toBe(before);
    },
    60_000,
  );
});

describe('the pushed exposition against the real promtool and alerts.yml', () => {
  const alertsYml = join(ROOT, 'example-app/ops/prometheus/alerts.yml');

  test('promtool check metrics accepts the ragship series as the Pushgateway serves them', async () => {
    const { text } = await scrape();
    const ours = text
      .split('\n')
      .filter((l) => /ragship_backup_/.test(l))
      .join('\n');
    expect(ours).toContain(METRIC.success);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: `${ours}\n`, encoding: 'utf8' });
    if (r.error) throw new Error(`promtool is missing (apt-get install -y prometheus): ${r.error.message}`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  test('every backup metric alerts.yml queries is one the push produces, and BackupStale fires on the pushed label set (promtool test rules)', async () => {
    const { samples } = await scrape();
    const pushedNames = new Set(samples.map((s) => s.name));
    const rules = parseYaml(readFileSync(alertsYml, 'utf8')) as {
      groups: Array<{ name: string; rules: Array<{ alert?: string; expr: string }> }>;
    };
    const backupExprs = rules.groups.find((g) => g.name === 'ragship-backup')!.rules.map((r) => r.expr);
    const queried = new Set(backupExprs.flatMap((e) => e.match(/ragship_backup_[a-z_]+/g) ?? []));
    expect([...queried]).toEqual([METRIC.success]);
    for (const name of queried) expect(pushedNames.has(name), name).toBe(true);
    // `max by (app, env)`: the pushed series carries both.
    expect(backupExprs[0]).toMatch(/by \(app, env\)/);

    // The exact label set Prometheus scrapes from the Pushgateway (honor_labels: true keeps it).
    const pushed = find(samples, METRIC.success, { app: APP, env: 'production' })[0]!;
    const labels = Object.entries(pushed.labels)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',');
    const series = `${METRIC.success}{${labels}}`;
    const test = {
      rule_files: [alertsYml],
      evaluation_interval: '1m',
      tests: [
        {
          name: 'the series the backup job pushed, then no further success for 27 h',
          interval: '1h',
          input_series: [{ series, values: '0x30' }],
          alert_rule_test: [
            { eval_time: '25h', alertname: 'BackupStale', exp_alerts: [] },
            {
              eval_time: '27h',
              alertname: 'BackupStale',
              exp_alerts: [
                {
                  exp_labels: { severity: 'page', app: APP, env: 'production' },
                  exp_annotations: {
                    summary: `last verified backup of ${APP}/production is 1d 3h 0m 0s old`,
                    runbook: 'docs/operations.md#backupstale',
                  },
                },
              ],
            },
            { eval_time: '2h', alertname: 'BackupMetricMissing', exp_alerts: [] },
          ],
        },
      ],
    };
    const file = join(work, 'pushed.test.yml');
    writeFileSync(file, JSON.stringify(test, null, 2));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });
});
