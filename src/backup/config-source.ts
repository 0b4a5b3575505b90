import { environmentOf, loadConfig } from '../config/load.js';
import type { RagshipConfig } from '../config/schema.js';
import { ConfigError, UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import { grammars } from '../core/validate.js';
import type { EnvLockTarget } from './env-lock.js';

/**
 * Where an environment's Chroma runs, read from `ragship.yml`: the first host of the role that
 * runs the Chroma service, and the compose project the deploy gave it
 * (`<app>-<environment>-<role>`, as src/deploy/session.ts names it). The container itself is
 * found on the host by compose labels, so compose v1 (`p_chroma_1`) and v2 (`p-chroma-1`)
 * names both work.
 */
export interface ConfigSource {
  /** `app` of ragship.yml (the `app` label of the pushed backup metrics). */
  app: string;
  role: string;
  /** user@host:port */
  hostSpec: string;
  project: string;
  service: string;
  /** The environment's deploy lock, which a physical backup and a restore take. */
  lock?: EnvLockTarget;
}

export function sourceFromConfig(
  config: RagshipConfig,
  environment: string,
  o: { role?: string; service?: string; where?: string } = {},
): ConfigSource {
  const where = o.where ?? 'ragship.yml';
  const service = o.service || 'chroma';
  if (!grammars.service.pattern.test(service))
    throw new ConfigError(
      "input 'chroma-service'",
      `${JSON.stringify(service)} is not a compose service name`,
      'use e.g. chroma',
    );
  const env = environmentOf(config, environment);
  const roles = Object.entries(env.roles);
  let role: string;
  if (o.role) {
    if (!env.roles[o.role])
      throw new ConfigError(
        "input 'role'",
        `${JSON.stringify(o.role)} is not a role of environment ${environment} in ${where}`,
        `use one of: ${roles.map(([n]) => n).join(', ')}`,
      );
    role = o.role;
  } else {
    // Roles that run every service of their compose files, or name the Chroma service.
    const candidates = roles.filter(([, r]) => !r.services || r.services.includes(service));
    if (candidates.length !== 1)
      throw new ConfigError(
        `environment ${environment} in ${where}`,
        candidates.length
          ? `has several roles that may run ${service} (${candidates.map(([n]) => n).join(', ')})`
          : `has no role that runs ${service}`,
        'name the role with input `role` (CLI: --role)',
      );
    role = candidates[0]![0];
  }
  const r = env.roles[role]!;
  if (r.services && !r.services.includes(service))
    throw new ConfigError(
      `environments.${environment}.roles.${role}`,
      `runs only ${r.services.join(', ')}, not ${service}`,
      'pick the role that runs Chroma, or set chroma-service',
    );
  return {
    app: config.app,
    role,
    hostSpec: r.hosts[0]!,
    project: `${config.app}-${environment}-${role}`,
    service,
    lock: {
      hostSpec: roles[0]![1].hosts[0]!,
      root: env.root,
      app: config.app,
      environment,
      ttlSeconds: config.lock.ttl,
      waitSeconds: config.lock.wait,
    },
  };
}

/** Reads ragship.yml and picks the environment's Chroma (see sourceFromConfig). */
export function loadConfigSource(
  path: string,
  environment: string,
  o: { role?: string; service?: string } = {},
): ConfigSource {
  return sourceFromConfig(loadConfig(path), environment, { ...o, where: path });
}

/** docker ps argv: the running containers of one compose service, by name. */
export function composeServiceNames(project: string, service: string): string[] {
  return [
    'docker',
    'ps',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
    '--format',
    '{{.Names}}',
  ];
}

/** The one running container of a compose service on the host. */
export async function resolveComposeContainer(
  host: Host,
  compose: { project: string; service: string },
): Promise<string> {
  const r = await host.exec(composeServiceNames(compose.project, compose.service), {
    where: `${host.label}: docker ps (${compose.project}/${compose.service})`,
  });
  const names = r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (names.length !== 1)
    throw new UserError(
      `${host.label}: compose project ${compose.project}`,
      names.length
        ? `runs ${names.length} ${compose.service} containers (${names.join(', ')})`
        : `has no running ${compose.service} container`,
      names.length
        ? 'pass the container name with input `container`'
        : 'deploy the environment first, or pass host and container explicitly',
    );
  return names[0]!;
}
