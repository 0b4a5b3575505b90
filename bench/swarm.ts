// `npm run bench -- swarm`: a rolling update (v1 → v2) of N replicas spread over a 3-node Docker
// Swarm (engine: swarm) under ≥ 200 req/s through the published port, beside ragship's
// compose-over-SSH zero-downtime deploy of the same app under the same load, in the same run.
// Real parts: three Docker Engines (containers with their own dockerd), overlay network, the
// sandbox registry, sshd (the manager; the sandbox "cpu" host for compose), nginx, autocannon.
import { parseConfig } from '../src/config/load.js';
import { MemoryLogger } from '../src/core/logger.js';
import { runDeploy } from '../src/deploy/run.js';
import {
  cleanup,
  deployInputs,
  fixtureConfig,
  fixtureImages,
  type LoadResult,
  startLoad,
} from '../test/integration/deploy/fixture.js';
import { privateKey, sandbox } from '../test/support/sandbox.js';
import { startSwarmCluster } from '../test/support/swarm-cluster.js';

const REPLICAS = Number(process.env.BENCH_SWARM_REPLICAS ?? 6);
const RATE = 200;
const SWARM = { prefix: 'ragship-swarm-bench', sshPort: 18622, httpPort: 18680 };
const COMPOSE_APP = 'rsswarm-bench-compose';
const COMPOSE_PORT = 18684;
const FIXTURE = new URL('../test/fixtures/swarm-app/', import.meta.url).pathname;

async function timedUnderLoad(
  port: number,
  fn: () => Promise<unknown>,
): Promise<LoadResult & { updateSeconds: number }> {
  const load = startLoad(port, RATE);
  await new Promise((r) => setTimeout(r, 3000));
  const t = performance.now();
  let error: unknown;
  await fn().catch((e) => {
    error = e;
  });
  const updateSeconds = Math.round((performance.now() - t) / 100) / 10;
  await new Promise((r) => setTimeout(r, 2000));
  const r = await load.stop();
  if (error) throw error;
  return { ...r, updateSeconds };
}

export async function run(): Promise<unknown> {
  const images = await fixtureImages(['v1', 'v2']);
  const nginx = `${sandbox().registry.host}/ragship-swarm/nginx:test`;
  const { execFileSync } = await import('node:child_process');
  execFileSync('docker', ['tag', 'ragship-swarm/nginx:test', nginx]);
  execFileSync('docker', ['push', '--quiet', nginx]);
  const cluster = await startSwarmCluster({ ...SWARM, workers: 2 });
  let swarm: unknown;
  try {
    const config = parseConfig(`
app: rsswarmbench
registry: { server: ${sandbox().registry.host}, username: ${sandbox().registry.username} }
environments:
  prod:
    engine: swarm
    roles:
      web:
        hosts: [root@127.0.0.1:${SWARM.sshPort}]
        compose: [compose.yaml]
        files: [nginx.conf]
        service: app
        replicas: ${REPLICAS}
        health: { http: /health, port: 3000, timeout: 15s, interval: 1s }
        stopGrace: 10s
`);
    const inputs = (image: string) => ({
      config,
      environment: 'prod',
      sshPrivateKey: privateKey(),
      knownHosts: cluster.knownHosts,
      fingerprints: [],
      registryPassword: sandbox().registry.password,
      image,
      env: {},
      repoDir: FIXTURE,
      runId: `bench-${Date.now()}`,
      actor: 'bench',
    });
    await runDeploy(inputs(images.v1!), { logger: new MemoryLogger() });
    const r = await timedUnderLoad(SWARM.httpPort, () =>
      runDeploy(inputs(images.v2!), { logger: new MemoryLogger() }),
    );
    const nodes = cluster.onNode(cluster.manager, [
      'docker',
      'service',
      'ps',
      '--filter',
      'desired-state=running',
      '--format',
      '{{.Node}}',
      'rsswarmbench-prod_app',
    ]);
    swarm = {
      replicas: REPLICAS,
      nodes: 3,
      nodesRunningTasks: new Set(nodes.split('\n').filter(Boolean)).size,
      ...r,
    };
  } finally {
    await cluster.stop();
  }
  let composeSsh: unknown;
  try {
    const config = fixtureConfig(COMPOSE_APP, COMPOSE_PORT);
    await runDeploy(deployInputs(config, images.v1!), { logger: new MemoryLogger() });
    composeSsh = await timedUnderLoad(COMPOSE_PORT, () =>
      runDeploy(deployInputs(config, images.v2!), { logger: new MemoryLogger() }),
    );
  } finally {
    await cleanup(COMPOSE_APP);
  }
  return { targetRate: RATE, swarm, composeOverSsh: composeSsh };
}
