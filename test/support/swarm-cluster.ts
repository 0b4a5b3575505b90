/**
 * A real Docker Swarm for tests: a manager and N workers, each a (nearly) privileged container
 * with its own dockerd (image built by test/fixtures/swarm-node/build.sh from the sandbox's
 * Debian base), on a bridge network this file creates. The manager answers SSH on
 * 127.0.0.1:<sshPort> (root, the sandbox key) and publishes its port 80 on 127.0.0.1:<httpPort>.
 * Every node pulls `localhost:5000/...` from the sandbox registry: socat on the node forwards to
 * a TCP relay this process runs on the test network's gateway, which connects to the registry.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandbox } from './sandbox.js';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface SwarmCluster {
  manager: string;
  workers: string[];
  sshPort: number;
  httpPort: number;
  /** known_hosts line for the manager's sshd. */
  knownHosts: string;
  /** `docker exec <node> …` → stdout. */
  onNode(node: string, argv: string[], allowFailure?: boolean): string;
  stop(): Promise<void>;
}

const docker = (args: string[], allowFailure = false): string => {
  try {
    return execFileSync('docker', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
  } catch (err) {
    if (allowFailure) return String((err as { stdout?: string }).stdout ?? '');
    const e = err as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')}: ${e.stderr || e.message}`);
  }
};

async function waitFor(what: string, fn: () => boolean, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${what} not ready within ${seconds} s`);
}

/** Removes every container and the network of a cluster prefix (also leftovers of a killed run). */
export function removeCluster(prefix: string): void {
  const ids = docker(['ps', '-aq', '--filter', `label=ragship.swarm-test=${prefix}`], true)
    .split('\n')
    .filter(Boolean);
  if (ids.length) docker(['rm', '-f', '-v', ...ids], true);
  docker(['network', 'rm', `${prefix}-net`], true);
}

export async function startSwarmCluster(o: {
  prefix: string;
  workers: number;
  sshPort: number;
  httpPort: number;
  /** Managers in all (default 1): the first workers are promoted, the rest stay workers. */
  managers?: number;
}): Promise<SwarmCluster> {
  removeCluster(o.prefix);
  const image = execFileSync('bash', [join(ROOT, 'test/fixtures/swarm-node/build.sh')], {
    encoding: 'utf8',
    timeout: 900_000,
  }).trim();
  let relay: Server | undefined;
  const nodes: string[] = [];
  const cluster: SwarmCluster = {
    manager: `${o.prefix}-manager`,
    workers: [],
    sshPort: o.sshPort,
    httpPort: o.httpPort,
    knownHosts: '',
    onNode: (node, argv, allowFailure) => docker(['exec', node, ...argv], allowFailure),
    stop: async () => {
      removeCluster(o.prefix);
      await new Promise<void>((r) => (relay ? relay.close(() => r()) : r()));
    },
  };
  try {
    docker(['network', 'create', '--label', `ragship.swarm-test=${o.prefix}`, `${o.prefix}-net`]);
    const gateway = docker([
      'network',
      'inspect',
      '--format',
      '{{range .IPAM.Config}}{{.Gateway}}{{end}}',
      `${o.prefix}-net`,
    ]).trim();
    const [regHost, regPort] = sandbox().registry.host.split(':');
    relay = createServer((c) => {
      const up = createConnection({
        host: regHost === 'localhost' ? '127.0.0.1' : regHost,
        port: Number(regPort),
      });
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    const relayPort = await new Promise<number>((resolve, reject) => {
      relay!.once('error', reject);
      relay!.listen(0, gateway, () => resolve((relay!.address() as { port: number }).port));
    });
    const names = [
      cluster.manager,
      ...Array.from({ length: o.workers }, (_, i) => `${o.prefix}-worker${i + 1}`),
    ];
    for (const name of names) {
      const isManager = name === cluster.manager;
      docker([
        'run',
        '-d',
        '--name',
        name,
        '--hostname',
        name,
        '--label',
        `ragship.swarm-test=${o.prefix}`,
        '--network',
        `${o.prefix}-net`,
        // Not --privileged: this machine withholds CAP_SYS_RESOURCE, which --privileged asks for.
        '--cap-add',
        'ALL',
        '--cap-drop',
        'SYS_RESOURCE',
        '--security-opt',
        'seccomp=unconfined',
        '--security-opt',
        'apparmor=unconfined',
        '--security-opt',
        'systempaths=unconfined',
        '--device-cgroup-rule',
        'a *:* rmw',
        // Containers inside need a writable cgroup tree (runc: "mkdir /sys/fs/cgroup/cpuset/docker:
        // read-only file system" without it), as in the provision test's fresh host.
        '--cgroupns=host',
        '-v',
        '/sys/fs/cgroup:/sys/fs/cgroup:rw',
        '--tmpfs',
        '/run',
        '-v',
        '/var/lib/docker',
        '-v',
        '/lib/modules:/lib/modules:ro',
        '-e',
        `REGISTRY_FORWARD=${gateway}:${relayPort}`,
        ...(isManager ? ['-p', `127.0.0.1:${o.sshPort}:22`, '-p', `127.0.0.1:${o.httpPort}:80`] : []),
        image,
      ]);
      nodes.push(name);
    }
    for (const n of names)
      await waitFor(
        `dockerd in ${n}`,
        () => docker(['exec', n, 'docker', 'info', '--format', '{{.ID}}'], true).trim() !== '',
        120,
      );
    const ip = (n: string) =>
      docker(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', n]).trim();
    docker(['exec', cluster.manager, 'docker', 'swarm', 'init', '--advertise-addr', ip(cluster.manager)]);
    const token = docker(['exec', cluster.manager, 'docker', 'swarm', 'join-token', '-q', 'worker']).trim();
    for (const w of names.slice(1)) {
      docker([
        'exec',
        w,
        'docker',
        'swarm',
        'join',
        '--advertise-addr',
        ip(w),
        '--token',
        token,
        `${ip(cluster.manager)}:2377`,
      ]);
      cluster.workers.push(w);
    }
    await waitFor(
      'all nodes Ready',
      () =>
        docker(['exec', cluster.manager, 'docker', 'node', 'ls', '--format', '{{.Status}}'], true)
          .split('\n')
          .filter((s) => s === 'Ready').length === names.length,
      120,
    );
    const promote = names.slice(1, Math.max(1, o.managers ?? 1));
    if (promote.length) {
      docker(['exec', cluster.manager, 'docker', 'node', 'promote', ...promote]);
      await waitFor(
        `${promote.length + 1} managers reachable`,
        () =>
          docker(['exec', cluster.manager, 'docker', 'node', 'ls', '--format', '{{.ManagerStatus}}'], true)
            .split('\n')
            .filter((s) => s === 'Leader' || s === 'Reachable').length ===
          promote.length + 1,
        120,
      );
    }
    const pub = join(tmpdir(), `${o.prefix}.pub`);
    writeFileSync(
      pub,
      execFileSync('ssh-keygen', ['-y', '-f', sandbox().ssh.privateKeyPath], { encoding: 'utf8' }),
    );
    execFileSync(
      'docker',
      ['exec', '-i', cluster.manager, 'sh', '-c', 'umask 077; cat > /root/.ssh/authorized_keys'],
      {
        input: execFileSync('cat', [pub]),
      },
    );
    const key = docker(['exec', cluster.manager, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub'])
      .trim()
      .split(' ');
    cluster.knownHosts = `[127.0.0.1]:${o.sshPort} ${key[0]} ${key[1]}\n`;
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
