import { posix } from 'node:path';
import type { RoleConfig } from '../config/schema.js';
import { errorMessage, UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import {
  type ComposeTarget,
  containerLogs,
  mkdirs,
  proxyReload,
  proxyTest,
  recreate,
  removeContainers,
  runOnce,
  scaleBeside,
  serviceContainers,
  upServices,
} from './commands.js';
import { type ContainerInfo, inspect, waitHealthy } from './health.js';
import { prefetchProgress } from './pull-progress.js';
import { publishStatic, type StaticRelease } from './static.js';
import { awaitEarlierStops, stopOld } from './stop-old.js';

export interface SwitchContext {
  host: Host;
  role: RoleConfig;
  roleName: string;
  target: ComposeTarget;
  /** Compose target of the release serving before this switch (recreate roles restore it). */
  previous?: ComposeTarget;
  supportServices: string[];
  /** Static files to publish with this switch (and the previous release's, to restore). */
  static?: { release: StaticRelease; previous?: StaticRelease };
  logger: Logger;
  /** Wait for the old containers' whole stop (before issue 21; the deploy benchmark's baseline). */
  waitForOldStop?: boolean;
}

export interface SwitchResult {
  timeToHealthyMs: number;
  started: string[];
  stopped: string[];
  /** Where the switch's time went, in order (ms). */
  phasesMs: Record<string, number>;
  /** Old containers still stopping in the background when the switch returned. */
  stopping?: string[];
}

/** One line saying where a switch's time went, e.g. `start 1.2 s · healthy 0.9 s · …`. */
export function formatPhases(phases: Record<string, number>): string {
  return Object.entries(phases)
    .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
    .join(' · ');
}

async function ids(host: Host, project: string, service: string, all = false): Promise<string[]> {
  const r = await host.exec(serviceContainers(project, service, all));
  return r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function upstreamBlock(upstream: string, servers: ContainerInfo[], port: number): string {
  const lines = servers.map((c) => `  server ${c.name}:${port} max_fails=0;`);
  return `# written by ragship; names only containers that passed the health gate\nupstream ${upstream} {\n${lines.join('\n')}\n}\n`;
}

async function printLogs(ctx: SwitchContext, containers: string[]): Promise<string> {
  let all = '';
  for (const id of containers) {
    const r = await ctx.host.exec(containerLogs(id), { allowFailure: true });
    const text = `${r.stdout}${r.stderr}`.trim();
    all += `${text}\n`;
    ctx.logger.error(
      `logs of ${ctx.roleName}/${ctx.role.service} ${id.slice(0, 12)} on ${ctx.host.label}:\n${text || '(no output)'}`,
    );
  }
  return all;
}

/**
 * Zero-downtime: new containers start beside the old ones; only after they pass the health
 * gate does nginx's upstream name them (graceful reload: in-flight requests finish on the old
 * workers), then the old containers drain and stop. Any failure before the reload leaves the
 * old containers serving and removes the new ones; a failure after restores the old upstream.
 */
export async function zeroDowntimeSwitch(ctx: SwitchContext): Promise<SwitchResult> {
  const { host, role, target, logger } = ctx;
  const proxy = role.proxy!;
  if (ctx.supportServices.length)
    await host.exec(upServices(target, ctx.supportServices), {
      where: `${host.label} start ${ctx.supportServices.join(', ')}`,
    });
  const stopping = posix.join(target.projectDir, '.ragship-stopping');
  await awaitEarlierStops(host, stopping, role.stopGrace, logger);
  const old = await ids(host, target.project, role.service);
  const before = await ids(host, target.project, role.service, true);
  // New = every container (running or not) that was not there before: a start that fails
  // (port already allocated) or a container that exits at once is still ours to remove.
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };
  const created = async () =>
    (await ids(host, target.project, role.service, true)).filter((id) => !before.includes(id));
  try {
    await host.exec(scaleBeside(target, role.service, old.length + role.replicas), {
      where: `${host.label} start new ${role.service}`,
    });
  } catch (err) {
    const strays = await created().catch(() => []);
    logger.error(
      `${host.label}: starting the new ${role.service} failed; keeping the old one serving${strays.length ? `, removing ${strays.length} new container(s)` : ''}`,
    );
    await printLogs(ctx, strays).catch(() => undefined);
    if (strays.length)
      await host.exec(removeContainers(strays), { allowFailure: true }).catch(() => undefined);
    throw err;
  }
  const fresh = await created();
  lap('start');
  if (fresh.length === 0)
    throw new UserError(
      `${host.label} switch`,
      `compose started no new ${role.service} container`,
      'check `docker-compose ps` on the host',
    );
  const upstreamPath = posix.join(target.projectDir, proxy.file);
  let switched = false;
  let pagesSwitched = false;
  try {
    const healthyMs = await waitHealthy(host, fresh, role.health, logger, `new ${role.service}`);
    lap('healthy');
    const fresh_ = await inspect(host, fresh);
    const oldInfo = await inspect(host, old);
    // New hashed assets beside the old ones: the old page keeps loading its own while it drains.
    if (ctx.static) await publishStatic(host, ctx.static.release, 'assets');
    await host.exec(mkdirs(posix.dirname(upstreamPath)));
    await host.upload(upstreamPath, upstreamBlock(proxy.upstream, fresh_, proxy.port), 0o644);
    switched = true;
    await host.exec(upServices(target, [proxy.service]), { where: `${host.label} start ${proxy.service}` });
    const [proxyId] = await ids(host, target.project, proxy.service);
    if (!proxyId)
      throw new UserError(
        `${host.label} switch`,
        `${proxy.service} is not running`,
        'check its logs on the host',
      );
    await host.exec(proxyTest(proxyId), { where: `${host.label} nginx -t` });
    await host.exec(proxyReload(proxyId), { where: `${host.label} nginx reload` });
    lap('nginx reload');
    logger.info(
      `${host.label}: ${proxy.service} now sends ${proxy.upstream} to ${fresh_.map((c) => c.name).join(', ')}`,
    );
    if (ctx.static) {
      // The pages switch with the app: from now on `/` is the new release's page.
      pagesSwitched = true;
      await publishStatic(host, ctx.static.release, 'pages');
    }
    await new Promise((r) => setTimeout(r, proxy.drain * 1000));
    lap('drain');
    const stop = await stopOld({
      host,
      ids: old,
      names: oldInfo.map((c) => c.name),
      service: role.service,
      graceSeconds: role.stopGrace,
      logger,
      markerDir: stopping,
      wait: ctx.waitForOldStop,
    });
    lap('old stop');
    logger.info(`${host.label}: switch ${ctx.roleName}: ${formatPhases(phases)}`);
    return {
      timeToHealthyMs: healthyMs,
      started: fresh,
      stopped: old,
      phasesMs: phases,
      ...(stop.pending.length ? { stopping: stop.pending } : {}),
    };
  } catch (err) {
    logger.error(
      `${host.label}: switch failed (${errorMessage(err)}); keeping the old ${role.service} serving`,
    );
    await printLogs(ctx, fresh).catch(() => undefined);
    await restoreUpstream(ctx, old, upstreamPath, switched).catch((e) =>
      logger.error(`${host.label}: restoring the old upstream failed: ${errorMessage(e)}`),
    );
    if (pagesSwitched && old.length) await restorePages(ctx);
    await host.exec(removeContainers(fresh), { allowFailure: true }).catch(() => undefined);
    throw err;
  }
}

async function restoreUpstream(
  ctx: SwitchContext,
  old: string[],
  upstreamPath: string,
  switched: boolean,
): Promise<void> {
  if (!switched || old.length === 0) return;
  const proxy = ctx.role.proxy!;
  const oldInfo = await inspect(ctx.host, old);
  await ctx.host.upload(upstreamPath, upstreamBlock(proxy.upstream, oldInfo, proxy.port), 0o644);
  const [proxyId] = await ids(ctx.host, ctx.target.project, proxy.service);
  if (proxyId) await ctx.host.exec(proxyReload(proxyId));
}

async function restorePages(ctx: SwitchContext): Promise<void> {
  const previous = ctx.static?.previous;
  if (!previous) return;
  await publishStatic(ctx.host, previous, 'pages').catch((e) =>
    ctx.logger.error(`${ctx.host.label}: restoring the previous pages failed: ${errorMessage(e)}`),
  );
}

/**
 * Recreate (GPU role: one GPU cannot hold two vLLM servers): stop old, start new, health gate
 * with a long start period; on failure the previous release is recreated and waited for.
 */
export async function recreateSwitch(ctx: SwitchContext): Promise<SwitchResult> {
  const { host, role, target, logger } = ctx;
  if (ctx.supportServices.length)
    await host.exec(upServices(target, ctx.supportServices), {
      where: `${host.label} start ${ctx.supportServices.join(', ')}`,
    });
  if (role.prefetch) {
    // Before the old server stops: a failure here changes nothing that serves.
    const p = role.prefetch;
    const progress = prefetchProgress(host.label, logger);
    const r = await host
      .exec(runOnce(target, p.service, p.command, p.entrypoint), {
        allowFailure: true,
        timeoutMs: p.timeout * 1000,
        where: `${host.label} prefetch`,
        onStdout: progress.onOutput,
        onStderr: progress.onOutput,
      })
      .finally(progress.finish);
    if (r.code !== 0)
      throw new UserError(
        `${host.label} prefetch`,
        `the prefetch run of ${p.service} exited with status ${r.code}; the old ${role.service} keeps serving:\n${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-20).join('\n')}`,
        'fix the prefetch command (model name, HF_TOKEN, disk) and deploy again',
      );
    logger.info(`${host.label}: prefetch done (${p.service})`);
  }
  const old = await ids(host, target.project, role.service);
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };
  let fresh: string[] = [];
  let pagesSwitched = false;
  try {
    // Inside the try: a recreate that fails half-way (old stopped, new not started) restores too.
    await host.exec(recreate(target, role.service), { where: `${host.label} recreate ${role.service}` });
    fresh = await ids(host, target.project, role.service);
    lap('recreate');
    const healthyMs = await waitHealthy(host, fresh, role.health, logger, `new ${role.service}`);
    lap('healthy');
    logger.info(`${host.label}: switch ${ctx.roleName}: ${formatPhases(phases)}`);
    if (ctx.static) {
      await publishStatic(host, ctx.static.release, 'assets');
      pagesSwitched = true;
      await publishStatic(host, ctx.static.release, 'pages');
    }
    return { timeToHealthyMs: healthyMs, started: fresh, stopped: old, phasesMs: phases };
  } catch (err) {
    await printLogs(ctx, fresh).catch(() => undefined);
    if (pagesSwitched) await restorePages(ctx);
    if (ctx.previous) {
      logger.warn(`${host.label}: recreating the previous release of ${role.service}`);
      await host
        .exec(recreate(ctx.previous, role.service))
        .catch((e) => logger.error(`restore failed: ${errorMessage(e)}`));
      const back = await ids(host, target.project, role.service).catch(() => []);
      await waitHealthy(host, back, role.health, logger, `previous ${role.service}`).catch((e) =>
        logger.error(`the previous release is not healthy either: ${errorMessage(e)}`),
      );
    }
    throw err;
  }
}
