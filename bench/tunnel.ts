// `npm run bench -- tunnel`: what pulling through the registry tunnel (registry.tunnel: a
// reverse SSH forward on the deploy's own connection) costs against the baseline, a direct pull
// from the registry. Same image (a fresh 128 MiB incompressible layer, so nothing is cached),
// same engine, same host, by digest, alternating order, several rounds. Real parts: Docker
// Engine, the registry with htpasswd auth, the sandbox "cpu" sshd, ragship's RemoteHost.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execLocal } from '../src/core/exec.js';
import { registryLogin } from '../src/deploy/commands.js';
import { connectSandboxHost, sandbox } from '../test/support/sandbox.js';

const ROUNDS = 5;
const PAYLOAD_MIB = 128;
const TUNNEL_PORT = 15000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Builds and pushes an image whose top layer no engine has seen; returns its digest reference. */
async function pushPayload(): Promise<{ repo: string; digest: string; layerBytes: number }> {
  const sb = sandbox();
  const tag = `ragship-bench/tunnel-payload:${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'ragship-bench-tunnel-'));
  try {
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM ${sb.images.debian}\nRUN head -c ${PAYLOAD_MIB}M /dev/urandom > /payload\n`,
    );
    await execLocal(['docker', 'build', '-q', '-t', tag, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ref = `${sb.registry.host}/${tag}`;
  await execLocal(
    ['docker', 'login', '--username', sb.registry.username, '--password-stdin', sb.registry.host],
    {
      input: sb.registry.password,
    },
  );
  await execLocal(['docker', 'tag', tag, ref]);
  await execLocal(['docker', 'push', '-q', ref]);
  const digest = (
    await execLocal(['docker', 'image', 'inspect', '--format', '{{index .RepoDigests 0}}', ref])
  ).stdout
    .trim()
    .split('@')[1]!;
  await execLocal(['docker', 'rmi', tag, ref]);
  return { repo: tag.split(':')[0]!, digest, layerBytes: PAYLOAD_MIB * 2 ** 20 };
}

export async function run(): Promise<unknown> {
  const sb = sandbox();
  const port = Number(sb.registry.host.split(':')[1]);
  const { repo, digest, layerBytes } = await pushPayload();
  const refs = {
    direct: `localhost:${port}/${repo}@${digest}`,
    tunnel: `localhost:${TUNNEL_PORT}/${repo}@${digest}`,
  };
  const host = connectSandboxHost('cpu');
  const seconds: Record<'direct' | 'tunnel', number[]> = { direct: [], tunnel: [] };
  try {
    await host.forwardRemotePort(TUNNEL_PORT, { host: 'localhost', port });
    for (const server of [`localhost:${port}`, `localhost:${TUNNEL_PORT}`])
      await host.exec(registryLogin(server, sb.registry.username), { input: sb.registry.password });
    const removeBoth = () => host.exec(['docker', 'rmi', refs.direct, refs.tunnel], { allowFailure: true });
    for (let round = 0; round < ROUNDS; round++) {
      const order: Array<'direct' | 'tunnel'> = round % 2 ? ['tunnel', 'direct'] : ['direct', 'tunnel'];
      for (const mode of order) {
        await removeBoth();
        const t = performance.now();
        await host.exec(['docker', 'pull', '-q', refs[mode]], { timeoutMs: 600_000 });
        seconds[mode].push((performance.now() - t) / 1000);
        process.stderr.write(`round ${round + 1} ${mode}: ${seconds[mode].at(-1)!.toFixed(2)} s\n`);
      }
    }
    await removeBoth();
  } finally {
    host.close();
  }
  const mibps = (s: number) => Math.round((layerBytes / 2 ** 20 / s) * 10) / 10;
  const direct = median(seconds.direct);
  const tunnel = median(seconds.tunnel);
  return {
    what: `docker pull by digest of a ${PAYLOAD_MIB} MiB incompressible layer on the sandbox cpu host`,
    rounds: ROUNDS,
    baseline: {
      name: 'direct pull from the registry',
      seconds: seconds.direct.map((s) => Math.round(s * 100) / 100),
      medianSeconds: Math.round(direct * 100) / 100,
      medianMiBps: mibps(direct),
    },
    tunnel: {
      name: 'pull through the registry tunnel (reverse SSH forward, ssh2 on the runner)',
      seconds: seconds.tunnel.map((s) => Math.round(s * 100) / 100),
      medianSeconds: Math.round(tunnel * 100) / 100,
      medianMiBps: mibps(tunnel),
    },
    tunnelOverDirect: Math.round((tunnel / direct) * 100) / 100,
    sshConnections: host.connectionsOpened,
  };
}
