import { parse as parseYaml } from 'yaml';
import { UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import type { Argv } from '../core/shell.js';
import { freeDiskBytes } from './host-check.js';

/**
 * The registry gives compressed layer sizes; a pull keeps the download and writes the unpacked
 * layer (at least as large), so the floor counts each byte twice. An estimate, stated as one.
 */
export const PULL_FACTOR = 2;

/** How long the registry may take to give an image's manifest before its size counts as unknown. */
export const MANIFEST_TIMEOUT_MS = 15_000;

export const pullSpaceCommands = {
  present: (ref: string): Argv => ['docker', 'image', 'inspect', '--format', '{{.Id}}', ref],
  arch: ['docker', 'version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'] as Argv,
  dockerRoot: ['docker', 'info', '--format', '{{.DockerRootDir}}'] as Argv,
  /** Through the host's Docker CLI (its registry login); plain HTTP only to a loopback registry. */
  manifest: (ref: string): Argv => [
    'docker',
    'manifest',
    'inspect',
    ...(/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?\//.test(ref) ? ['--insecure'] : []),
    '--verbose',
    ref,
  ],
};

interface VerboseEntry {
  Descriptor?: { platform?: { os?: string; architecture?: string } };
  SchemaV2Manifest?: { config?: { size?: number }; layers?: Array<{ size?: number }> };
  OCIManifest?: { config?: { size?: number }; layers?: Array<{ size?: number }> };
}

/** Bytes of one image for `platform` (os/arch) from `docker manifest inspect --verbose` output. */
export function manifestBytes(json: string, platform: string): number | undefined {
  let parsed: VerboseEntry | VerboseEntry[];
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  const [os, arch] = platform.split('/');
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  const entry = Array.isArray(parsed)
    ? entries.find((e) => e.Descriptor?.platform?.os === os && e.Descriptor?.platform?.architecture === arch)
    : parsed;
  const m = entry?.SchemaV2Manifest ?? entry?.OCIManifest;
  if (!m?.layers) return undefined;
  return m.layers.reduce((a, l) => a + (l.size ?? 0), m.config?.size ?? 0);
}

export interface PullSpace {
  host: string;
  /** Images this host still has to pull, with their registry size (undefined: unknown). */
  images: Array<{ ref: string; bytes?: number }>;
  freeBytes: number;
  neededBytes: number;
  /** Where the free space was measured (Docker's root dir, else the deploy root). */
  path: string;
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

/**
 * Preflight's disk floor for one host: PULL_FACTOR × the registry size of every image it does
 * not have yet, plus `marginGiB` (the roles' minFreeDiskGiB) kept free after the pull, measured
 * on the filesystem of Docker's root dir. Refuses (before the lock, before anything is pulled)
 * naming the host, what is free and what is needed. An image whose size the registry does not
 * give is counted as 0, with a warning.
 */
export async function checkPullSpace(
  host: Host,
  o: { key: string; refs: string[]; marginGiB: number; fallbackPath: string },
  logger: Logger,
): Promise<PullSpace> {
  const images: PullSpace['images'] = [];
  let platform: string | undefined;
  for (const ref of [...new Set(o.refs)]) {
    if ((await host.exec(pullSpaceCommands.present(ref), { allowFailure: true })).code === 0) continue;
    platform ??=
      (await host.exec(pullSpaceCommands.arch, { allowFailure: true })).stdout.trim() || 'linux/amd64';
    // A registry that does not answer (or stalls) must not block the deploy here: the pull's own
    // timeout reports it. Unknown sizes count as 0, with a warning.
    const r = await host
      .exec(pullSpaceCommands.manifest(ref), { allowFailure: true, timeoutMs: MANIFEST_TIMEOUT_MS })
      .catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
    const bytes = r.code === 0 ? manifestBytes(r.stdout, platform) : undefined;
    if (bytes === undefined)
      logger.warn(
        `${o.key}: the registry did not give the size of ${ref} (${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 200)}); the disk floor counts only minFreeDiskGiB for it`,
      );
    images.push({ ref, bytes });
  }
  const root = (await host.exec(pullSpaceCommands.dockerRoot, { allowFailure: true })).stdout.trim();
  let path = o.fallbackPath;
  let freeBytes: number;
  try {
    if (!/^\/[^\0\n]*$/.test(root)) throw new Error('no docker root');
    freeBytes = await freeDiskBytes(host, root);
    path = root;
  } catch {
    freeBytes = await freeDiskBytes(host, o.fallbackPath);
  }
  const pullBytes = images.reduce((a, i) => a + (i.bytes ?? 0), 0);
  const neededBytes = Math.ceil(PULL_FACTOR * pullBytes + o.marginGiB * 2 ** 30);
  const result = { host: o.key, images, freeBytes, neededBytes, path };
  if (freeBytes < neededBytes)
    throw new UserError(
      `${o.key} preflight`,
      `${gib(freeBytes)} free under ${path}, ${gib(neededBytes)} needed: ${images.length} image(s) to pull of ${gib(pullBytes)} in the registry (×${PULL_FACTOR}: download and unpacked layers) plus minFreeDiskGiB ${o.marginGiB}`,
      'free disk space on the host (docker image prune, old releases), or lower minFreeDiskGiB',
    );
  if (images.length)
    logger.info(
      `${o.key}: ${images.length} image(s) to pull, ${gib(pullBytes)} in the registry; ${gib(freeBytes)} free under ${path}, ${gib(neededBytes)} needed`,
    );
  return result;
}

/** What checkEnvironmentPullSpace needs of a deploy session (EnvSession satisfies it). */
export interface PullSpaceSession {
  hosts: Map<string, { key: string; host: Host; root: string }>;
  roles: Array<[string, { minFreeDiskGiB: number; gpu?: { minDiskGiB?: number } }]>;
  roleHosts(role: string): Array<{ key: string }>;
  ports: { logger: Logger };
}

/**
 * checkPullSpace on every host of a deploy in parallel: each host's images are those of its
 * roles (`imagesOf(role)`), its margin the largest minFreeDiskGiB (+ GPU minDiskGiB) of them.
 */
export async function checkEnvironmentPullSpace(
  s: PullSpaceSession,
  imagesOf: (role: string) => string[],
): Promise<PullSpace[]> {
  const results = await Promise.allSettled(
    [...s.hosts.values()].map((h) => {
      const roles = s.roles.filter(([n]) => s.roleHosts(n).some((x) => x.key === h.key));
      return checkPullSpace(
        h.host,
        {
          key: h.key,
          refs: roles.flatMap(([n]) => imagesOf(n)).filter((r) => r && !r.includes('$')),
          marginGiB: Math.max(0, ...roles.map(([, r]) => r.minFreeDiskGiB + (r.gpu?.minDiskGiB ?? 0))),
          fallbackPath: h.root,
        },
        s.ports.logger,
      );
    }),
  );
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length === 1) throw failed[0]!.reason;
  if (failed.length)
    throw new UserError(
      'preflight',
      `${failed.length} hosts lack disk for the pull:\n${failed.map((f) => (f.reason as Error).message).join('\n')}`,
      'free disk space on those hosts; nothing was changed',
    );
  return results.map((r) => (r as PromiseFulfilledResult<PullSpace>).value);
}

/** The image references a role pulls: the app image, or (appImage: false) its service's own. */
export function pullImagesOf(
  role: { appImage: boolean; service: string },
  bundle: { composeFiles: Array<{ content: string }> },
  image: string,
): string[] {
  if (role.appImage) return [image];
  let ref: unknown;
  for (const f of bundle.composeFiles) {
    const doc = parseYaml(f.content) as { services?: Record<string, { image?: unknown }> } | null;
    ref = doc?.services?.[role.service]?.image ?? ref;
  }
  return typeof ref === 'string' ? [ref] : [];
}
