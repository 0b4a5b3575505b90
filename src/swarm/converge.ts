import { tail, UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import { nodeList, servicePs, stackServices, updateStatus } from './commands.js';

export interface ServiceUpdate {
  name: string;
  state: string;
  startedAt: string;
  image: string;
  message: string;
}

export function parseUpdateStatus(stdout: string): Map<string, ServiceUpdate> {
  const out = new Map<string, ServiceUpdate>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const [name, state, startedAt, image, ...message] = line.split('\t');
    out.set(name!, {
      name: name!,
      state: state!,
      startedAt: startedAt!,
      image: image ?? '',
      message: message.join('\t'),
    });
  }
  return out;
}

/** Nodes whose status is not Ready, from `docker node ls`. */
export function downNodesOf(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'))
    .filter(([, status]) => status && status !== 'Ready')
    .map(([host]) => host!);
}

/** running/desired per service from `docker service ls` ("2/2", "3/3 (max 1 per node)"). */
export function replicasOf(
  stdout: string,
): Map<string, { running: number; desired: number; image: string; mode: string }> {
  const out = new Map<string, { running: number; desired: number; image: string; mode: string }>();
  for (const line of stdout.split('\n')) {
    const [name, mode, replicas, image] = line.split('\t');
    const m = /^([0-9]+)\/([0-9]+)/.exec(replicas ?? '');
    if (name && m)
      out.set(name, { running: Number(m[1]), desired: Number(m[2]), image: image ?? '', mode: mode ?? '' });
  }
  return out;
}

const digestOf = (image: string) => /@(sha256:[a-f0-9]{64})/.exec(image)?.[1] ?? image;

/** Every task meant to run runs the spec's image and is Running (health passed, if any). */
export function tasksOnSpec(
  psStdout: string,
  specImage: string,
  downNodes: ReadonlySet<string> = new Set(),
): boolean {
  // Tasks on a node that is down cannot report: Swarm replaces replicated ones elsewhere.
  const tasks = psStdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'))
    .filter(([, node]) => !downNodes.has(node ?? ''));
  return (
    tasks.length > 0 &&
    tasks.every(([, , desired, current, , image]) => {
      if (desired !== 'Running') return true;
      return /^Running/.test(current ?? '') && (!specImage || digestOf(image ?? '') === digestOf(specImage));
    })
  );
}

export async function updateSnapshot(
  host: Pick<Host, 'exec'>,
  services: string[],
): Promise<Map<string, ServiceUpdate>> {
  return parseUpdateStatus((await host.exec(updateStatus(services), { allowFailure: true })).stdout);
}

export interface ConvergeReport {
  ms: number;
  /** Nodes seen Down or unavailable while the update ran. */
  downNodes: string[];
  warnings: string[];
}

/**
 * Waits until Swarm has finished the update of every service: each update `completed` (or no
 * update at all for an unchanged service) with all desired tasks running the spec's image.
 * Swarm's own rollback (`rollback_completed`), a paused update or no progress in time fail,
 * naming the services, the nodes that went down and the tasks' last errors.
 */
export async function converge(
  host: Pick<Host, 'exec'>,
  o: {
    services: string[];
    before: Map<string, ServiceUpdate>;
    image: string;
    timeoutSeconds: number;
    logger: Logger;
    where: string;
    pollMs?: number;
  },
): Promise<ConvergeReport> {
  const t0 = performance.now();
  const down = new Set<string>();
  const stack = o.services[0]?.split('_')[0] ?? '';
  let pending: string[] = [];
  for (;;) {
    const nodes = await host.exec(nodeList, { allowFailure: true });
    for (const n of downNodesOf(nodes.stdout)) {
      if (!down.has(n))
        o.logger.warn(`${o.where}: node ${n} is down during the update; Swarm reschedules its tasks`);
      down.add(n);
    }
    const status = await updateSnapshot(host, o.services);
    const replicas = replicasOf((await host.exec(stackServices(stack), { allowFailure: true })).stdout);
    pending = [];
    for (const name of o.services) {
      const u = status.get(name);
      const fresh = u && u.state !== 'none' && u.startedAt !== o.before.get(name)?.startedAt;
      if (
        fresh &&
        (u.state === 'rollback_completed' || u.state === 'rollback_started' || u.state === 'rollback_paused')
      ) {
        if (u.state !== 'rollback_completed') {
          pending.push(name);
          continue;
        }
        throw new UserError(
          `${o.where} rolling update`,
          `Swarm rolled back the update of ${name}: ${u.message}; the previous release keeps serving${down.size ? ` (nodes down: ${[...down].join(', ')})` : ''}${await taskErrors(host, name)}`,
          'check the health of the new release (docker service ps / ragship logs), fix it and deploy again',
        );
      }
      if (fresh && u.state === 'paused')
        throw new UserError(
          `${o.where} rolling update`,
          `the update of ${name} is paused: ${u.message}${down.size ? ` (nodes down: ${[...down].join(', ')})` : ''}${await taskErrors(host, name)}`,
          'check the nodes and the tasks (docker service ps), then deploy again or roll back',
        );
      const r = replicas.get(name);
      const done =
        (!fresh || u.state === 'completed') &&
        r &&
        r.desired > 0 &&
        // A global service counts a task on a down node as desired: only the live ones matter.
        (r.running === r.desired || (r.mode === 'global' && down.size > 0)) &&
        tasksOnSpec(
          (await host.exec(servicePs(name, true), { allowFailure: true })).stdout,
          u?.image ?? '',
          down,
        );
      if (!done) pending.push(name);
    }
    if (!pending.length) break;
    if (performance.now() - t0 > o.timeoutSeconds * 1000) {
      const errors = (await Promise.all(pending.map((p) => taskErrors(host, p)))).join('');
      throw new UserError(
        `${o.where} rolling update`,
        `the update stalled: ${pending.join(', ')} did not converge within ${o.timeoutSeconds} s${down.size ? `; nodes down: ${[...down].join(', ')}` : ''}${errors}`,
        'check the nodes (docker node ls) and the tasks (docker service ps); the services keep what Swarm left running',
      );
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
  }
  const warnings = down.size
    ? [
        `node(s) ${[...down].join(', ')} went down during the update; their tasks were rescheduled on the other nodes`,
      ]
    : [];
  return { ms: Math.round(performance.now() - t0), downNodes: [...down], warnings };
}

async function taskErrors(host: Pick<Host, 'exec'>, service: string): Promise<string> {
  const ps = await host.exec(servicePs(service), { allowFailure: true });
  const lines = ps.stdout
    .split('\n')
    .filter((l) => l.split('\t')[4])
    .slice(0, 5);
  return lines.length ? `\n${tail(lines.join('\n'), 5)}` : '';
}
