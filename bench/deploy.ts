// `npm run bench -- deploy`: ragship's zero-downtime switch vs the naive
// `docker-compose pull && docker-compose up -d` over SSH, on the same sandbox host and app,
// both under the same load through nginx; plus rollback time. Real parts: Docker Engine,
// docker-compose 1.29 over sshd ("cpu" host), registry with auth, nginx, the fixture app.
import { commandLine } from '../src/core/shell.js';
import { compose, pull } from '../src/deploy/commands.js';
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
    // Naive: what a typical ssh-action script does (pull limited to app: nginx is a local-only image here), on the release the bench deployed first (v2 image).
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
    const naiveCommand = `${commandLine(pull(target, ['app']))} && ${commandLine(compose(target, 'up', '-d'))}`;
    let naiveSeconds = 0;
    const naiveLoad = await underLoad(async () => {
      // Make the naive run switch images like a deploy does: point app at v2 in a copy of the v1 release.
      const t = performance.now();
      await host.exec([
        'sh',
        '-c',
        `sed -i "s#${images.v1}#${images.v2}#" "$1" && ${naiveCommand}`,
        'sh',
        `${rel}/compose-0-compose.yaml`,
      ]);
      naiveSeconds = (performance.now() - t) / 1000;
    });
    host.close();
    return {
      when: new Date().toISOString(),
      machine: '2 cores shared with other engineers; docker-compose 1.29.2; one sandbox sshd host',
      load: 'autocannon, 10 connections, 150 req/s target, through nginx on 127.0.0.1',
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
