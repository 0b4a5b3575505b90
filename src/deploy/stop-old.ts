import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import {
  exitStates,
  removeContainers,
  removeStopMarkers,
  stopContainers,
  stopInBackground,
  stopMarkers,
} from './commands.js';

/**
 * Stopping the containers a zero-downtime switch replaced. By then nginx sends nothing to them
 * (reloaded, drained), so the deploy does not wait out their stop: a container whose PID 1
 * ignores SIGTERM (a shell running node, or node as PID 1 without a handler: the kernel drops
 * signals PID 1 has no handler for) would otherwise hold every deploy for the full stop grace.
 * `docker stop --time <grace>` runs detached on the host; the deploy waits at most a short
 * settle window, removes what exited, and warns about what did not.
 */

/** How long the deploy waits for old containers to exit on their stop signal. */
export const STOP_SETTLE_SECONDS = 5;

/**
 * Before a switch: old containers of an earlier switch still in their background stop are
 * waited for (at most their grace and a minute, then removed by force), so compose never sees
 * a container disappear while it scales. Stale markers (a host reboot) are dropped.
 */
export async function awaitEarlierStops(
  host: Host,
  markerDir: string,
  graceSeconds: number,
  logger: Logger,
): Promise<void> {
  const listed = (await host.exec(stopMarkers(markerDir), { allowFailure: true })).stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => /^[a-f0-9]{12,64}$/.test(s));
  if (listed.length === 0) return;
  const limit = performance.now() + (graceSeconds + 60) * 1000;
  let left = listed;
  let told = false;
  for (;;) {
    const r = await host.exec(exitStates(left), { allowFailure: true });
    left = parseExitStates(r.stdout).map((s) => s.id.slice(0, 64));
    left = listed.filter((id) => left.some((l) => l.startsWith(id) || id.startsWith(l)));
    if (left.length === 0 || performance.now() >= limit) break;
    if (!told) {
      logger.info(
        `${host.label}: waiting for ${left.length} old container(s) of the previous switch to finish stopping (SIGKILL after stopGrace)`,
      );
      told = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (left.length) await host.exec(removeContainers(left), { allowFailure: true });
  await host.exec(removeStopMarkers(markerDir, listed), { allowFailure: true });
}

export interface ExitState {
  id: string;
  running: boolean;
  /** 137 = 128 + SIGKILL: docker stop's grace ran out (unless the OOM killer did it). */
  killed: boolean;
}

export function parseExitStates(stdout: string): ExitState[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [id = '', status = '', code = '', oom = ''] = l.split('\t');
      return {
        id,
        running: status === 'running' || status === 'restarting' || status === 'paused',
        killed: code === '137' && oom !== 'true',
      };
    });
}

export interface OldStop {
  /** Time the deploy spent on the stop (settle window included). */
  ms: number;
  /** Still running when the deploy moved on: docker SIGKILLs them after the grace. */
  pending: string[];
  /** Exited through SIGKILL within the settle window (a grace shorter than the window). */
  killed: string[];
}

export interface StopOldOptions {
  host: Host;
  ids: string[];
  names: string[];
  service: string;
  graceSeconds: number;
  logger: Logger;
  /** Host folder for the background stop's markers (see stopInBackground). */
  markerDir: string;
  /** Wait for the whole stop (the behaviour before issue 21: the benchmark's baseline). */
  wait?: boolean;
  settleSeconds?: number;
}

const sigkillAdvice = (service: string) =>
  `its PID 1 does not act on SIGTERM (a shell running the server, or node as PID 1 without a SIGTERM handler). Set \`init: true\` on ${service} in compose (tini forwards the signal), start the server with \`exec\` from the entrypoint, or set STOPSIGNAL to a signal it handles`;

export async function stopOld(o: StopOldOptions): Promise<OldStop> {
  const { host, ids, logger } = o;
  const t = performance.now();
  const label = `${host.label}: old ${o.service} ${o.names.join(', ')}`;
  if (ids.length === 0) return { ms: 0, pending: [], killed: [] };
  if (o.wait) {
    await host.exec(stopContainers(ids, o.graceSeconds), { where: `${host.label} stop old ${o.service}` });
    const states = parseExitStates((await host.exec(exitStates(ids), { allowFailure: true })).stdout);
    const killed = states.filter((s) => s.killed).map((s) => s.id);
    await host.exec(removeContainers(ids), { where: `${host.label} remove old ${o.service}` });
    if (killed.length)
      logger.warn(`${label} needed SIGKILL after ${o.graceSeconds} s: ${sigkillAdvice(o.service)}`);
    else logger.info(`${host.label}: stopped ${o.names.join(', ')}`);
    return { ms: performance.now() - t, pending: [], killed };
  }
  await host.exec(stopInBackground(ids, o.graceSeconds, o.markerDir), {
    where: `${host.label} stop old ${o.service}`,
  });
  const settleMs = Math.min(o.graceSeconds, o.settleSeconds ?? STOP_SETTLE_SECONDS) * 1000;
  let states: ExitState[] = [];
  for (;;) {
    const r = await host.exec(exitStates(ids), { allowFailure: true });
    states = parseExitStates(r.stdout);
    if (!states.some((s) => s.running) || performance.now() - t >= settleMs) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const pending = states.filter((s) => s.running).map((s) => s.id);
  const killed = states.filter((s) => !s.running && s.killed).map((s) => s.id);
  const exited = states.filter((s) => !s.running).map((s) => s.id);
  // What exited is removed now (the detached job's own rm then finds nothing): a deploy that
  // returns leaves no stopped containers behind unless one is still stopping.
  if (exited.length) {
    await host.exec(removeContainers(exited), { allowFailure: true });
    await host.exec(removeStopMarkers(o.markerDir, exited), { allowFailure: true });
  }
  if (pending.length)
    logger.warn(
      `${label} still running ${Math.round(settleMs / 1000)} s after its stop signal; traffic has moved, so the deploy does not wait: docker stops it with SIGKILL after stopGrace (${o.graceSeconds} s) in the background. Likely ${sigkillAdvice(o.service)}`,
    );
  else if (killed.length) logger.warn(`${label} needed SIGKILL: ${sigkillAdvice(o.service)}`);
  else logger.info(`${host.label}: stopped ${o.names.join(', ')}`);
  return { ms: performance.now() - t, pending, killed };
}
