import { UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import type { Argv } from '../core/shell.js';

export interface HostFacts {
  host: string;
  dockerVersion: string;
  /** argv prefix for compose on this host: ['docker','compose'] (v2) or ['docker-compose'] (v1). */
  compose: string[];
  composeVersion: string;
  freeDiskBytes: number;
}

/** Detects compose v2 (`docker compose`) first, then v1 (`docker-compose`). */
export async function detectCompose(host: Host): Promise<{ compose: string[]; version: string }> {
  const v2 = await host.exec(['docker', 'compose', 'version', '--short'], { allowFailure: true });
  if (v2.code === 0 && v2.stdout.trim()) return { compose: ['docker', 'compose'], version: v2.stdout.trim() };
  const v1 = await host.exec(['docker-compose', 'version', '--short'], { allowFailure: true });
  if (v1.code === 0 && v1.stdout.trim()) return { compose: ['docker-compose'], version: v1.stdout.trim() };
  throw new UserError(
    host.label,
    'neither `docker compose` (v2) nor `docker-compose` (v1) works',
    'install the docker compose plugin (ragship provision does it)',
  );
}

export async function freeDiskBytes(host: Host, path: string): Promise<number> {
  // df -P: portable one-line output; column 4 is available 1K-blocks.
  const df: Argv = ['df', '-P', '-k', path];
  const out = await host.exec(df, { where: `${host.label} disk check` });
  const line = out.stdout.trim().split('\n').pop() ?? '';
  const kb = Number(line.split(/\s+/)[3]);
  if (!Number.isFinite(kb)) throw new Error(`unexpected df output: ${line}`);
  return kb * 1024;
}

/** Facts every deploy needs before it touches anything. */
export async function checkHost(host: Host, logger: Logger, diskPath = '.'): Promise<HostFacts> {
  const docker = await host.exec(['docker', 'version', '--format', '{{.Server.Version}}'], {
    allowFailure: true,
  });
  if (docker.code !== 0) {
    throw new UserError(
      host.label,
      `docker does not answer for this user: ${docker.stderr.trim().split('\n').pop()}`,
      'install Docker and add the deploy user to the docker group',
    );
  }
  const { compose, version } = await detectCompose(host);
  const free = await freeDiskBytes(host, diskPath);
  logger.info(
    `${host.label}: docker ${docker.stdout.trim()}, ${compose.join(' ')} ${version}, ${(free / 2 ** 30).toFixed(1)} GiB free`,
  );
  return {
    host: host.label,
    dockerVersion: docker.stdout.trim(),
    compose,
    composeVersion: version,
    freeDiskBytes: free,
  };
}
