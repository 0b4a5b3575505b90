import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { parseHostSpec } from '../core/validate.js';
import { describeIssues } from './issues.js';
import { configSchema, type EnvironmentConfig, type RagshipConfig } from './schema.js';

export { keyPath } from './issues.js';

/** Parses and validates ragship.yml text; every error names the key and the fix. */
export function parseConfig(text: string, file = 'ragship.yml'): RagshipConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(file, `is not valid YAML: ${(err as Error).message}`, 'fix the YAML syntax');
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issues = describeIssues(configSchema, result.error.issues, raw, 'docs/configuration.md');
    const first = issues[0]!;
    if (issues.length === 1) throw new ConfigError(`${file} ${first.path}`, first.problem, first.fix);
    const lines = issues.map((i) => `${i.path}: ${i.problem} — ${i.fix}`);
    throw new ConfigError(file, `${issues.length} problems:\n${lines.join('\n')}`, '');
  }
  const config = result.data;
  // Host specs have their own grammar with better messages than a regex.
  for (const [envName, env] of Object.entries(config.environments)) {
    for (const [roleName, role] of Object.entries(env.roles)) {
      for (const [i, h] of role.hosts.entries())
        parseHostSpec(h, `${file} environments.${envName}.roles.${roleName}.hosts[${i}]`);
      // Swarm rolls the service itself (start-first updates): no ragship-switched proxy needed.
      if (role.strategy === 'zero-downtime' && !role.proxy && env.engine !== 'swarm') {
        throw new ConfigError(
          `${file} environments.${envName}.roles.${roleName}.proxy`,
          'is required for strategy zero-downtime',
          'name the nginx service, upstream, port and file, or use strategy: recreate',
        );
      }
      if (role.static) {
        const where = `${file} environments.${envName}.roles.${roleName}.static`;
        if (!role.appImage)
          throw new ConfigError(
            where,
            'needs the app image (appImage: false)',
            'remove static or set appImage: true',
          );
        // The published folder belongs to ragship (prune removes what no release has): it must
        // not be the project directory or hold the role's own files.
        const dir = posix.normalize(role.static.dir).replace(/\/+$/, '');
        const inside = (p: string) => {
          const n = posix.normalize(p);
          return n === dir || n.startsWith(`${dir}/`) || dir.startsWith(`${n}/`);
        };
        const clash = [...role.files, ...(role.proxy ? [role.proxy.file] : [])].find(inside);
        if (dir === '.' || clash)
          throw new ConfigError(
            `${where}.dir`,
            dir === '.' ? 'must be a folder below the project directory' : `overlaps ${clash}`,
            'use a folder of its own, e.g. web/dist',
          );
      }
    }
  }
  return config;
}

export function loadConfig(path: string): RagshipConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      path,
      `cannot be read: ${(err as Error).message}`,
      'create ragship.yml at the repo root or pass --config',
    );
  }
  return parseConfig(text, path);
}

export function environmentOf(config: RagshipConfig, name: string, where = 'environment'): EnvironmentConfig {
  // Own keys only: `__proto__` or `toString` is not an environment.
  const env = Object.hasOwn(config.environments, name) ? config.environments[name] : undefined;
  if (!env) {
    throw new ConfigError(
      where,
      `${JSON.stringify(name)} is not defined in ragship.yml`,
      `use one of: ${Object.keys(config.environments).join(', ')}`,
    );
  }
  return env;
}
