// `npm run bench -- deploy`: ragship's zero-downtime switch vs the naive
// `docker-compose pull && docker-compose up -d` over SSH, on the same sandbox host and app,
// both under the same load through nginx; plus rollback time, and the GPU role's recreate gap.
// The app runs the way many third-party images run: a shell as PID 1 that ignores SIGTERM, so
// only docker's SIGKILL after stopGrace (30 s) ends an old container. The switch is broken into
// container start, time to healthy, nginx reload, drain and old-container stop, with the
// blocking stop of before issue 21 as baseline in the same run (same host, app, load).
// Real parts: Docker Engine, docker-compose 1.29 over sshd ("cpu" and "gpu" hosts), registry
// with auth, nginx, the fixture app; the LLM stand-in plays vLLM on the gpu host (no GPU here).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { execLocal } from '../src/core/exec.js';
import type { MemoryLogger } from '../src/core/logger.js';
import { commandLine } from '../src/core/shell.js';
import { type ComposeTarget, compose, proxyReload, pull, serviceContainers } from '../src/deploy/commands.js';
import { runDeploy } from '../src/deploy/run.js';
import { type SwitchResult, zeroDowntimeSwitch } from '../src/deploy/switch.js';
import { runRollback } from '../src/rollback/run.js';
import { pushStandin } from '../test/e2e/deploy/example-app.js';
import {
  cleanup,
  deployInputs,
  FIXTURE,
  fixtureConfig,
  fixtureImages,
  type LoadResult,
  logger,
  startLoad,
} from '../test/integration/deploy/fixture.js';
import { connectSandboxHost, sandbox, sandboxHost } from '../test/support/sandbox.js';

const APP = 'rsdeploy-bench';
const PORT = 18183;
const GPU_APP = 'rsdeploy-bench-gpu';
const LLM_PORT = 18177;
const GRACE = 30;
const RATE = 230;
const NAIVE_NGINX = `server {
  listen 80;
  resolver 127.0.0.11 valid=1s ipv6=off;
  location / {
    set $app http://app:3000;
    proxy_pass $app;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_next_upstream error timeout http_502 http_503;
  }
}
`;

/** Seconds until nginx answers 200 again (polling every 100 ms), at most `limitMs`. */
async function untilServing(limitMs: number): Promise<number> {
  const t = performance.now();
  while (performance.now() - t < limitMs) {
    const ok = await fetch(`http://127.0.0.1:${PORT}/`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return (performance.now() - t) / 1000;
}

async function underLoad(fn: () => Promise<void>): Promise<LoadResult> {
  const load = startLoad(PORT, RATE);
  await new Promise((r) => setTimeout(r, 1000));
  await fn();
  await new Promise((r) => setTimeout(r, 1000));
  return load.stop();
}

/** The fixture's compose file with the app under `sh` as PID 1, ignoring SIGTERM. */
function sigtermIgnoringRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ragship-bench-deploy-'));
  cpSync(join(FIXTURE, 'nginx'), join(dir, 'nginx'), { recursive: true });
  const text = readFileSync(join(FIXTURE, 'compose.yaml'), 'utf8');
  const marker = '    restart: unless-stopped\n    volumes: [data:/data]\n';
  if (!text.includes(marker)) throw new Error('test/fixtures/deploy-app/compose.yaml: app service changed');
  writeFileSync(
    join(dir, 'compose.yaml'),
    text.replace(marker, `${marker}    command: ["sh", "-c", "trap '' TERM; node server.js & wait"]\n`),
  );
  return dir;
}

const seconds = (ms: number) => Math.round(ms) / 1000;
const phaseSeconds = (p: Record<string, number>) =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, seconds(v)]));

/** `switch web: start 1.2 s · healthy 0.9 s · …` from a deploy's log, in seconds. */
function loggedPhases(l: MemoryLogger, role: string): Record<string, number> {
  const line = new RegExp(`switch ${role}: (.+)$`, 'm').exec(l.text())?.[1];
  if (!line) throw new Error(`no switch phases for ${role} in the deploy log`);
  return Object.fromEntries(
    line.split(' · ').map((p) => {
      const m = /^(.+) ([\d.]+) s$/.exec(p.trim());
      if (!m) throw new Error(`unreadable phase ${p}`);
      return [m[1]!, Number(m[2])];
    }),
  );
}

/** Waits until the container is gone (docker inspect fails); seconds waited. */
async function untilGone(id: string, limitMs: number): Promise<number> {
  const t = performance.now();
  while (performance.now() - t < limitMs) {
    const r = await execLocal(['docker', 'inspect', id], { allowFailure: true });
    if (r.code !== 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return seconds(performance.now() - t);
}

const appIds = async (project: string, service: string) =>
  (
    await execLocal([
      'docker',
      'ps',
      '-q',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    ])
  ).stdout
    .split('\n')
    .filter(Boolean);

/**
 * The GPU role (recreate: one GPU holds one vLLM) with the LLM stand-in on the sandbox gpu host,
 * published on 127.0.0.1: the gap is the time /health does not answer 200 while v1 → v2
 * recreates (polled every 50 ms).
 */
async function gpuRecreateGap(): Promise<Record<string, unknown>> {
  const standin = await pushStandin('rsdeploy-bench/llm-standin');
  const gpu = sandboxHost('gpu');
  const dir = mkdtempSync(join(tmpdir(), 'ragship-bench-gpu-'));
  writeFileSync(
    join(dir, 'compose.gpu.yaml'),
    `services:\n  vllm:\n    image: \${VLLM_IMAGE}\n    ports: ["127.0.0.1:\${LLM_PORT}:8000"]\n    restart: unless-stopped\n`,
  );
  const config = parseConfig(`
app: ${GPU_APP}
registry: { server: ${sandbox().registry.host}, username: ${sandbox().registry.username} }
retain: 3
lock: { ttl: 30, wait: 0 }
environments:
  staging:
    url: http://127.0.0.1:${LLM_PORT}/
    roles:
      llm:
        hosts: [${gpu.user}@${gpu.host}:${gpu.port}]
        compose: [compose.gpu.yaml]
        services: [vllm]
        service: vllm
        appImage: false
        strategy: recreate
        health: { http: /health, port: 8000, openai: true, timeout: 60s, interval: 250ms }
        gpu: { minFreeVramMiB: 0, minDiskGiB: 0, check: false }
        stopGrace: 5s
        vars: { VLLM_IMAGE: "${standin}", LLM_PORT: "${LLM_PORT}" }
`);
  const images = await fixtureImages(['v1', 'v2']);
  await cleanup(GPU_APP);
  try {
    await runDeploy({ ...deployInputs(config, images.v1!), repoDir: dir }, { logger: logger() });
    let polling = true;
    let firstFail = 0;
    let backAt = 0;
    const poller = (async () => {
      while (polling) {
        const ok = await fetch(`http://127.0.0.1:${LLM_PORT}/health`, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.ok)
          .catch(() => false);
        const now = performance.now();
        if (!ok && !firstFail) firstFail = now;
        if (ok && firstFail && !backAt) backAt = now;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const l = logger();
    const t = performance.now();
    const r = await runDeploy({ ...deployInputs(config, images.v2!), repoDir: dir }, { logger: l });
    const deploySeconds = seconds(performance.now() - t);
    await new Promise((r) => setTimeout(r, 1000));
    polling = false;
    await poller;
    return {
      role: 'llm (strategy: recreate), LLM stand-in image in place of vLLM, no GPU device reservation',
      stopGraceSeconds: 5,
      gapSeconds: firstFail && backAt ? seconds(backAt - firstFail) : null,
      switchPhasesSeconds: loggedPhases(l, 'llm'),
      timeToHealthySeconds: seconds(r.timeToHealthyMs),
      deploySeconds,
      note: 'gap = first failed GET /health on the published port until the first 200 after (50 ms polls); a real vLLM adds its model load (minutes) to time to healthy',
    };
  } finally {
    await cleanup(GPU_APP);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<unknown> {
  const config = fixtureConfig(APP, PORT);
  const role = config.environments.staging!.roles.web!;
  role.stopGrace = GRACE;
  const repoDir = sigtermIgnoringRepo();
  const inputs = (image: string) => ({ ...deployInputs(config, image), repoDir });
  await cleanup(APP);
  const host = connectSandboxHost('cpu');
  try {
    const images = await fixtureImages(['v1', 'v2']);
    const first = await runDeploy(inputs(images.v1!), { logger: logger() });
    const root = `/home/deploy/ragship/${APP}/staging`;
    const targetOf = (releaseId: string): ComposeTarget => {
      const rel = `${root}/releases/${releaseId}/web`;
      return {
        compose: ['docker-compose'],
        project: `${APP}-staging-web`,
        projectDir: `${root}/shared/web`,
        files: [`${rel}/compose-0-compose.yaml`, `${rel}/env.yaml`],
        envFile: `${rel}/compose.env`,
      };
    };
    const direct = async (releaseId: string, waitForOldStop: boolean) => {
      const l = logger();
      const t = performance.now();
      const r: SwitchResult = await zeroDowntimeSwitch({
        host,
        role,
        roleName: 'web',
        target: targetOf(releaseId),
        supportServices: [],
        logger: l,
        waitForOldStop,
      });
      return {
        switchSeconds: seconds(performance.now() - t),
        phasesSeconds: phaseSeconds(r.phasesMs),
        warnedSigkill: /SIGKILL/.test(l.text()),
        stoppingInBackground: r.stopping?.length ?? 0,
      };
    };
    let deployV2: Record<string, unknown> = {};
    let baseline: Record<string, unknown> = {};
    let tight: Record<string, unknown> = {};
    let backgroundStopSeconds = 0;
    let stoppingAfterTight: string | undefined;
    const switchLoad = await underLoad(async () => {
      // 1. The whole deploy v1 → v2 (new behaviour): what the user waits for.
      const [oldV1] = await appIds(`${APP}-staging-web`, 'app');
      const l = logger();
      const t = performance.now();
      const r = await runDeploy(inputs(images.v2!), { logger: l });
      deployV2 = {
        deploySeconds: seconds(performance.now() - t),
        timeToHealthySeconds: seconds(r.timeToHealthyMs),
        switchPhasesSeconds: loggedPhases(l, 'web'),
        warnedSigkill: /SIGKILL/.test(l.text()),
        sshConnectionsPerHost: r.connectionsPerHost,
      };
      // The old container stops in the background; the next switch starts once it is gone.
      const t2 = performance.now();
      await untilGone(oldV1!, (GRACE + 60) * 1000);
      backgroundStopSeconds = seconds(performance.now() - t2);
      // 2. Baseline: the same switch (v2 → v1 release) waiting for the old stop, as before.
      baseline = await direct(first.releaseId, true);
      // 3. The switch as shipped (v1 → v2 release), same host, app and load.
      [stoppingAfterTight] = await appIds(`${APP}-staging-web`, 'app');
      tight = await direct(r.releaseId, false);
      await new Promise((r) => setTimeout(r, 500));
    });
    // The v1 container replaced in step 3 is stopping in the background: wait it out.
    if (stoppingAfterTight) await untilGone(stoppingAfterTight, (GRACE + 60) * 1000);
    const beforeRollback = await appIds(`${APP}-staging-web`, 'app');
    let rollback = { seconds: 0, timeToHealthyMs: 0 };
    const rollbackLoad = await underLoad(async () => {
      const t = performance.now();
      const r = await runRollback({ ...inputs(images.v1!), to: 'previous' }, { logger: logger() });
      rollback = { seconds: (performance.now() - t) / 1000, timeToHealthyMs: r.timeToHealthyMs };
    });
    // The container the rollback replaced stops in the background: compose must not see it go.
    for (const id of beforeRollback) await untilGone(id, (GRACE + 60) * 1000);
    // Naive: what a typical ssh-action script does, `pull && up -d` on the release the bench
    // deployed first, its compose file edited to the v2 digest. In its favour, nginx gets the
    // best case for a recreate: no upstream file, the service name re-resolved through Docker
    // DNS every second (so it finds the recreated container as soon as it listens).
    const target = targetOf(first.releaseId);
    const rel = `${root}/releases/${first.releaseId}/web`;
    await host.upload(`${root}/shared/web/nginx/default.conf`, NAIVE_NGINX, 0o644);
    const [nginxId] = (await host.exec(serviceContainers(target.project, 'nginx'))).stdout.split('\n');
    await host.exec(proxyReload(nginxId!.trim()));
    await new Promise((r) => setTimeout(r, 2000));
    // The local-only nginx image cannot be pulled here: the pull is limited to the app image.
    const naiveCommand = `${commandLine(pull(target, ['app']))} && ${commandLine(compose(target, 'up', '-d'))}`;
    let naiveSeconds = 0;
    let recoveredAfter = 0;
    const naiveLoad = await underLoad(async () => {
      const t = performance.now();
      await host.exec([
        'sh',
        '-c',
        `sed -i "s#${images.v1}#${images.v2}#" "$1" && ${naiveCommand}`,
        'sh',
        `${rel}/compose-0-compose.yaml`,
      ]);
      naiveSeconds = (performance.now() - t) / 1000;
      recoveredAfter = await untilServing(30_000);
    });
    const gpu = await gpuRecreateGap();
    const overhead = (p: Record<string, number>) =>
      Math.round(Object.entries(p).reduce((a, [k, v]) => a + (k === 'healthy' ? 0 : v), 0) * 1000) / 1000;
    return {
      when: new Date().toISOString(),
      machine:
        '2 cores shared with other engineers running tests (see machine.loadAverage1m); docker-compose 1.29.2; sandbox sshd hosts',
      load: `autocannon GET / through nginx on 127.0.0.1, ${RATE} req/s target (startLoad in test/integration/deploy/fixture.ts)`,
      app: `test/fixtures/deploy-app under \`sh -c "trap '' TERM; node server.js & wait"\` (PID 1 ignores SIGTERM), stopGrace ${GRACE} s, drain 1 s`,
      ragship: {
        failed: switchLoad.failed,
        total: switchLoad.total,
        rps: switchLoad.rps,
        downtimeSeconds: switchLoad.downtimeSeconds,
        loadCovers:
          'the deploy v1 → v2, the wait for its old container, the baseline switch and the new switch',
        ...deployV2,
        oldContainerGoneAfterDeploySeconds: backgroundStopSeconds,
      },
      switch: {
        note: "the same zero-downtime switch called directly on one host (src/deploy/switch.ts), phases in seconds; overhead = everything but the app's own time to healthy",
        baseline: {
          oldStop: 'blocking docker stop --time 30 (before issue 21)',
          ...baseline,
          overheadSeconds: overhead(baseline.phasesSeconds as Record<string, number>),
        },
        ragship: {
          oldStop: 'detached docker stop; the deploy waits at most 5 s for the exit',
          ...tight,
          overheadSeconds: overhead(tight.phasesSeconds as Record<string, number>),
        },
      },
      naive: {
        command: 'docker-compose pull && docker-compose up -d (over SSH)',
        failed: naiveLoad.failed,
        total: naiveLoad.total,
        rps: naiveLoad.rps,
        downtimeSeconds: naiveLoad.downtimeSeconds,
        seconds: naiveSeconds,
        servingAgainSecondsAfterUp: recoveredAfter,
        nginx: 'best case for naive: proxy_pass through a variable, Docker DNS re-resolved every 1 s',
      },
      rollback: {
        to: 'previous',
        seconds: rollback.seconds,
        timeToHealthySeconds: rollback.timeToHealthyMs / 1000,
        failed: rollbackLoad.failed,
        total: rollbackLoad.total,
        rps: rollbackLoad.rps,
      },
      gpuRecreate: gpu,
    };
  } finally {
    host.close();
    await cleanup(APP);
    rmSync(repoDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)));
}
