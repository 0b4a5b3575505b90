// Deploy's command sequences against the recording host (test/support/fake-host.ts): the exact
// commands of a zero-downtime switch, a recreate that restores the previous release, prune's
// keep rules and a rollback — the order is the feature (nothing stops before the new one is
// healthy), so the tests assert it line by line, without sshd or Docker.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { RagshipConfig } from '../../../src/config/schema.js';
import { InputReader, recordSource } from '../../../src/core/input-reader.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { commandLine } from '../../../src/core/shell.js';
import { prune, releasesTable } from '../../../src/deploy/apply.js';
import {
  type ComposeTarget,
  containerLogs,
  exitStates,
  httpGet,
  imageExists,
  inspectContainers,
  listImages,
  proxyReload,
  proxyTest,
  publishRetained,
  readOtherRetained,
  recreate,
  removeContainers,
  removeImage,
  removeTree,
  scaleBeside,
  serviceContainers,
  stopInBackground,
  stopMarkers,
  upServices,
} from '../../../src/deploy/commands.js';
import { failureOf, failureReport } from '../../../src/deploy/failure.js';
import { readOnFailure } from '../../../src/deploy/inputs.js';
import { deployRoot, ReleaseLayout } from '../../../src/deploy/layout.js';
import type { ReleaseRecord } from '../../../src/deploy/release-log.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { EnvSession } from '../../../src/deploy/session.js';
import { recreateSwitch, zeroDowntimeSwitch } from '../../../src/deploy/switch.js';
import { runRollback } from '../../../src/rollback/run.js';
import { RecordingHost, type Reply } from '../../support/fake-host.js';

const config = parseConfig(`
app: seqapp
retain: 2
environments:
  staging:
    root: /srv/seqapp
    roles:
      web:
        hosts: [deploy@10.0.0.5]
        compose: [compose.yaml]
        service: app
        proxy: { service: nginx, upstream: up, port: 8080, file: nginx/app.upstream.conf, drain: 0 }
        health: { http: /health, port: 3000, interval: 0, successes: 1, timeout: 30 }
`);
const gpuConfig = parseConfig(`
app: seqapp
environments:
  staging:
    root: /srv/seqapp
    roles:
      gpu:
        hosts: [deploy@10.0.0.6]
        compose: [compose.gpu.yaml]
        service: vllm
        strategy: recreate
        appImage: false
        health: { http: /health, port: 8000, interval: 0, successes: 1, timeout: 30 }
`);
const web = config.environments.staging!.roles.web!;
const gpu = gpuConfig.environments.staging!.roles.gpu!;

const PROJECT = 'seqapp-staging-web';
const target = (release: string, project = PROJECT, role = 'web'): ComposeTarget => ({
  compose: ['docker', 'compose'],
  project,
  projectDir: `/srv/seqapp/shared/${role}`,
  files: [
    `/srv/seqapp/releases/${release}/${role}/compose.yaml`,
    `/srv/seqapp/releases/${release}/${role}/env.yaml`,
  ],
  envFile: `/srv/seqapp/releases/${release}/${role}/compose.env`,
});
const line = commandLine;
const STOPPING = '/srv/seqapp/shared/web/.ragship-stopping';
const ps = (service: string, all = false, project = PROJECT) =>
  line(serviceContainers(project, service, all));
const inspected = (id: string, name: string, ip: string, status = 'running') =>
  `${id}\t/${name}\t${ip} \tnone\t${status}\timg`;

/** Replies that change from one call to the next (a container list before and after a start). */
function sequence(...stdouts: string[]): Reply {
  let i = 0;
  return () => ({ stdout: stdouts[Math.min(i++, stdouts.length - 1)] });
}

function inspectReply(table: Record<string, string>): Reply {
  return (l) => ({
    stdout: Object.entries(table)
      .filter(([id]) => l.split(' ').includes(id))
      .map(([, row]) => row)
      .join('\n'),
  });
}

describe('zero-downtime switch (fake host)', () => {
  const replies = (curl: Reply): Array<[RegExp, Reply]> => [
    [/^docker ps --all .*service=app$/, sequence('old1\n', 'old1\nnew1\n')],
    [/^docker ps --quiet .*service=app$/, { stdout: 'old1\n' }],
    [/^docker ps --quiet .*service=nginx$/, { stdout: 'px1\n' }],
    [
      /^docker inspect /,
      inspectReply({
        old1: inspected('old1', 'web-app-1', '172.18.0.2'),
        new1: inspected('new1', 'web-app-2', '172.18.0.3'),
      }),
    ],
    [/^curl /, curl],
  ];

  it('starts the new container beside the old, gates it, points nginx at it, then stops the old', async () => {
    const host = new RecordingHost(replies({ stdout: 'ok' }));
    const t = target('R2');
    const r = await zeroDowntimeSwitch({
      host,
      role: web,
      roleName: 'web',
      target: t,
      supportServices: [],
      logger: new MemoryLogger(),
    });
    const upstream = '/srv/seqapp/shared/web/nginx/app.upstream.conf';
    expect(host.lines()).toEqual([
      line(stopMarkers(STOPPING)),
      ps('app'),
      ps('app', true),
      line(scaleBeside(t, 'app', 2)),
      ps('app', true),
      line(inspectContainers(['new1'])),
      line(httpGet('http://172.18.0.3:3000/health')),
      line(inspectContainers(['new1'])),
      line(inspectContainers(['old1'])),
      'mkdir -p /srv/seqapp/shared/web/nginx',
      `upload ${upstream}`,
      line(upServices(t, ['nginx'])),
      ps('nginx'),
      line(proxyTest('px1')),
      line(proxyReload('px1')),
      // The old container drains and stops in the background; its exit is checked, then removed.
      line(stopInBackground(['old1'], web.stopGrace, STOPPING)),
      line(exitStates(['old1'])),
      line(removeContainers(['old1'])),
      `rm -f ${STOPPING}/old1`,
    ]);
    expect(host.files.get(upstream)).toContain('server web-app-2:8080');
    expect(host.files.get(upstream)).not.toContain('web-app-1');
    expect(r).toMatchObject({ started: ['new1'], stopped: ['old1'] });
  });

  it('a new container that fails the health gate is removed; the old one is never stopped and nginx is untouched', async () => {
    const host = new RecordingHost(replies({ code: 7, stderr: 'connection refused' }));
    const t = target('R2');
    const role = { ...web, health: { ...web.health, timeout: 0 } };
    await expect(
      zeroDowntimeSwitch({
        host,
        role,
        roleName: 'web',
        target: t,
        supportServices: [],
        logger: new MemoryLogger(),
      }),
    ).rejects.toThrow(/did not turn healthy/);
    expect(host.lines()).toEqual([
      line(stopMarkers(STOPPING)),
      ps('app'),
      ps('app', true),
      line(scaleBeside(t, 'app', 2)),
      ps('app', true),
      line(inspectContainers(['new1'])),
      line(httpGet('http://172.18.0.3:3000/health')),
      line(containerLogs('new1')),
      line(removeContainers(['new1'])),
    ]);
  });
});

describe('recreate switch (fake host)', () => {
  it('recreates the previous release and waits for it when the new one dies in the health gate', async () => {
    const project = 'seqapp-staging-gpu';
    const host = new RecordingHost([
      [/^docker ps --quiet .*service=vllm$/, sequence('old9\n', 'new9\n', 'back9\n')],
      [
        /^docker inspect /,
        inspectReply({
          new9: inspected('new9', 'gpu-vllm-1', '172.18.0.9', 'exited'),
          back9: inspected('back9', 'gpu-vllm-1', '172.18.0.8'),
        }),
      ],
      [/^curl /, { stdout: 'ok' }],
    ]);
    const t = target('R2', project, 'gpu');
    const previous = target('R1', project, 'gpu');
    await expect(
      recreateSwitch({
        host,
        role: gpu,
        roleName: 'gpu',
        target: t,
        previous,
        supportServices: [],
        logger: new MemoryLogger(),
      }),
    ).rejects.toThrow(/gpu-vllm-1 exited before turning healthy/);
    expect(host.lines()).toEqual([
      ps('vllm', false, project),
      line(recreate(t, 'vllm')),
      ps('vllm', false, project),
      line(inspectContainers(['new9'])),
      line(containerLogs('new9')),
      line(recreate(previous, 'vllm')),
      ps('vllm', false, project),
      line(inspectContainers(['back9'])),
      line(httpGet('http://172.18.0.8:8000/health')),
    ]);
  });
});

const REPO = 'registry.example/seqapp';
const img = (c: string) => `${REPO}@sha256:${c.repeat(64)}`;
const rec = (id: string, image: string, over: Partial<ReleaseRecord> = {}): ReleaseRecord => ({
  id,
  kind: 'deploy',
  app: 'seqapp',
  environment: 'staging',
  image,
  images: { web: image },
  composeHash: 'c',
  envHash: 'e',
  actor: 'test',
  result: 'success',
  startedAt: '2026-12-01T00:00:00Z',
  finishedAt: '2026-12-01T00:01:00Z',
  timings: {},
  ...over,
});

function fakeSession(replies: Array<[RegExp, Reply]>, files: Record<string, string> = {}) {
  const hosts: RecordingHost[] = [];
  const s = new EnvSession(
    { config, environment: 'staging', sshPrivateKey: 'k', knownHosts: '', fingerprints: [] },
    {
      logger: new MemoryLogger(),
      connect: (spec) => {
        const h = new RecordingHost(replies, `${spec.user}@${spec.host}:${spec.port}`);
        for (const [p, c] of Object.entries(files)) h.files.set(p, c);
        hosts.push(h);
        return h;
      },
    },
  );
  return { s, hosts };
}

describe('prune keep rules (fake host)', () => {
  it('keeps the images and folders of the last `retain` successes (a rollback keeps its source), removes only images this log deployed', async () => {
    const records = [
      rec('R0', img('0')),
      rec('R1', img('1')),
      rec('R2', img('2'), { result: 'failed' }),
      rec('R3', img('3')),
      rec('R4', img('1'), { kind: 'rollback', source: 'R1' }),
      rec('R5', img('5')),
    ];
    const foreign = `${REPO}@sha256:${'f'.repeat(64)}`;
    const listed = [img('0'), img('1'), img('2'), img('3'), img('5'), foreign, `${REPO}@<none>`]
      .map((ref, i) => `${ref}\tid${i}`)
      .join('\n');
    const { s, hosts } = fakeSession([
      [/^docker image ls /, { stdout: listed }],
      // Docker refuses to remove an image a container still uses: not reported as pruned.
      [new RegExp(`^docker image rm ${REPO}@sha256:2`), { code: 1, stderr: 'image is being used' }],
    ]);
    for (const h of s.hosts.values()) h.root = '/srv/seqapp';
    const removed = await prune(s, records, 2);
    expect(hosts[0]!.lines()).toEqual([
      // Only folders older than the oldest kept one (R1, the rollback's source) go.
      line(removeTree('/srv/seqapp/releases/R0')),
      // Host-wide retention: publish what this root keeps, read what every other root keeps.
      line(publishRetained('/srv/seqapp')),
      line(readOtherRetained('/srv/seqapp')),
      line(listImages(REPO)),
      line(removeImage(img('0'))),
      line(removeImage(img('2'))),
      line(removeImage(img('3'))),
    ]);
    expect(removed).toEqual([`deploy@10.0.0.5:22 ${img('0')}`, `deploy@10.0.0.5:22 ${img('3')}`]);
  });
});

describe('rollback (fake host)', () => {
  it('re-applies the recorded release folder by digest without pull or migration, and records a rollback', async () => {
    const records = [rec('20261201T000000Z-aaaaaaa', img('1')), rec('20261202T000000Z-bbbbbbb', img('2'))];
    const manifest = (id: string) =>
      JSON.stringify({
        releaseId: id,
        role: 'web',
        image: img('1'),
        composeFiles: ['compose.yaml'],
        supportServices: [],
        services: ['app', 'nginx'],
        files: [],
      });
    const lock = (l: string) => {
      const op = l.split(' ').at(-4);
      const state =
        { acquire: 'acquired', check: 'mine', renew: 'renewed', release: 'released' }[op!] ?? 'absent';
      return { stdout: `${state} 1000 2800\n` };
    };
    const hosts: RecordingHost[] = [];
    const result = await runRollback(
      {
        config,
        environment: 'staging',
        sshPrivateKey: 'k',
        knownHosts: '',
        fingerprints: [],
        to: 'previous',
        runId: 'run-1',
        actor: 'tester',
      },
      {
        logger: new MemoryLogger(),
        connect: (spec) => {
          const h = new RecordingHost(
            [
              [/printf %s "\$HOME"/, { stdout: '/home/deploy' }],
              [/^docker version /, { stdout: '27.3.1' }],
              [/^docker compose version /, { stdout: '2.29.7' }],
              [
                /^df /,
                {
                  stdout:
                    'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 209715200 1 104857600 1% /\n',
                },
              ],
              [/ragship-lock /, lock],
              [/^docker ps --all .*service=app$/, sequence('old1\n', 'old1\nnew1\n')],
              [/^docker ps --quiet .*service=app$/, { stdout: 'old1\n' }],
              [/^docker ps --quiet .*service=nginx$/, { stdout: 'px1\n' }],
              [
                /^docker inspect /,
                inspectReply({
                  old1: inspected('old1', 'web-app-1', '172.18.0.2'),
                  new1: inspected('new1', 'web-app-2', '172.18.0.3'),
                }),
              ],
              [/^curl /, { stdout: 'ok' }],
            ],
            `${spec.user}@${spec.host}:${spec.port}`,
          );
          h.files.set('/srv/seqapp/releases.jsonl', records.map((r) => JSON.stringify(r)).join('\n'));
          for (const r of records)
            h.files.set(`/srv/seqapp/releases/${r.id}/web/manifest.json`, manifest(r.id));
          hosts.push(h);
          return h;
        },
      },
    );
    const [h] = hosts;
    const lines = h!.lines();
    const from = target('20261201T000000Z-aaaaaaa');
    expect(result).toMatchObject({
      targetReleaseId: '20261201T000000Z-aaaaaaa',
      fromReleaseId: '20261202T000000Z-bbbbbbb',
      image: img('1'),
    });
    expect(lines).toContain(line(imageExists(img('1'))));
    expect(lines).toContain(line(scaleBeside(from, 'app', 2)));
    expect(lines.some((l) => / pull | run --rm /.test(l))).toBe(false);
    // The order that matters: lock, the target's image is there, switch, record, unlock.
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/ragship-lock acquire/)).toBeLessThan(at(/^docker image inspect/));
    expect(at(/^docker image inspect/)).toBeLessThan(at(/--scale app=2/));
    const append = /cat >> "\$1\/releases\.jsonl"/;
    expect(at(/--scale app=2/)).toBeLessThan(at(append));
    expect(at(append)).toBeLessThan(at(/ragship-lock release/));
    const appended = h!.calls.find((c) => append.test(c.line));
    expect(JSON.parse(appended!.input!)).toMatchObject({
      kind: 'rollback',
      source: '20261201T000000Z-aaaaaaa',
      result: 'success',
      image: img('1'),
    });
    expect(h!.closed).toBe(true);
    // One timings summary for deploy and rollback: summed per step, and the report's Steps table.
    const recorded = JSON.parse(appended!.input!) as ReleaseRecord;
    expect(Object.keys(recorded.timings)).toEqual(
      expect.arrayContaining(['preflight', 'lock', 'check release + images', 'switch web (zero-downtime)']),
    );
    expect(result.report.toString()).toMatch(/### Steps[\s\S]*switch web \(zero-downtime\)/);
  });
});

describe('ReleaseLayout', () => {
  it('derives every on-host path of a release from the deploy root', () => {
    const l = new ReleaseLayout('/srv/seqapp', 'seqapp', 'staging');
    expect([l.releases, l.shared, l.releaseLog, l.lockDir]).toEqual([
      '/srv/seqapp/releases',
      '/srv/seqapp/shared',
      '/srv/seqapp/releases.jsonl',
      '/srv/seqapp/lock',
    ]);
    expect(l.releaseDir('R1', 'web')).toBe('/srv/seqapp/releases/R1/web');
    expect(l.manifest('R1', 'web')).toBe('/srv/seqapp/releases/R1/web/manifest.json');
    expect(l.projectDir('web')).toBe('/srv/seqapp/shared/web');
    expect(l.project('web')).toBe('seqapp-staging-web');
  });

  it('puts the deploy root under the deploy user home unless the environment names one', () => {
    expect(deployRoot({ app: 'a', environment: 'e', home: '/home/deploy' })).toBe('/home/deploy/ragship/a/e');
    expect(deployRoot({ root: '/srv/a', app: 'a', environment: 'e', home: '/home/deploy' })).toBe('/srv/a');
  });
});

describe('a later host failing its health gate (fake hosts A and B in one role)', () => {
  const twoHosts = (onFailure = '') =>
    parseConfig(`
app: seqapp
retain: 3
environments:
  staging:
    root: /srv/seqapp
${onFailure}
    roles:
      web:
        hosts: [deploy@10.0.0.5, deploy@10.0.0.7]
        compose: [compose.yaml]
        service: app
        proxy: { service: nginx, upstream: up, port: 8080, file: nginx/app.upstream.conf, drain: 0 }
        health: { http: /health, port: 3000, interval: 0, successes: 1, timeout: 0 }
`);
  const R1 = '20261201T000000Z-aaaaaaa';
  const repoDir = mkdtempSync(join(tmpdir(), 'ragship-seq-'));
  writeFileSync(
    join(repoDir, 'compose.yaml'),
    'services:\n  app: { image: app }\n  nginx: { image: nginx, ports: ["127.0.0.1:8080:80"] }\n',
  );
  const lock = (l: string) => {
    const op = l.split(' ').at(-4);
    const state =
      { acquire: 'acquired', check: 'mine', renew: 'renewed', release: 'released' }[op!] ?? 'absent';
    return { stdout: `${state} 1000 2800\n` };
  };
  const preflight: Array<[RegExp, Reply]> = [
    [/printf %s "\$HOME"/, { stdout: '/home/deploy' }],
    [/^docker version /, { stdout: '27.3.1' }],
    [/^docker compose version /, { stdout: '2.29.7' }],
    [
      /^df /,
      {
        stdout:
          'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 209715200 1 104857600 1% /\n',
      },
    ],
    [/ragship-lock /, lock],
  ];
  // Host A: old1 serves R1; new1 (the new release) passes; switching back starts back1 beside it.
  const hostA = (): Array<[RegExp, Reply]> => [
    ...preflight,
    [/^docker ps --all .*service=app$/, sequence('old1\n', 'old1\nnew1\n', 'new1\n', 'new1\nback1\n')],
    [/^docker ps --quiet .*service=app$/, sequence('old1\n', 'new1\n')],
    [/^docker ps --quiet .*service=nginx$/, { stdout: 'px1\n' }],
    [
      /^docker inspect /,
      inspectReply({
        old1: inspected('old1', 'web-app-1', '172.18.0.2'),
        new1: inspected('new1', 'web-app-2', '172.18.0.3'),
        back1: inspected('back1', 'web-app-3', '172.18.0.4'),
      }),
    ],
    [/^curl /, { stdout: 'ok' }],
  ];
  // Host B: old2 serves R1; new2 never turns healthy.
  const hostB = (): Array<[RegExp, Reply]> => [
    ...preflight,
    [/^docker ps --all .*service=app$/, sequence('old2\n', 'old2\nnew2\n')],
    [/^docker ps --quiet .*service=app$/, { stdout: 'old2\n' }],
    [/^docker inspect /, inspectReply({ new2: inspected('new2', 'web-app-2', '172.19.0.3') })],
    [/^curl /, { code: 7, stderr: 'connection refused' }],
  ];

  async function deploy(config: RagshipConfig, onFailure?: 'keep' | 'switch-back') {
    const hosts = new Map<string, RecordingHost>();
    const previous = rec(R1, img('1'));
    const manifest = JSON.stringify({
      releaseId: R1,
      role: 'web',
      image: img('1'),
      composeFiles: ['compose-0-compose.yaml'],
      supportServices: [],
      services: ['app', 'nginx'],
      files: [],
    });
    const err = await runDeploy(
      {
        config,
        environment: 'staging',
        sshPrivateKey: 'k',
        knownHosts: '',
        fingerprints: [],
        image: img('2'),
        env: {},
        repoDir,
        runId: 'run-2',
        actor: 'tester',
        gitSha: 'bbbbbbbbbb',
        onFailure,
      },
      {
        logger: new MemoryLogger(),
        connect: (spec) => {
          const h = new RecordingHost(
            spec.host === '10.0.0.5' ? hostA() : hostB(),
            `${spec.user}@${spec.host}:${spec.port}`,
          );
          h.files.set('/srv/seqapp/releases.jsonl', `${JSON.stringify(previous)}\n`);
          h.files.set(`/srv/seqapp/releases/${R1}/web/manifest.json`, manifest);
          hosts.set(spec.host, h);
          return h;
        },
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    return { err: err as Error, a: hosts.get('10.0.0.5')!, b: hosts.get('10.0.0.7')! };
  }
  /** The lines from the first scale-beside on (the switches; preflight and upload come before). */
  const switchLines = (h: RecordingHost) => {
    const lines = h.lines();
    return lines.slice(lines.findIndex((l) => / --scale app=/.test(l)) - 3);
  };
  const appended = (h: RecordingHost) =>
    h.calls
      .filter((c) => /cat >> "\$1\/releases\.jsonl"/.test(c.line))
      .map((c) => JSON.parse(c.input!) as ReleaseRecord);
  /** A release's target as deploy renders it (compose files are uploaded as compose-<i>-<name>). */
  const rendered = (release: string): ComposeTarget => {
    const t = target(release);
    return { ...t, files: [t.files[0]!.replace(/compose\.yaml$/, 'compose-0-compose.yaml'), t.files[1]!] };
  };
  const A = 'deploy@10.0.0.5:22';
  const B = 'deploy@10.0.0.7:22';
  const upstream = '/srv/seqapp/shared/web/nginx/app.upstream.conf';
  const STOPPING_ = '/srv/seqapp/shared/web/.ragship-stopping';

  it('switches A back to the previous release (its recorded folder) after B fails, and both logs record it', async () => {
    const { err, a, b } = await deploy(twoHosts());
    const id = appended(a)[0]!.id;
    const next = rendered(id);
    const prev = rendered(R1);
    expect(switchLines(a)).toEqual([
      line(stopMarkers(STOPPING_)),
      ps('app'),
      ps('app', true),
      line(scaleBeside(next, 'app', 2)),
      ps('app', true),
      line(inspectContainers(['new1'])),
      line(httpGet('http://172.18.0.3:3000/health')),
      line(inspectContainers(['new1'])),
      line(inspectContainers(['old1'])),
      'mkdir -p /srv/seqapp/shared/web/nginx',
      `upload ${upstream}`,
      line(upServices(next, ['nginx'])),
      ps('nginx'),
      line(proxyTest('px1')),
      line(proxyReload('px1')),
      line(stopInBackground(['old1'], web.stopGrace, STOPPING_)),
      line(exitStates(['old1'])),
      line(removeContainers(['old1'])),
      `rm -f ${STOPPING_}/old1`,
      // The lock check before B's batch; B fails its gate; the lock is checked again, then A
      // runs R1's recorded folder beside new1, gated, and nginx is pointed back at it.
      expect.stringMatching(/ragship-lock check/),
      expect.stringMatching(/ragship-lock check/),
      `read /srv/seqapp/releases/${R1}/web/manifest.json`,
      line(stopMarkers(STOPPING_)),
      ps('app'),
      ps('app', true),
      line(scaleBeside(prev, 'app', 2)),
      ps('app', true),
      line(inspectContainers(['back1'])),
      line(httpGet('http://172.18.0.4:3000/health')),
      line(inspectContainers(['back1'])),
      line(inspectContainers(['new1'])),
      'mkdir -p /srv/seqapp/shared/web/nginx',
      `upload ${upstream}`,
      line(upServices(prev, ['nginx'])),
      ps('nginx'),
      line(proxyTest('px1')),
      line(proxyReload('px1')),
      line(stopInBackground(['new1'], web.stopGrace, STOPPING_)),
      line(exitStates(['new1'])),
      line(removeContainers(['new1'])),
      `rm -f ${STOPPING_}/new1`,
      expect.stringMatching(/cat >> "\$1\/releases\.jsonl"/),
      expect.stringMatching(/ragship-lock release/),
    ]);
    expect(a.files.get(upstream)).toContain('server web-app-3:8080');
    // B: its new container failed the gate and was removed; its old one was never touched.
    expect(switchLines(b)).toEqual([
      line(stopMarkers(STOPPING_)),
      ps('app'),
      ps('app', true),
      line(scaleBeside(next, 'app', 2)),
      ps('app', true),
      line(inspectContainers(['new2'])),
      line(httpGet('http://172.19.0.3:3000/health')),
      line(containerLogs('new2')),
      line(removeContainers(['new2'])),
      expect.stringMatching(/cat >> "\$1\/releases\.jsonl"/),
    ]);
    for (const h of [a, b])
      expect(appended(h)).toEqual([
        expect.objectContaining({
          id,
          result: 'failed',
          switchBack: { mode: 'switch-back', to: R1, hosts: [A], kept: [] },
          serving: { [A]: R1, [B]: R1 },
        }),
      ]);
    expect(err.message).toMatch(/did not turn healthy/);
    expect(err.message).toContain(`switched back to ${R1}: ${A}`);
    const failure = failureOf(err)!;
    expect(failure).toMatchObject({ host: B, releases: { [A]: R1, [B]: R1 } });
    expect(failure.serving[A]).toMatch(new RegExp(`^${R1} .*switched back after the failure`));
    expect(failure.serving[B]).toMatch(new RegExp(`^${R1} .*unchanged`));
    const summary = failureReport(failure).toString();
    expect(summary).toContain(`Switched back to ${R1} after the failure: ${A}`);
    expect(summary).not.toContain('different releases');
    // `ragship releases` shows it too.
    expect(releasesTable([rec(R1, img('1')), appended(a)[0]!]).toString()).toContain(
      'failed (switched back)',
    );
  });

  it('with on-failure keep (ragship.yml or the input), A stays on the new release and the summary says the hosts differ', async () => {
    for (const [config, input] of [
      [twoHosts('    onFailure: keep'), undefined],
      [twoHosts(), 'keep'],
    ] as const) {
      const { err, a, b } = await deploy(config, input);
      const id = appended(a)[0]!.id;
      const lines = switchLines(a);
      // After A's switch, nothing more than the record and the unlock: no second scale-beside.
      expect(lines.filter((l) => / --scale app=/.test(l))).toEqual([
        line(scaleBeside(rendered(id), 'app', 2)),
      ]);
      expect(lines.slice(-4)).toEqual([
        `rm -f ${STOPPING_}/old1`,
        expect.stringMatching(/ragship-lock check/),
        expect.stringMatching(/cat >> "\$1\/releases\.jsonl"/),
        expect.stringMatching(/ragship-lock release/),
      ]);
      for (const h of [a, b])
        expect(appended(h)[0]).toMatchObject({
          switchBack: { mode: 'keep', to: R1, hosts: [], kept: [A] },
          serving: { [A]: id, [B]: R1 },
        });
      const summary = failureReport(failureOf(err)!).toString();
      expect(summary).toContain(`**The hosts run different releases**: ${A} runs ${id}; ${B} runs ${R1}`);
      expect(failureOf(err)!.serving[A]).toMatch(/kept: on-failure: keep/);
      expect(releasesTable(appended(a)).toString()).toContain('failed (hosts differ)');
    }
  });

  it('an unknown on-failure value is refused naming the input and the choices', () => {
    expect(() => twoHosts('    onFailure: rollback')).toThrow(/onFailure/);
    const r = new InputReader(recordSource('cli', { 'on-failure': 'rollback' }));
    expect(() => readOnFailure(r)).toThrow(/--on-failure: "rollback" is not one of switch-back, keep/);
    expect(readOnFailure(new InputReader(recordSource('action', {})))).toBeUndefined();
  });
});
