import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import type { RoleConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { envOverlay, sha256 } from './env-file.js';
import { keyedEnvHash } from './env-hash.js';

/** What is uploaded into <root>/releases/<id>/<role>/ (paths relative to that folder). */
export interface RoleBundle {
  role: string;
  /** Rendered compose files: image pinned by digest on every service that runs the app image. */
  composeFiles: Array<{ name: string; content: string }>;
  /** The secrets overlay (0600). */
  envOverlay: { name: string; content: string };
  /** Non-secret interpolation variables. */
  composeEnv: { name: string; content: string };
  /** Bind-mounted files, relative to the project directory. */
  files: Array<{ path: string; content: Buffer }>;
  services: string[];
  /** Long-running services other than the switched one, the proxy and one-offs. */
  supportServices: string[];
  composeHash: string;
  envHash: string;
}

/** Services pinned to the deployed app image (none for a role with `appImage: false`). */
export function imageServicesOf(role: RoleConfig): string[] {
  if (!role.appImage) return [];
  return [...new Set([role.service, ...role.imageServices, ...(role.migrate ? [role.migrate.service] : [])])];
}

/** Services whose images are pulled before anything changes: the app image, or the role's own. */
export function pullServicesOf(role: RoleConfig): string[] {
  return role.appImage ? imageServicesOf(role) : [role.service];
}

export function renderRole(
  roleName: string,
  role: RoleConfig,
  repoDir: string,
  image: string,
  env: Record<string, string>,
  releaseId: string,
  /** The primary host's env-hash key (env-hash.ts): envHash is keyed; without it, plain SHA-256. */
  envKey?: Buffer,
): RoleBundle {
  const pinned = imageServicesOf(role);
  const services = new Map<string, Record<string, unknown>>();
  const composeFiles = role.compose.map((file, i) => {
    let doc: { services?: Record<string, Record<string, unknown>> };
    try {
      doc = parseYaml(readFileSync(join(repoDir, file), 'utf8')) ?? {};
    } catch (err) {
      throw new ConfigError(
        `roles.${roleName}.compose[${i}]`,
        `cannot read ${file}: ${(err as Error).message}`,
        'give a compose file path relative to the repo root',
      );
    }
    if (role.services && doc.services) {
      // A role runs a subset of shared compose files (e.g. only vllm of compose.gpu.yaml).
      for (const name of Object.keys(doc.services))
        if (!role.services.includes(name)) delete doc.services[name];
    }
    for (const [name, svc] of Object.entries(doc.services ?? {})) {
      services.set(name, { ...(services.get(name) ?? {}), ...svc });
      if (pinned.includes(name)) svc.image = image;
    }
    // YAML 1.1 output: compose v1 reads with PyYAML, where an unquoted `no`/`on` is a boolean.
    return {
      name: `compose-${i}-${posix.basename(file)}`,
      content: stringify(doc, { lineWidth: 0, version: '1.1' }),
    };
  });
  for (const s of [...new Set([role.service, ...pinned, ...(role.services ?? [])])]) {
    if (!services.has(s))
      throw new ConfigError(
        `roles.${roleName}`,
        `service ${JSON.stringify(s)} is not in ${role.compose.join(', ')}`,
        `use one of: ${[...services.keys()].join(', ')}`,
      );
  }
  if (role.proxy && !services.has(role.proxy.service)) {
    throw new ConfigError(
      `roles.${roleName}.proxy.service`,
      `${JSON.stringify(role.proxy.service)} is not a service of ${role.compose.join(', ')}`,
      `use one of: ${[...services.keys()].join(', ')}`,
    );
  }
  const oneOff = new Set([role.migrate?.service, role.prefetch?.service].filter(Boolean) as string[]);
  const supportServices = [...services.entries()]
    .filter(([n, s]) => n !== role.service && n !== role.proxy?.service && !oneOff.has(n) && !s.profiles)
    .map(([n]) => n);
  // A role without the app image (vLLM) still receives the deploy's env (e.g. HF_TOKEN).
  const envServices = pinned.length ? pinned : [role.service];
  const overlay = envOverlay(envServices, { ...env, RAGSHIP_RELEASE: releaseId });
  const composeEnv = Object.entries(role.vars)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  const files = role.files.map((f) => {
    try {
      return { path: f, content: readFileSync(join(repoDir, f)) };
    } catch (err) {
      throw new ConfigError(
        `roles.${roleName}.files`,
        `cannot read ${f}: ${(err as Error).message}`,
        'list files that exist, relative to the repo root',
      );
    }
  });
  // The compose hash covers everything but secrets, so a rollback shows what changed.
  const composeHash = sha256(
    [
      ...composeFiles.map((f) => f.content),
      composeEnv,
      ...files.map((f) => `${f.path}\0${f.content.toString('base64')}`),
    ].join('\0'),
  );
  const envMaterial = envOverlay(envServices, env);
  const envHash = envKey ? keyedEnvHash(envKey, envMaterial) : sha256(envMaterial);
  return {
    role: roleName,
    composeFiles,
    envOverlay: { name: 'env.yaml', content: overlay },
    composeEnv: { name: 'compose.env', content: composeEnv },
    files,
    services: [...services.keys()],
    supportServices,
    composeHash,
    envHash,
  };
}
