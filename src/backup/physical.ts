import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import type { Argv } from '../core/shell.js';
import { ChromaApi } from './chroma-api.js';
import { openTunnel, type Tunnel } from './tunnel.js';

/** Container names as Docker accepts them (validated before any command is built). */
export const CONTAINER = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
export const PERSIST_PATH = /^\/[A-Za-z0-9_./-]{0,255}$/;

export function checkContainer(name: string, where: string): string {
  if (!CONTAINER.test(name))
    throw new UserError(
      where,
      `${JSON.stringify(name)} is not a container name`,
      'use the name shown by `docker ps`, e.g. app-chroma-1',
    );
  return name;
}
export function checkPersistPath(path: string, where: string): string {
  if (!PERSIST_PATH.test(path) || path.split('/').includes('..'))
    throw new UserError(
      where,
      `${JSON.stringify(path)} is not an absolute path inside the container`,
      'use e.g. /data',
    );
  return path.replace(/(.)\/+$/, '$1');
}

/** Command builders (data, tested without a host). */
export const commands = {
  stop: (container: string, graceSeconds: number): Argv => [
    'docker',
    'stop',
    '--time',
    String(graceSeconds),
    container,
  ],
  start: (container: string): Argv => ['docker', 'start', container],
  state: (container: string): Argv => ['docker', 'inspect', '--format', '{{json .State}}', container],
  ip: (container: string): Argv => [
    'docker',
    'inspect',
    '--format',
    '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}',
    container,
  ],
  size: (container: string, path: string): Argv => ['docker', 'exec', container, 'du', '-sb', path],
  /** `docker cp` streams a tar of a stopped container's path (volumes included). */
  copyOut: (container: string, path: string): Argv => ['docker', 'cp', `${container}:${path}`, '-'],
  copyIn: (container: string, parent: string): Argv => ['docker', 'cp', '-', `${container}:${parent}`],
  mounts: (container: string): Argv => ['docker', 'inspect', '--format', '{{json .Mounts}}', container],
  imageId: (container: string): Argv => ['docker', 'inspect', '--format', '{{.Image}}', container],
  /** A volume next to Docker's other volumes: same filesystem, so `cp --reflink` can share blocks. */
  snapshotVolume: (volume: string, container: string): Argv => [
    'docker',
    'volume',
    'create',
    '--label',
    `${SNAPSHOT_LABEL}=${container}`,
    volume,
  ],
  /** Copies the persist dir of the stopped container into the snapshot volume, on the host. */
  snapshotCopy: (container: string, image: string, volume: string, path: string): Argv => [
    'docker',
    'run',
    '--rm',
    '--network',
    'none',
    '--label',
    `${SNAPSHOT_LABEL}=${container}`,
    '--volumes-from',
    container,
    '-v',
    `${volume}:${SNAPSHOT_DIR}`,
    '--entrypoint',
    'cp',
    image,
    '-a',
    '--reflink=auto',
    path,
    `${SNAPSHOT_DIR}/`,
  ],
  /** A never-started container holding the snapshot volume, for `docker cp` to read from. */
  snapshotHolder: (holder: string, image: string, volume: string, container: string): Argv => [
    'docker',
    'create',
    '--name',
    holder,
    '--network',
    'none',
    '--label',
    `${SNAPSHOT_LABEL}=${container}`,
    '-v',
    `${volume}:${SNAPSHOT_DIR}`,
    image,
  ],
  snapshotCopyOut: (holder: string, path: string): Argv => [
    'docker',
    'cp',
    `${holder}:${SNAPSHOT_DIR}/${posix.basename(path)}`,
    '-',
  ],
  snapshotLeftovers: (container: string, what: 'container' | 'volume'): Argv =>
    what === 'container'
      ? ['docker', 'ps', '-a', '--filter', `label=${SNAPSHOT_LABEL}=${container}`, '--format', '{{.Names}}']
      : ['docker', 'volume', 'ls', '-q', '--filter', `label=${SNAPSHOT_LABEL}=${container}`],
  /** `-v`: the holder's anonymous volumes (an image's VOLUME lines) go with it. */
  removeContainers: (names: string[]): Argv => ['docker', 'rm', '-f', '-v', ...names],
  removeVolumes: (names: string[]): Argv => ['docker', 'volume', 'rm', '-f', ...names],
};

export const SNAPSHOT_LABEL = 'ragship.backup-snapshot-of';
const SNAPSHOT_DIR = '/ragship-snapshot';

export interface LocalSnapshot {
  /** Time of the copy on the host (part of the downtime). */
  copyMs: number;
  /** `docker cp` of the snapshot: a tar of the persist dir, as from the container itself. */
  copyOut: Argv;
  /** Removes the holder container and the snapshot volume. */
  remove(): Promise<void>;
}

/** Whether `path` lies on a volume or bind mount of the container (what --volumes-from sees). */
export function onMount(mounts: Array<{ Destination?: string }>, path: string): boolean {
  return mounts.some(
    (m) =>
      m.Destination && (path === m.Destination || path.startsWith(`${m.Destination.replace(/\/$/, '')}/`)),
  );
}

/**
 * Local snapshot of a STOPPED container's persist dir on its host: a copy into a fresh Docker
 * volume (`cp -a --reflink=auto`, so filesystems with reflinks — XFS, Btrfs — share blocks),
 * held by a never-started container. Chroma can restart as soon as this returns; the copy is
 * streamed afterwards. Undefined (with a warning) when the snapshot cannot be taken — the
 * persist dir is not on a mount, the image has no `cp`, the disk is full — and the caller
 * streams straight from the stopped container instead.
 */
export async function takeLocalSnapshot(
  host: Host,
  container: string,
  persistPath: string,
  id: string,
  logger: Logger,
): Promise<LocalSnapshot | undefined> {
  if (persistPath === '/') return undefined;
  const name = `ragship-snapshot-${container}-${id}`.toLowerCase().replace(/[^a-z0-9_.-]/g, '-');
  let created = false;
  const remove = async () => {
    if (!created) return;
    await host.exec(commands.removeContainers([name]), { allowFailure: true });
    await host.exec(commands.removeVolumes([name]), { allowFailure: true });
  };
  try {
    const mounts = JSON.parse((await host.exec(commands.mounts(container))).stdout || '[]') ?? [];
    if (!onMount(mounts, persistPath)) {
      logger.warn(
        `${container}:${persistPath} is not on a volume or bind mount: no local snapshot, Chroma stays stopped while the archive streams`,
      );
      return undefined;
    }
    const image = (await host.exec(commands.imageId(container))).stdout.trim();
    created = true;
    await host.exec(commands.snapshotVolume(name, container), { where: `${host.label}: snapshot volume` });
    const started = Date.now();
    await host.exec(commands.snapshotCopy(container, image, name, persistPath), {
      where: `${host.label}: local snapshot of ${container}:${persistPath}`,
      timeoutMs: 6 * 3600_000,
    });
    const copyMs = Date.now() - started;
    await host.exec(commands.snapshotHolder(name, image, name, container), {
      where: `${host.label}: snapshot holder`,
    });
    logger.info(`local snapshot of ${container}:${persistPath} taken in ${(copyMs / 1000).toFixed(2)} s`);
    return { copyMs, copyOut: commands.snapshotCopyOut(name, persistPath), remove };
  } catch (err) {
    await remove();
    logger.warn(
      `no local snapshot (${(err as Error).message.slice(0, 300)}): Chroma stays stopped while the archive streams`,
    );
    return undefined;
  }
}

/** Removes snapshots of `container` left by killed runs (one backup per environment runs at a time). */
export async function sweepSnapshots(host: Host, container: string, logger: Logger): Promise<number> {
  const names = (r: { stdout: string }) => r.stdout.split(/\s+/).filter(Boolean);
  const holders = names(
    await host.exec(commands.snapshotLeftovers(container, 'container'), { allowFailure: true }),
  );
  if (holders.length) await host.exec(commands.removeContainers(holders), { allowFailure: true });
  const volumes = names(
    await host.exec(commands.snapshotLeftovers(container, 'volume'), { allowFailure: true }),
  );
  if (volumes.length) await host.exec(commands.removeVolumes(volumes), { allowFailure: true });
  if (holders.length + volumes.length)
    logger.info(`removed ${volumes.length} snapshot volume(s) of ${container} left by an earlier run`);
  return volumes.length;
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  OOMKilled: boolean;
  Health?: { Status: string };
}

export async function containerState(host: Host, container: string): Promise<ContainerState> {
  const r = await host.exec(commands.state(container), {
    where: `${host.label}: docker inspect ${container}`,
  });
  return JSON.parse(r.stdout) as ContainerState;
}

/** The API of a Chroma container as the runner reaches it: through the SSH connection. */
export async function tunnelToContainer(
  host: Host,
  container: string,
  port: number,
): Promise<{ api: ChromaApi; tunnel: Tunnel }> {
  const r = await host.exec(commands.ip(container));
  const ip = r.stdout.trim().split(/\s+/)[0];
  if (!ip)
    throw new UserError(
      `${host.label}: ${container}`,
      'has no IP address on a Docker network',
      'is the container running on a bridge network?',
    );
  const tunnel = await openTunnel(host, ip, port);
  return { api: new ChromaApi(tunnel.url), tunnel };
}

export interface ColdCopy {
  /** Stops Chroma; fails if it had to be SIGKILLed (the copy could be torn). */
  stop(): Promise<void>;
  /** Starts it again and waits for a heartbeat; returns the downtime in ms. */
  restart(): Promise<number>;
}

/**
 * Cold-copy choreography: stop with a long grace period, check the exit was not a SIGKILL
 * (137) or an OOM kill, and always restart afterwards, measuring downtime to the first heartbeat.
 */
export function coldCopy(
  host: Host,
  container: string,
  options: { graceSeconds: number; chromaPort: number; healthTimeoutMs: number; logger: Logger },
): ColdCopy {
  let stoppedAt = 0;
  return {
    async stop() {
      stoppedAt = Date.now();
      await host.exec(commands.stop(container, options.graceSeconds), {
        timeoutMs: (options.graceSeconds + 60) * 1000,
        where: `${host.label}: stopping ${container}`,
      });
      const s = await containerState(host, container);
      if (s.Running)
        throw new UserError(
          `${host.label}: ${container}`,
          'is still running after docker stop',
          'check for a restart policy fighting the stop',
        );
      if (s.ExitCode === 137 || s.OOMKilled) {
        throw new UserError(
          `${host.label}: ${container}`,
          `was killed (exit ${s.ExitCode}${s.OOMKilled ? ', OOM' : ''}) instead of stopping within ${options.graceSeconds} s: a copy now could be torn`,
          'raise stop-timeout-seconds; the backup was not taken and Chroma has been restarted',
        );
      }
      options.logger.info(
        `${container} stopped cleanly (exit ${s.ExitCode}) in ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s`,
      );
    },
    async restart() {
      await host.exec(commands.start(container), { where: `${host.label}: starting ${container}` });
      const { api, tunnel } = await tunnelToContainer(host, container, options.chromaPort);
      try {
        await api.waitHealthy(options.healthTimeoutMs);
      } finally {
        await tunnel.close();
      }
      const downtime = Date.now() - stoppedAt;
      options.logger.info(`${container} is healthy again; downtime ${(downtime / 1000).toFixed(1)} s`);
      return downtime;
    },
  };
}
