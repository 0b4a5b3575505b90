import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { RoleConfig } from '../config/schema.js';
import { ConfigError, UserError } from '../core/errors.js';
import { activeRelease, type ReleaseRecord, releaseFolder } from '../deploy/release-log.js';
import {
  type ConnectionInputs,
  EnvSession,
  type HostEntry,
  type ReleaseManifest,
  type SessionPorts,
} from '../deploy/session.js';
import { detectCompose } from '../preflight/host-check.js';

export interface Selection {
  /** --role: one role of the environment (default: every role, or the only one). */
  role?: string;
  /** --host: one host of the role(s), as written in ragship.yml or host[:port]. */
  host?: string;
}

/** Host name for prefixes and tables: `host` or `host:port` when the port is not 22. */
export function shortHost(h: HostEntry): string {
  return h.spec.port === 22 ? h.spec.host : `${h.spec.host}:${h.spec.port}`;
}

function hostMatches(h: HostEntry, wanted: string): boolean {
  const { user, host, port } = h.spec;
  return [host, `${host}:${port}`, `${user}@${host}`, `${user}@${host}:${port}`, h.key].includes(wanted);
}

/**
 * A deployed environment as the day-2 verbs see it: the deploy's session (one SSH connection
 * per host), the deploy roots resolved on the hosts, and the release log of record (primary
 * host). Read-only: nothing here changes a host.
 */
export class DeployedEnvironment {
  readonly s: EnvSession;
  records: ReleaseRecord[] = [];
  private readonly composeOf = new Map<string, Promise<string[]>>();

  constructor(inputs: ConnectionInputs, ports: SessionPorts) {
    this.s = new EnvSession(inputs, ports);
  }

  get active(): ReleaseRecord | undefined {
    return activeRelease(this.records);
  }

  /** Roles picked by --role (every role when absent). */
  roles(role?: string): Array<[string, RoleConfig]> {
    if (!role) return this.s.roles;
    const found = this.s.roles.filter(([n]) => n === role);
    if (!found.length)
      throw new ConfigError(
        '--role',
        `${JSON.stringify(role)} is not a role of environment ${this.s.inputs.environment}`,
        `use one of: ${this.s.roles.map(([n]) => n).join(', ')}`,
      );
    return found;
  }

  /** The single role a one-off command runs in: --role, or the environment's only role. */
  oneRole(role?: string): [string, RoleConfig] {
    const roles = this.roles(role);
    if (roles.length > 1)
      throw new ConfigError(
        '--role',
        `environment ${this.s.inputs.environment} has ${roles.length} roles`,
        `pick one with --role (${roles.map(([n]) => n).join(', ')})`,
      );
    return roles[0]!;
  }

  /** Hosts of a role picked by --host (every host of the role when absent). */
  hosts(roleName: string, host?: string): HostEntry[] {
    const all = this.s.roleHosts(roleName);
    if (!host) return all;
    const found = all.filter((h) => hostMatches(h, host));
    if (found.length) return found;
    const elsewhere = [...this.s.hosts.values()].some((h) => hostMatches(h, host));
    throw new ConfigError(
      '--host',
      `${JSON.stringify(host)} is not a host of ${elsewhere ? `role ${roleName}` : `environment ${this.s.inputs.environment}`}`,
      `use one of: ${all.map((h) => shortHost(h)).join(', ')}`,
    );
  }

  /** Resolves the deploy root of every host (in parallel) and reads the release log of record. */
  async open(): Promise<void> {
    await Promise.all(
      [...this.s.hosts.values()].map(async (h) => {
        await this.s.resolveRoot(h);
      }),
    );
    this.records = await this.s.readReleases();
  }

  /** The active release's manifest and compose target on a host, or a clear error. */
  async activeOn(h: HostEntry, roleName: string) {
    const active = this.active;
    if (!active)
      throw new UserError(
        `environment ${this.s.inputs.environment}`,
        `has no successful release on ${this.s.primary.key}`,
        'deploy first (ragship deploy)',
      );
    h.compose = await this.compose(h);
    const rel = await this.s.recordedRelease(h, roleName, releaseFolder(active));
    if (!rel)
      throw new UserError(
        `${h.key}`,
        `the active release ${active.id} has no folder for role ${roleName} under ${h.root}/releases`,
        'deploy again (the folder was removed by hand)',
      );
    return rel;
  }

  /** `docker compose` or `docker-compose`, detected once per host. */
  compose(h: HostEntry): Promise<string[]> {
    let c = this.composeOf.get(h.key);
    if (!c) {
      c = detectCompose(h.host).then((r) => r.compose);
      this.composeOf.set(h.key, c);
    }
    return c;
  }

  /** Rendered compose files of a release: the image each service runs. */
  async releaseImages(h: HostEntry, roleName: string, m: ReleaseManifest): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const dir = this.s.releaseDir(h, releaseFolder(this.active!), roleName);
    for (const f of m.composeFiles) {
      const raw = await h.host.readFile(posix.join(dir, f));
      if (!raw) continue;
      const doc = parseYaml(raw.toString('utf8')) as { services?: Record<string, { image?: unknown }> };
      for (const [name, svc] of Object.entries(doc?.services ?? {}))
        if (typeof svc?.image === 'string') out.set(name, svc.image);
    }
    return out;
  }

  /**
   * Registers the values of the active release's env overlay (the secrets the deploy gave the
   * containers) with the logger, so every line printed afterwards has them masked.
   */
  async maskReleaseEnv(h: HostEntry, roleName: string): Promise<number> {
    const active = this.active;
    if (!active) return 0;
    const raw = await h.host.readFile(
      posix.join(this.s.releaseDir(h, releaseFolder(active), roleName), 'env.yaml'),
    );
    if (!raw) return 0;
    let n = 0;
    for (const value of envValues(raw.toString('utf8'))) {
      this.s.ports.logger.setSecret(value);
      n++;
    }
    return n;
  }

  close(): void {
    this.s.close();
  }
}

/**
 * Values of an env overlay (`services.<s>.environment`, `$` written as `$$` for compose).
 * RAGSHIP_RELEASE is the release id, printed everywhere on purpose.
 */
export function envValues(overlayYaml: string): string[] {
  const doc = parseYaml(overlayYaml) as {
    services?: Record<string, { environment?: Record<string, unknown> }>;
  };
  const values = new Set<string>();
  for (const svc of Object.values(doc?.services ?? {}))
    for (const [k, v] of Object.entries(svc?.environment ?? {}))
      if (k !== 'RAGSHIP_RELEASE' && typeof v === 'string' && v) values.add(v.replace(/\$\$/g, '$'));
  return [...values];
}
