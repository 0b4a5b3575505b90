import { UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RemoteHost } from '../core/remote-host.js';
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
};

export interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  OOMKilled: boolean;
  Health?: { Status: string };
}

export async function containerState(host: RemoteHost, container: string): Promise<ContainerState> {
  const r = await host.exec(commands.state(container), {
    where: `${host.label}: docker inspect ${container}`,
  });
  return JSON.parse(r.stdout) as ContainerState;
}

/** The API of a Chroma container as the runner reaches it: through the SSH connection. */
export async function tunnelToContainer(
  host: RemoteHost,
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
  host: RemoteHost,
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
