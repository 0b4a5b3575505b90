// `npm run bench -- deploy`: ragship's zero-downtime switch vs the naive
// `docker-compose pull && docker-compose up -d` over SSH, on the same sandbox host and app,
// both under the same load through nginx; plus rollback time. Real parts: Docker Engine,
// docker-compose 1.29 over sshd ("cpu" host), registry with auth, nginx, the fixture app.
import { commandLine } from '../src/core/shell.js';
import { compose, proxyReload, pull, serviceContainers } from '../src/deploy/commands.js';
import { runDeploy } from '../src/deploy/run.js';
import { runRollback } from '../src/rollback/run.js';
import {
  cleanup,
  deployInputs,
  fixtureConfig,
  fixtureImages,
  type LoadResult,
  logger,
  startLoad,
} from '../test/integration/deploy/fixture.js';
import { connectSandboxHost } from '../test/support/sandbox.js';

const APP = 'rsdeploy-bench';
const PORT = 18183;

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
  const load = startLoad(PORT);
  await new Promise((r) => setTimeout(r, 1000));
  await fn();
  await new Promise((r) => setTimeout(r, 1000));
  return load.stop();
}

export async function run(): Promise<unknown> {
  const config = fixtureConfig(APP, PORT);
  await cleanup(APP);
  try {
    const images = await fixtureImages(['v1', 'v2']);
    const first = await runDeploy(deployInputs(config, images.v1!), { logger: logger() });
    let ragship = { timeToHealthyMs: 0, seconds: 0, connections: {} as Record<string, number> };
    const ragshipLoad = await underLoad(async () => {
      const t = performance.now();
      const r = await runDeploy(deployInputs(config, images.v2!), { logger: logger() });
      ragship = {
        timeToHealthyMs: r.timeToHealthyMs,
        seconds: (performance.now() - t) / 1000,
        connections: r.connectionsPerHost,
      };
    });
    let rollback = { seconds: 0, timeToHealthyMs: 0 };
    const rollbackLoad = await underLoad(async () => {
      const t = performance.now();
      const r = await runRollback(
        { ...deployInputs(config, images.v1!), to: 'previous' },
        { logger: logger() },
      );
      rollback = { seconds: (performance.now() - t) / 1000, timeToHealthyMs: r.timeToHealthyMs };
    });
    // Naive: what a typical ssh-action script does, `pull && up -d` on the release the bench
    // deployed first, its compose file edited to the v2 digest. In its favour, nginx gets the
    // best case for a recreate: no upstream file, the service name re-resolved through Docker
    // DNS every second (so it finds the recreated container as soon as it listens).
    const host = connectSandboxHost('cpu');
    const root = `/home/deploy/ragship/${APP}/staging`;
    const rel = `${root}/releases/${first.releaseId}/web`;
    const target = {
      compose: ['docker-compose'],
      project: `${APP}-staging-web`,
      projectDir: `${root}/shared/web`,
      files: [`${rel}/compose-0-compose.yaml`, `${rel}/env.yaml`],
      envFile: `${rel}/compose.env`,
    };
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
    host.close();
    return {
      when: new Date().toISOString(),
      machine: '2 cores shared with other engineers; docker-compose 1.29.2; one sandbox sshd host',
      load: 'autocannon GET / through nginx on 127.0.0.1, 200 req/s target, 100 connections (startLoad in test/integration/deploy/fixture.ts)',
      ragship: {
        failed: ragshipLoad.failed,
        total: ragshipLoad.total,
        rps: ragshipLoad.rps,
        downtimeSeconds: ragshipLoad.downtimeSeconds,
        timeToHealthySeconds: ragship.timeToHealthyMs / 1000,
        deploySeconds: ragship.seconds,
        sshConnectionsPerHost: ragship.connections,
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
    };
  } finally {
    await cleanup(APP);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)));
}
