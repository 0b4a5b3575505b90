import { posix } from 'node:path';
import { environmentOf } from '../config/load.js';
import type { EnvironmentConfig, RagshipConfig, RoleConfig } from '../config/schema.js';
import { errorMessage, UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import { RemoteHost } from '../core/remote-host.js';
import { jumpOptions } from '../core/ssh-proxy.js';
import { type HostSpec, parseHostSpec } from '../core/validate.js';
import { checkHost } from '../preflight/host-check.js';
import { type ComposeTarget, commandExists, homeDir, mkdirs, registryLogin } from './commands.js';
import { gpuPreflight } from './gpu.js';
import { deployRoot, ReleaseLayout } from './layout.js';
import { parseReleaseLog, type ReleaseRecord } from './release-log.js';
import type { StaticManifest } from './static.js';

/**
 * Masks every value of the deploy's env in the logs and refuses a deploy that lacks one the
 * environment's `requiredEnv` names (before anything connects).
 */
export function admitEnv(s: EnvSession, env: Record<string, string>, logger: Logger): void {
  for (const v of Object.values(env)) logger.setSecret(v);
  for (const k of s.env.requiredEnv)
    if (!(k in env))
      throw new UserError(
        `env ${k}`,
        'is required by ragship.yml (requiredEnv) but was not given',
        `add ${k}=… to the env input`,
      );
}

export interface ConnectionInputs {
  config: RagshipConfig;
  environment: string;
  sshPrivateKey: string;
  knownHosts: string;
  fingerprints: string[];
  registryUsername?: string;
  registryPassword?: string;
  connectTimeoutMs?: number;
  /** --ssh-proxy: jump host for every connection (wins over ragship.yml ssh.proxy). */
  sshProxy?: string;
}

export interface SessionPorts {
  logger: Logger;
  /** Opens a host (tests inject faults here). */
  connect?: (spec: HostSpec, options: ConstructorParameters<typeof RemoteHost>[0]) => Host;
}

export interface ReleaseManifest {
  releaseId: string;
  role: string;
  image: string;
  composeFiles: string[];
  supportServices: string[];
  services: string[];
  files: string[];
  /** roles.<role>.static of the release (absent before static files existed). */
  static?: StaticManifest;
}

export interface HostEntry {
  key: string;
  spec: HostSpec;
  host: Host;
  compose: string[];
  /** The deploy root on this host ('' until `resolveRoot`); `layout(h)` derives every path from it. */
  root: string;
}

/** The hosts of one environment: validated specs, one connection each, deploy roots. */
export class EnvSession {
  readonly env: EnvironmentConfig;
  readonly hosts = new Map<string, HostEntry>();
  readonly roles: Array<[string, RoleConfig]>;

  constructor(
    readonly inputs: ConnectionInputs,
    readonly ports: SessionPorts,
  ) {
    this.env = environmentOf(inputs.config, inputs.environment);
    this.roles = Object.entries(this.env.roles);
    const jump = jumpOptions(
      {
        flag: inputs.sshProxy,
        environment: this.env.ssh?.proxy,
        global: inputs.config.ssh?.proxy,
        environmentName: inputs.environment,
      },
      {
        privateKey: inputs.sshPrivateKey,
        hostKeys: { knownHosts: inputs.knownHosts, fingerprints: inputs.fingerprints },
        connectTimeoutMs: inputs.connectTimeoutMs ?? 15_000,
      },
    );
    // Every host spec is validated before any connection is opened.
    for (const [roleName, role] of this.roles) {
      role.hosts.forEach((h, i) => {
        const spec = parseHostSpec(h, `environments.${inputs.environment}.roles.${roleName}.hosts[${i}]`);
        const key = `${spec.user}@${spec.host}:${spec.port}`;
        if (this.hosts.has(key)) return;
        const options = {
          ...spec,
          privateKey: inputs.sshPrivateKey,
          hostKeys: { knownHosts: inputs.knownHosts, fingerprints: inputs.fingerprints },
          connectTimeoutMs: inputs.connectTimeoutMs ?? 15_000,
          logger: ports.logger,
          label: key,
          jump,
        };
        const host = ports.connect ? ports.connect(spec, options) : new RemoteHost(options);
        this.hosts.set(key, { key, spec, host, compose: [], root: '' });
      });
    }
  }

  get app(): string {
    return this.inputs.config.app;
  }

  roleHosts(roleName: string): HostEntry[] {
    const role = this.env.roles[roleName]!;
    return role.hosts.map((h) => {
      const s = parseHostSpec(h, roleName);
      return this.hosts.get(`${s.user}@${s.host}:${s.port}`)!;
    });
  }

  /** The first host of the first role holds the lock and is the release log of record. */
  get primary(): HostEntry {
    return this.hosts.values().next().value!;
  }

  /** The on-host paths of this environment on `h` (its root resolved by `resolveRoot`). */
  layout(h: HostEntry): ReleaseLayout {
    return new ReleaseLayout(h.root, this.app, this.inputs.environment);
  }

  /**
   * Resolves the deploy root of `h` once (the deploy user's home decides the default): the one
   * place it is computed, for deploy, rollback, releases, sleep and status alike.
   */
  async resolveRoot(h: HostEntry): Promise<ReleaseLayout> {
    if (!h.root) {
      const home = (await h.host.exec(homeDir, { where: `${h.key} home` })).stdout.trim();
      h.root = deployRoot({ root: this.env.root, app: this.app, environment: this.inputs.environment, home });
    }
    return this.layout(h);
  }

  project(roleName: string): string {
    return `${this.app}-${this.inputs.environment}-${roleName}`;
  }

  releaseDir(h: HostEntry, releaseId: string, roleName: string): string {
    return this.layout(h).releaseDir(releaseId, roleName);
  }

  projectDir(h: HostEntry, roleName: string): string {
    return this.layout(h).projectDir(roleName);
  }

  target(h: HostEntry, roleName: string, releaseId: string, composeFiles: string[]): ComposeTarget {
    const dir = this.releaseDir(h, releaseId, roleName);
    return {
      compose: h.compose,
      project: this.project(roleName),
      projectDir: this.projectDir(h, roleName),
      files: [...composeFiles.map((f) => posix.join(dir, f)), posix.join(dir, 'env.yaml')],
      envFile: posix.join(dir, 'compose.env'),
    };
  }

  /** Target of a release already on the host, from its manifest. */
  async recordedTarget(
    h: HostEntry,
    roleName: string,
    releaseId: string,
  ): Promise<ComposeTarget | undefined> {
    return (await this.recordedRelease(h, roleName, releaseId))?.target;
  }

  async recordedRelease(
    h: HostEntry,
    roleName: string,
    releaseId: string,
  ): Promise<{ target: ComposeTarget; manifest: ReleaseManifest } | undefined> {
    const raw = await h.host.readFile(this.layout(h).manifest(releaseId, roleName));
    if (!raw) return undefined;
    const manifest = JSON.parse(raw.toString('utf8')) as ReleaseManifest;
    return { target: this.target(h, roleName, releaseId, manifest.composeFiles), manifest };
  }

  /** Preflight of every host in parallel: key, docker, compose, disk, curl, GPU, registry. */
  async preflight(): Promise<void> {
    const results = await Promise.allSettled(
      [...this.hosts.values()].map((h) =>
        this.ports.logger.group(`preflight ${h.key}`, async () => {
          const roles = this.roles.filter(([n]) => this.roleHosts(n).includes(h)).map(([, r]) => r);
          const layout = await this.resolveRoot(h);
          await h.host.exec(mkdirs(layout.root, layout.releases, layout.shared));
          const facts = await checkHost(h.host, this.ports.logger, h.root);
          h.compose = facts.compose;
          const floor = Math.max(...roles.map((r) => r.minFreeDiskGiB + (r.gpu?.minDiskGiB ?? 0)));
          if (facts.freeDiskBytes < floor * 2 ** 30) {
            throw new UserError(
              `${h.key} preflight`,
              `only ${(facts.freeDiskBytes / 2 ** 30).toFixed(1)} GiB free under ${h.root}; the roles need ${floor} GiB`,
              'free disk space (prune old images) or lower minFreeDiskGiB',
            );
          }
          if ((await h.host.exec(commandExists('curl'), { allowFailure: true })).code !== 0) {
            throw new UserError(
              `${h.key} preflight`,
              'curl is missing (the health gate probes containers with it)',
              'install curl on the host',
            );
          }
          for (const r of roles)
            if (r.gpu?.check)
              await gpuPreflight(h.host, { minFreeVramMiB: r.gpu.minFreeVramMiB }, this.ports.logger);
          await this.login(h);
        }),
      ),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length) {
      if (failed.length === 1) throw failed[0]!.reason;
      throw new UserError(
        'preflight',
        `${failed.length} hosts failed:\n${failed.map((f) => errorMessage(f.reason)).join('\n')}`,
        'fix the hosts above; nothing was changed',
      );
    }
  }

  async login(h: HostEntry): Promise<void> {
    const reg = this.inputs.config.registry;
    if (reg?.tunnel) {
      const port = Number(reg.server.split(':')[1]);
      await h.host.forwardRemotePort(port, { host: 'localhost', port });
      this.ports.logger.info(
        `${h.key}: registry ${reg.server} reachable from the host through the SSH tunnel`,
      );
    }
    const user = this.inputs.registryUsername || reg?.username;
    if (!reg || !user || !this.inputs.registryPassword) return;
    await h.host.exec(registryLogin(reg.server, user), {
      input: this.inputs.registryPassword,
      where: `${h.key} registry login to ${reg.server}`,
    });
  }

  async readReleases(h: HostEntry = this.primary): Promise<ReleaseRecord[]> {
    const raw = await h.host.readFile(this.layout(h).releaseLog);
    return raw ? parseReleaseLog(raw.toString('utf8')) : [];
  }

  connectionsPerHost(): Record<string, number> {
    return Object.fromEntries([...this.hosts.values()].map((h) => [h.key, h.host.connectionsOpened ?? 0]));
  }

  close(): void {
    for (const h of this.hosts.values()) h.host.close();
  }
}
