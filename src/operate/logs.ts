import { environmentOf } from '../config/load.js';
import type { RoleConfig } from '../config/schema.js';
import { ConfigError, errorMessage, UserError } from '../core/errors.js';
import { secrets as processSecrets, type SecretRegistry } from '../core/redact.js';
import type { ConnectionInputs, HostEntry, SessionPorts } from '../deploy/session.js';
import { containerLogs, hostClock, inspectContainers, projectContainers } from './commands.js';
import { DeployedEnvironment, shortHost } from './environment.js';
import { LineRedactor } from './lines.js';
import { parseInspect } from './status-model.js';

export interface LogsInputs extends ConnectionInputs {
  role?: string;
  service?: string;
  host?: string;
  /** Already validated (parseSince): a Go duration or an RFC 3339 time. */
  since?: string;
  tail?: number | 'all';
  follow?: boolean;
  /** Matched against the masked line on this machine. */
  grep?: RegExp;
}

export interface LogLine {
  host: string;
  role: string;
  /** The service, with a short container id when the service runs more than one container. */
  source: string;
  stream: 'stdout' | 'stderr';
  /** The line as docker printed it (RFC 3339 timestamp first), secrets masked. */
  line: string;
}

export interface LogsPorts extends SessionPorts {
  onLine(line: LogLine): void;
  /** Ends a --follow (the CLI aborts on Ctrl-C / SIGTERM). */
  signal?: AbortSignal;
  /** Where the masked values are registered (the process-wide registry by default). */
  secrets?: SecretRegistry;
}

export interface LogsResult {
  containers: number;
  lines: number;
  /** Streams that ended with an error (e.g. a container removed mid-read). */
  failed: string[];
  connectionsPerHost: Record<string, number>;
}

/** Lines per container when neither --tail nor --since is given (like `kamal app logs`). */
export const DEFAULT_TAIL = 100;

interface Stream {
  h: HostEntry;
  role: string;
  id: string;
  source: string;
}

/**
 * `ragship logs`: `docker logs` of every container of the selected roles, services and hosts,
 * each as one channel of the host's single SSH connection, merged line by line with a
 * host/service prefix, the release's env values masked, filtered by --grep.
 */
export async function runLogs(inputs: LogsInputs, ports: LogsPorts): Promise<LogsResult> {
  if (environmentOf(inputs.config, inputs.environment).engine === 'swarm')
    return (await import('../swarm/operate.js')).runSwarmLogs(inputs, ports);
  const e = new DeployedEnvironment(inputs, ports);
  const registry = ports.secrets ?? processSecrets;
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    e.close();
  };
  try {
    const targets = pickTargets(e, e.roles(inputs.role), inputs.host);
    await e.open();
    const streams: Stream[] = [];
    let serviceKnown = !inputs.service || !e.active;
    for (const { roleName, hosts } of targets) {
      for (const h of hosts) {
        // The env values of the running release: masked in every line printed from now on.
        await e.maskReleaseEnv(h, roleName).catch((err) => ports.logger.debug(errorMessage(err)));
        if (inputs.service && !serviceKnown) {
          const rel = await e.activeOn(h, roleName).catch(() => undefined);
          serviceKnown = !!rel?.manifest.services.includes(inputs.service);
        }
        streams.push(...(await containersOf(e, h, roleName, inputs.service)));
      }
    }
    if (!serviceKnown) await unknownService(e, targets, inputs.service!);
    if (!streams.length)
      throw new UserError(
        `environment ${inputs.environment}`,
        `no container${inputs.service ? ` of service ${inputs.service}` : ''} on ${targets
          .flatMap((t) => t.hosts.map((h) => h.key))
          .join(', ')}`,
        'deploy first, or check `ragship status`',
      );
    ports.signal?.addEventListener('abort', onAbort, { once: true });
    if (ports.signal?.aborted) onAbort();
    let lines = 0;
    const failed: string[] = [];
    const tail = inputs.tail ?? (inputs.since ? undefined : DEFAULT_TAIL);
    await Promise.all(
      streams.map(async (st) => {
        const emit = (stream: 'stdout' | 'stderr') =>
          new LineRedactor(registry, (line) => {
            if (inputs.grep && !inputs.grep.test(line)) return;
            lines++;
            ports.onLine({ host: shortHost(st.h), role: st.role, source: st.source, stream, line });
          });
        const out = emit('stdout');
        const err = emit('stderr');
        try {
          if (aborted) return;
          const run = await st.h.host.execStream(
            containerLogs(st.id, { since: inputs.since, tail, follow: inputs.follow }),
            { where: `${st.h.key} logs ${st.source}`, onStderr: (c) => err.push(c) },
          );
          run.stdout.setEncoding('utf8');
          run.stdout.on('data', (c: string) => out.push(c));
          const ended = new Promise<void>((resolve) => run.stdout.once('close', resolve));
          const error = await run.done.then(
            () => undefined,
            (x: unknown) => x,
          );
          await ended;
          if (error && !aborted) throw error;
        } catch (x) {
          if (!aborted) {
            failed.push(`${st.h.key} ${st.source}: ${errorMessage(x)}`);
            ports.logger.warn(`logs of ${st.source} on ${st.h.key} ended: ${errorMessage(x)}`);
          }
        } finally {
          out.flush();
          err.flush();
        }
      }),
    );
    if (!aborted && failed.length === streams.length)
      throw new UserError('logs', `every log stream failed:\n${failed.join('\n')}`, 'check `ragship status`');
    return { containers: streams.length, lines, failed, connectionsPerHost: e.s.connectionsPerHost() };
  } finally {
    ports.signal?.removeEventListener('abort', onAbort);
    e.close();
  }
}

/** Roles and hosts picked by --role/--host; --host alone picks the roles that host is in. */
export function pickTargets(
  e: DeployedEnvironment,
  roles: Array<[string, RoleConfig]>,
  host: string | undefined,
): Array<{ roleName: string; hosts: HostEntry[] }> {
  const picked = roles.flatMap(([roleName]) => {
    try {
      return [{ roleName, hosts: e.hosts(roleName, host) }];
    } catch {
      return [];
    }
  });
  // None matched: let the first role explain which hosts exist.
  if (!picked.length) e.hosts(roles[0]![0], host);
  return picked;
}

async function containersOf(
  e: DeployedEnvironment,
  h: HostEntry,
  roleName: string,
  service?: string,
): Promise<Stream[]> {
  const ids = (await h.host.exec(projectContainers(e.s.project(roleName), service))).stdout
    .split('\n')
    .filter(Boolean);
  if (!ids.length) return [];
  const now = Number((await h.host.exec(hostClock)).stdout.trim());
  const cs = parseInspect((await h.host.exec(inspectContainers(ids), { allowFailure: true })).stdout, now);
  const perService = new Map<string, number>();
  for (const c of cs) perService.set(c.service, (perService.get(c.service) ?? 0) + 1);
  return cs
    .sort((a, b) => a.service.localeCompare(b.service) || a.startedAt.localeCompare(b.startedAt))
    .map((c) => ({
      h,
      role: roleName,
      id: c.id,
      source: (perService.get(c.service) ?? 0) > 1 ? `${c.service}.${c.id.slice(0, 6)}` : c.service,
    }));
}

async function unknownService(
  e: DeployedEnvironment,
  targets: Array<{ roleName: string; hosts: HostEntry[] }>,
  service: string,
): Promise<never> {
  const known = new Set<string>();
  for (const t of targets) {
    const rel = await e.activeOn(t.hosts[0]!, t.roleName).catch(() => undefined);
    for (const s of rel?.manifest.services ?? []) known.add(s);
  }
  throw new ConfigError(
    '--service',
    `${JSON.stringify(service)} is not a service of the active release`,
    `use one of: ${[...known].join(', ') || 'none (nothing deployed)'}`,
  );
}
