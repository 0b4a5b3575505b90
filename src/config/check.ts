import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { environmentOf, loadConfig } from './load.js';
import type { RagshipConfig, RoleConfig } from './schema.js';

/**
 * `ragship config check`: ragship.yml and every file it references, with no connection. The
 * same check runs at the start of every deploy (CLI and action), so a missing compose file or a
 * switched service that cannot run twice fails before SSH opens.
 */

/** What a deploy checks only once it is connected (said by `config check` and `--dry-run`). */
export const CONNECTED_CHECKS = [
  'host keys against known_hosts / fingerprints',
  'SSH login as the deploy user',
  'docker and compose on each host, free disk, GPU (roles with gpu:)',
  'registry login and the image digest',
  'the deploy lock',
];

export interface ProjectPaths {
  /** Absolute path of ragship.yml. */
  configPath: string;
  /** Folder the compose files and `files:` are read from. */
  dir: string;
}

/**
 * Where ragship.yml and the files it names are. With a working directory (the action's
 * `working-directory`, the CLI's `--working-directory`) a relative config path is inside it and
 * the files are read from it; without one the files are read from the folder of ragship.yml.
 */
export function projectPaths(config: string, workingDirectory?: string, cwd = process.cwd()): ProjectPaths {
  if (workingDirectory) {
    const dir = resolve(cwd, workingDirectory);
    return { configPath: isAbsolute(config) ? config : join(dir, config), dir };
  }
  const configPath = resolve(cwd, config);
  return { configPath, dir: dirname(configPath) };
}

export interface CheckReport {
  configPath: string;
  dir: string;
  environments: string[];
  /** One line per role: what was checked. */
  checked: string[];
  /** Not errors: things a deploy may still trip on. */
  warnings: string[];
  /** Checked only by a deploy, over SSH. */
  needsConnection: string[];
}

type ComposeService = Record<string, unknown> & {
  ports?: unknown[];
  container_name?: unknown;
};

/** A port entry that binds a fixed host port (two scaled containers cannot both bind it). */
export function hostPortOf(entry: unknown): string | undefined {
  if (typeof entry === 'number') return undefined; // container port only: an ephemeral host port
  if (typeof entry === 'string') {
    const spec = entry.replace(/\/(tcp|udp|sctp)$/, '');
    // "8080" or "8080-8081": container ports only. "H:C", "IP:H:C", "[::1]:H:C": a host port.
    const withoutIp = spec.replace(/^\[[^\]]*\]:/, '').replace(/^[0-9.]+:(?=[^:]*:)/, '');
    const parts = withoutIp.split(':');
    if (parts.length < 2) return undefined;
    return parts[0] ? entry : undefined;
  }
  if (entry && typeof entry === 'object' && 'published' in entry) {
    const p = (entry as { published?: unknown }).published;
    return p === undefined || p === '' ? undefined : JSON.stringify(entry);
  }
  return undefined;
}

function readCompose(
  dir: string,
  file: string,
  where: string,
  problems: string[],
): Record<string, ComposeService> | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) {
    problems.push(
      `${where}: ${file} does not exist in ${dir} — paths are relative to the folder of ragship.yml (or --working-directory); fix the path or move ragship.yml next to the compose files`,
    );
    return undefined;
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'), { merge: true });
  } catch (err) {
    problems.push(
      `${where}: ${file} is not valid YAML (${(err as Error).message.split('\n')[0]}) — fix its syntax`,
    );
    return undefined;
  }
  const services = (doc as { services?: unknown } | null)?.services;
  if (!services || typeof services !== 'object') {
    problems.push(`${where}: ${file} has no services: — give a compose file with a services: section`);
    return undefined;
  }
  return services as Record<string, ComposeService>;
}

function checkRole(
  envName: string,
  roleName: string,
  role: RoleConfig,
  dir: string,
  problems: string[],
  warnings: string[],
): string {
  const at = `environments.${envName}.roles.${roleName}`;
  const services = new Map<string, ComposeService>();
  const inFiles = new Set<string>();
  role.compose.forEach((file, i) => {
    const s = readCompose(dir, file, `${at}.compose[${i}]`, problems);
    for (const [name, svc] of Object.entries(s ?? {})) {
      inFiles.add(name);
      if (role.services && !role.services.includes(name)) continue;
      services.set(name, { ...(services.get(name) ?? {}), ...(svc ?? {}) });
    }
  });
  const known = [...services.keys()];
  const composeNames = role.compose.join(', ');
  const must = (service: string | undefined, key: string) => {
    if (!service || services.size === 0 || services.has(service)) return;
    problems.push(
      `${at}.${key}: service ${JSON.stringify(service)} is not in ${composeNames}${role.services ? ' (after services:)' : ''} — use one of: ${known.join(', ') || '(none)'}`,
    );
  };
  must(role.service, 'service');
  for (const [i, s] of role.imageServices.entries()) must(s, `imageServices[${i}]`);
  for (const [i, s] of (role.services ?? []).entries()) {
    if (inFiles.size > 0 && !inFiles.has(s))
      problems.push(
        `${at}.services[${i}]: ${JSON.stringify(s)} is not a service of ${composeNames} — remove it or fix the name`,
      );
  }
  must(role.migrate?.service, 'migrate.service');
  must(role.prefetch?.service, 'prefetch.service');
  must(role.proxy?.service, 'proxy.service');

  const switched = services.get(role.service);
  if (switched && (role.strategy === 'zero-downtime' || role.replicas > 1)) {
    const why =
      role.strategy === 'zero-downtime'
        ? 'the zero-downtime switch runs the new container beside the old one (--scale)'
        : `replicas: ${role.replicas} runs several containers of it`;
    if (switched.container_name !== undefined)
      problems.push(
        `${at}.service: compose service ${JSON.stringify(role.service)} sets container_name (${String(switched.container_name)}), but ${why} and two containers cannot share a name — remove container_name from the service`,
      );
    const fixed = (Array.isArray(switched.ports) ? switched.ports : []).map(hostPortOf).filter(Boolean);
    if (fixed.length)
      problems.push(
        `${at}.service: compose service ${JSON.stringify(role.service)} publishes host port(s) ${fixed.join(', ')}, but ${why} and two containers cannot bind one host port — replace ports: with expose: ["${role.proxy?.port ?? role.health.port}"]; the proxy (${role.proxy?.service ?? 'nginx'}) publishes the public ports`,
      );
  }

  const files = [
    ...role.files,
    ...(role.proxy?.tls?.acme.serverConf ? [role.proxy.tls.acme.serverConf] : []),
  ];
  files.forEach((f) => {
    const path = join(dir, f);
    const key = role.files.includes(f) ? `${at}.files` : `${at}.proxy.tls.acme.serverConf`;
    if (!existsSync(path))
      problems.push(
        `${key}: ${f} does not exist in ${dir} — list files that exist, relative to the folder of ragship.yml`,
      );
    else if (!statSync(path).isFile()) problems.push(`${key}: ${f} is a folder — list files, one by one`);
  });
  if (role.proxy?.tls?.acme.serverConf && !role.files.includes(role.proxy.tls.acme.serverConf))
    problems.push(
      `${at}.proxy.tls.acme.serverConf: ${role.proxy.tls.acme.serverConf} is not in files: — add it to files: so it is copied to the host`,
    );

  if (role.proxy) {
    // The nginx config must use the upstream ragship rewrites; warn when no copied file names it.
    const mentions = role.files.some((f) => {
      try {
        return readFileSync(join(dir, f), 'utf8').includes(role.proxy!.upstream);
      } catch {
        return false;
      }
    });
    if (!mentions)
      warnings.push(
        `${at}.proxy.upstream: no file in files: mentions ${JSON.stringify(role.proxy.upstream)} — the nginx config must \`include\` the folder of proxy.file (${dirname(role.proxy.file)}) and \`proxy_pass http://${role.proxy.upstream}\` (ignore this when the config is built into the nginx image)`,
      );
  }
  return `${envName}/${roleName}: ${role.compose.join(', ')} (${known.length} services), service ${role.service}${role.proxy ? `, proxy ${role.proxy.service}` : ''}${role.files.length ? `, files ${role.files.join(', ')}` : ''}`;
}

/**
 * Checks a loaded config's files for one environment (or all). Throws one ConfigError that lists
 * every problem, each with its fix.
 */
export function checkProject(
  config: RagshipConfig,
  options: { dir: string; environment?: string; configPath?: string },
): CheckReport {
  const names = options.environment
    ? (environmentOf(config, options.environment), [options.environment])
    : Object.keys(config.environments);
  const problems: string[] = [];
  const warnings: string[] = [];
  const checked: string[] = [];
  for (const envName of names) {
    const env = config.environments[envName]!;
    for (const [roleName, role] of Object.entries(env.roles))
      checked.push(checkRole(envName, roleName, role, options.dir, problems, warnings));
  }
  const label = options.configPath
    ? relative(process.cwd(), options.configPath) || options.configPath
    : 'ragship.yml';
  if (problems.length === 1) {
    const [where, ...rest] = problems[0]!.split(': ');
    const text = rest.join(': ');
    const cut = text.lastIndexOf(' — ');
    throw new ConfigError(`${label} ${where}`, text.slice(0, cut), text.slice(cut + 3));
  }
  if (problems.length)
    throw new ConfigError(label, `${problems.length} problems:\n${problems.join('\n')}`, '');
  return {
    configPath: options.configPath ?? '',
    dir: options.dir,
    environments: names,
    checked,
    warnings,
    needsConnection: CONNECTED_CHECKS,
  };
}

/** `ragship config check`: load + check, no connection. */
export function checkConfigFile(options: {
  config: string;
  workingDirectory?: string;
  environment?: string;
}): CheckReport {
  const paths = projectPaths(options.config, options.workingDirectory);
  const config = loadConfig(paths.configPath);
  return checkProject(config, {
    dir: paths.dir,
    environment: options.environment,
    configPath: paths.configPath,
  });
}
