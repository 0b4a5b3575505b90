import { existsSync, readFileSync } from 'node:fs';
import { MemoryLogger } from '../../src/core/logger.js';
import { RemoteHost, type RemoteHostOptions } from '../../src/core/remote-host.js';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface SandboxHost {
  name: string;
  host: string;
  port: number;
  user: string;
  /** Folder with this host's sshd config, host keys and pid file. */
  dir: string;
}

export interface SandboxEnv {
  stateDir: string;
  registry: { host: string; username: string; password: string };
  ssh: { privateKeyPath: string; knownHostsPath: string; hosts: SandboxHost[] };
  s3: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: boolean;
  };
  images: { debian: string; node: string; [name: string]: string };
  /** pebble (ACME test CA): every name resolves to 127.0.0.1; HTTP-01 checks go to httpPort. */
  acme: { directory: string; caFile: string; management: string; httpPort: number; dnsManagement: string };
}

let cached: SandboxEnv | undefined;

/**
 * The sandbox started by `scripts/sandbox up`. Missing sandbox = failing test, never a skip.
 */
export function sandbox(): SandboxEnv {
  if (cached) return cached;
  const path = process.env.RAGSHIP_SANDBOX_ENV ?? `${ROOT}.sandbox/env.json`;
  if (!existsSync(path)) {
    throw new Error(`the sandbox is not up (${path} is missing): run \`bash scripts/sandbox up\` first`);
  }
  cached = JSON.parse(readFileSync(path, 'utf8')) as SandboxEnv;
  return cached;
}

export function sandboxHost(name: 'cpu' | 'gpu'): SandboxHost {
  const h = sandbox().ssh.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`sandbox host ${name} missing from env.json`);
  return h;
}

export function privateKey(): string {
  return readFileSync(sandbox().ssh.privateKeyPath, 'utf8');
}

export function knownHosts(): string {
  return readFileSync(sandbox().ssh.knownHostsPath, 'utf8');
}

/** A RemoteHost to a sandbox sshd, trusted through the sandbox known_hosts. */
export function connectSandboxHost(
  name: 'cpu' | 'gpu',
  overrides: Partial<RemoteHostOptions> = {},
): RemoteHost {
  const h = sandboxHost(name);
  return new RemoteHost({
    host: h.host,
    port: h.port,
    user: h.user,
    privateKey: privateKey(),
    hostKeys: { knownHosts: knownHosts() },
    logger: new MemoryLogger(),
    connectTimeoutMs: 5000,
    ...overrides,
  });
}
