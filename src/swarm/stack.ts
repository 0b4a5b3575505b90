import { posix } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import type { HealthConfig, RoleConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { sha256 } from '../deploy/env-file.js';
import { imageServicesOf, type RoleBundle } from '../deploy/render.js';

/** Where each ragship secret is mounted in a task (Swarm keeps it in memory: a tmpfs). */
export const SECRET_PREFIX = 'ragship.';

/**
 * Turns /run/secrets/ragship.<KEY> into the env var KEY, byte for byte (a trailing newline, `$`,
 * quotes stay as they were: nothing is evaluated), then runs the service's own command. So the
 * app reads its secrets from the environment as on compose hosts, and no env file exists.
 */
export const SECRETS_TO_ENV =
  'for f in /run/secrets/ragship.*; do [ -f "$f" ] || continue; k=${f##*/ragship.}; ' +
  'v=$(cat "$f"; printf x); v=${v%x}; export "$k=$v"; done; unset f k v; exec "$@"';

export interface ImageCommand {
  entrypoint: string[] | null;
  cmd: string[] | null;
}

export interface StackInput {
  stack: string;
  releaseId: string;
  /** Per role: the compose bundle rendered by deploy/render (images pinned by digest). */
  bundles: Map<string, RoleBundle>;
  roles: Array<[string, RoleConfig]>;
  /** env key → Swarm secret name of this release. */
  secrets: Record<string, string>;
  /** Entrypoint/cmd of every image a secret-receiving service runs (from the manager). */
  commands: Map<string, ImageCommand>;
  /** Absolute folder on the manager where the role's `files:` were uploaded. */
  filesDir: (roleName: string) => string;
}

export interface StackFile {
  name: string;
  content: string;
}

type Service = Record<string, unknown> & { deploy?: Record<string, unknown> };

/** `docker stack deploy` interpolates `$` in compose files: literal text is written as `$$`. */
export const literal = (text: string): string => text.replaceAll('$', () => '$$');

/** `docker stack deploy` healthcheck + update policy from the role's health settings. */
export function healthcheckOf(h: HealthConfig, existing: unknown): Record<string, unknown> | undefined {
  if (h.compose) return existing as Record<string, unknown> | undefined;
  const url = `http://127.0.0.1:${h.port}${h.http}`;
  // Whatever the image has: curl, wget, or node (the probe runs inside the task).
  const node = `node -e "require('http').get('${url}',r=>process.exit(r.statusCode<400?0:1)).on('error',()=>process.exit(1))"`;
  return {
    test: [
      'CMD-SHELL',
      `curl -fsS -o /dev/null '${url}' 2>/dev/null || wget -q -O /dev/null '${url}' 2>/dev/null || ${node}`,
    ],
    interval: `${Math.max(1, h.interval)}s`,
    timeout: `${Math.max(2, Math.min(10, h.interval * 5))}s`,
    retries: Math.max(h.successes, 3),
    start_period: `${Math.max(1, h.timeout)}s`,
  };
}

/** update_config / rollback_config: one task at a time, new before old, Swarm rolls back. */
export function updatePolicy(role: RoleConfig): Record<string, unknown> {
  const monitor = Math.max(5, Math.ceil(role.health.interval * (role.health.successes + 2)));
  return {
    update_config: {
      parallelism: 1,
      delay: '0s',
      order: 'start-first',
      failure_action: 'rollback',
      monitor: `${monitor}s`,
      max_failure_ratio: 0,
    },
    rollback_config: {
      parallelism: 1,
      delay: '0s',
      order: 'start-first',
      failure_action: 'pause',
      monitor: `${monitor}s`,
    },
  };
}

function commandOf(svc: Service, image: ImageCommand | undefined, where: string): string[] {
  const asList = (v: unknown): string[] | null =>
    v == null ? null : Array.isArray(v) ? v.map(String) : ['/bin/sh', '-c', String(v)];
  const fromImage = (v: string[] | null | undefined) => (v ? v.map(literal) : null);
  const entrypoint = svc.entrypoint !== undefined ? asList(svc.entrypoint) : fromImage(image?.entrypoint);
  // An entrypoint set in the compose file drops the image's CMD (as `docker run --entrypoint`).
  const cmd =
    svc.command !== undefined
      ? asList(svc.command)
      : svc.entrypoint !== undefined
        ? null
        : fromImage(image?.cmd);
  const all = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (!all.length)
    throw new ConfigError(
      where,
      'the image has no command to run after the secrets are read',
      'set `command:` in the compose file',
    );
  return all;
}

/** The release's stack files: one per compose file of each role, in role order. */
export function renderStack(i: StackInput): { files: StackFile[]; hash: string; services: string[] } {
  const files: StackFile[] = [];
  const services: string[] = [];
  const secretEntries = Object.entries(i.secrets);
  for (const [roleName, role] of i.roles) {
    const b = i.bundles.get(roleName)!;
    const pinned = imageServicesOf(role);
    const receivers = new Set(pinned.length ? pinned : [role.service]);
    const oneOff = new Set([role.migrate?.service, role.prefetch?.service].filter(Boolean) as string[]);
    b.composeFiles.forEach((f, n) => {
      const doc = (parseYaml(f.content) ?? {}) as {
        version?: string;
        services?: Record<string, Service>;
        secrets?: Record<string, unknown>;
        configs?: Record<string, { file?: string; name?: string }>;
      };
      doc.version = '3.8';
      for (const [name, svc] of Object.entries(doc.services ?? {})) {
        if (oneOff.has(name) || svc.profiles) {
          // One-offs run as the migration job, never as a service of the stack.
          delete doc.services![name];
          continue;
        }
        const where = `roles.${roleName} service ${name}`;
        for (const k of ['build', 'container_name', 'depends_on', 'restart', 'env_file', 'profiles'])
          delete svc[k];
        if (receivers.has(name) && secretEntries.length) {
          const image = String(svc.image ?? '');
          const command = commandOf(svc, i.commands.get(image), where);
          svc.entrypoint = ['/bin/sh', '-c', literal(SECRETS_TO_ENV), 'ragship'];
          svc.command = command;
          svc.secrets = [
            ...((svc.secrets as unknown[]) ?? []),
            ...secretEntries.map(([key, source]) => ({ source, target: `${SECRET_PREFIX}${key}` })),
          ];
        }
        if (receivers.has(name)) {
          svc.environment = {
            ...(Array.isArray(svc.environment)
              ? Object.fromEntries(
                  (svc.environment as string[]).map((e) => [
                    e.split('=')[0],
                    e.split('=').slice(1).join('='),
                  ]),
                )
              : ((svc.environment as Record<string, string>) ?? {})),
            RAGSHIP_RELEASE: i.releaseId,
          };
        }
        if (name === role.service) {
          svc.deploy ??= {};
          const deploy = svc.deploy;
          deploy.replicas ??= role.replicas;
          Object.assign(deploy, updatePolicy(role));
          // Tasks are reached by their own addresses (tasks.<service>): no virtual IP, which
          // needs IPVS in the kernel (docs/swarm.md).
          if (role.proxy) deploy.endpoint_mode ??= 'dnsrr';
          const hc = healthcheckOf(role.health, svc.healthcheck);
          if (hc) svc.healthcheck = hc;
          svc.stop_grace_period = `${Math.round(role.stopGrace)}s`;
        }
        if (role.proxy && name === role.proxy.service) {
          svc.deploy ??= {};
          const deploy = svc.deploy;
          // One proxy per node, published on the node itself (no ingress mesh needed).
          deploy.mode ??= 'global';
          deploy.update_config ??= { parallelism: 1, order: 'stop-first', failure_action: 'rollback' };
        }
        services.push(`${i.stack}_${name}`);
      }
      if (secretEntries.length)
        doc.secrets = {
          ...(doc.secrets ?? {}),
          ...Object.fromEntries(secretEntries.map(([, source]) => [source, { external: true }])),
        };
      for (const [cname, c] of Object.entries(doc.configs ?? {})) {
        if (!c.file) continue;
        const path = posix.isAbsolute(c.file)
          ? c.file
          : posix.join(i.filesDir(roleName), posix.normalize(c.file));
        if (!path.startsWith(`${i.filesDir(roleName)}/`) && !posix.isAbsolute(c.file))
          throw new ConfigError(
            `roles.${roleName}.compose`,
            `config ${cname} points outside the repo`,
            'list it in files:',
          );
        const fromFile = b.files.find((x) => posix.join(i.filesDir(roleName), x.path) === path);
        c.file = path;
        // Swarm configs cannot change in place: a new name whenever the content does.
        c.name ??= `${i.stack}_${cname}_${sha256(fromFile?.content ?? path).slice(7, 19)}`;
      }
      files.push({ name: `stack-${roleName}-${n}.yaml`, content: stringify(doc, { lineWidth: 0 }) });
    });
  }
  return { files, hash: sha256(files.map((f) => f.content).join('\0')), services: [...new Set(services)] };
}
