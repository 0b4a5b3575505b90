import { posix } from 'node:path';
import { environmentOf } from '../config/load.js';
import { errorMessage } from '../core/errors.js';
import { Report } from '../core/report.js';
import { nvidiaSmiQuery } from '../deploy/commands.js';
import { type GpuInfo, parseNvidiaSmi } from '../deploy/gpu.js';
import { type LockOwner, readOwner } from '../deploy/lock.js';
import { releaseFolder } from '../deploy/release-log.js';
import type { ConnectionInputs, HostEntry, SessionPorts } from '../deploy/session.js';
import {
  dirExists,
  diskFree,
  hostClock,
  imageRepoDigests,
  inspectContainers,
  projectContainers,
} from './commands.js';
import { DeployedEnvironment } from './environment.js';
import {
  type ContainerState,
  formatUptime,
  judgeService,
  parseDf,
  parseInspect,
  parseRepoDigests,
  runningDigest,
  type ServiceStatus,
  statusExitCode,
} from './status-model.js';

export interface StatusInputs extends ConnectionInputs {
  role?: string;
}

export interface HostStatus {
  host: string;
  roles: string[];
  root: string;
  diskFreeBytes?: number;
  /** Set when free disk is below the roles' minFreeDiskGiB (the next deploy's preflight fails). */
  diskWarning?: string;
  gpus?: GpuInfo[];
  gpuProblem?: string;
}

export interface LockStatus {
  held: boolean;
  host: string;
  owner?: Omit<LockOwner, 'token'>;
  /** The holder's TTL passed: the next deploy takes the lock over. */
  stale?: boolean;
}

export interface StatusResult {
  app: string;
  environment: string;
  active?: { id: string; kind: string; image: string; gitSha?: string; actor: string; finishedAt: string };
  lock: LockStatus;
  hosts: HostStatus[];
  services: ServiceStatus[];
  drifted: boolean;
  unhealthy: boolean;
  /** 0 ok, 3 drift (or nothing deployed), 4 unhealthy. */
  exitCode: number;
  connectionsPerHost: Record<string, number>;
  report: Report;
}

/**
 * `ragship status`: per host and service, what the release log says runs vs what runs
 * (image digests, release env), container state/health/uptime/restarts, the deploy lock,
 * free disk and (GPU roles) GPU memory. Read-only, one SSH connection per host.
 */
export async function runStatus(inputs: StatusInputs, ports: SessionPorts): Promise<StatusResult> {
  if (environmentOf(inputs.config, inputs.environment).engine === 'swarm')
    return (await import('../swarm/operate.js')).runSwarmStatus(inputs, ports);
  const e = new DeployedEnvironment(inputs, ports);
  try {
    const roles = e.roles(inputs.role);
    await e.open();
    const active = e.active;
    const lock = await lockStatus(e);
    const hostStatus = new Map<string, HostStatus>();
    const services: ServiceStatus[] = [];
    for (const [roleName, role] of roles) {
      const results = await Promise.all(
        e.hosts(roleName).map(async (h) => {
          const hs = hostStatus.get(h.key) ?? (await hostFacts(h));
          hs.roles.push(roleName);
          const floor = role.minFreeDiskGiB + (role.gpu?.minDiskGiB ?? 0);
          if (hs.diskFreeBytes !== undefined && hs.diskFreeBytes < floor * 2 ** 30)
            hs.diskWarning = `${(hs.diskFreeBytes / 2 ** 30).toFixed(1)} GiB free, role ${roleName} needs ${floor} GiB`;
          if (role.gpu && !hs.gpus && !hs.gpuProblem) await gpuFacts(h, hs);
          hostStatus.set(h.key, hs);
          return roleServices(e, h, roleName, role.service, role.proxy?.service);
        }),
      );
      services.push(...results.flat());
    }
    const exitCode = statusExitCode(services, !!active);
    const result: Omit<StatusResult, 'report'> = {
      app: e.s.app,
      environment: inputs.environment,
      active: active && {
        id: active.id,
        kind: active.kind + (active.source ? ` of ${active.source}` : ''),
        image: active.image,
        gitSha: active.gitSha,
        actor: active.actor,
        finishedAt: active.finishedAt,
      },
      lock,
      hosts: [...hostStatus.values()],
      services,
      drifted: !active || services.some((s) => s.drift),
      unhealthy: services.some((s) => s.problem),
      exitCode,
      connectionsPerHost: e.s.connectionsPerHost(),
    };
    return { ...result, report: statusReport(result) };
  } finally {
    e.close();
  }
}

export async function lockStatus(e: DeployedEnvironment): Promise<LockStatus> {
  const p = e.s.primary;
  const dir = posix.join(p.root, 'lock');
  const held = (await p.host.exec(dirExists(dir), { allowFailure: true })).code === 0;
  if (!held) return { held, host: p.key };
  const owner = await readOwner(p.host, dir);
  const now = Number((await p.host.exec(hostClock)).stdout.trim());
  if (!owner) return { held, host: p.key };
  const { token: _token, ...shown } = owner;
  return { held, host: p.key, owner: shown, stale: owner.expiresAt < now };
}

async function hostFacts(h: HostEntry): Promise<HostStatus> {
  const df = await h.host.exec(diskFree(h.root), { allowFailure: true });
  return { host: h.key, roles: [], root: h.root, diskFreeBytes: parseDf(df.stdout) };
}

async function gpuFacts(h: HostEntry, hs: HostStatus): Promise<void> {
  const r = await h.host.exec(nvidiaSmiQuery, { allowFailure: true });
  const v = parseNvidiaSmi(r.code, r.stdout, r.stderr);
  if (v.ok) hs.gpus = v.gpus;
  else hs.gpuProblem = v.problem;
}

async function roleServices(
  e: DeployedEnvironment,
  h: HostEntry,
  roleName: string,
  mainService: string,
  proxyService: string | undefined,
): Promise<ServiceStatus[]> {
  const project = e.s.project(roleName);
  const containers = await inspectProject(h, project);
  const active = e.active;
  let expected: string[] = [];
  let images = new Map<string, string>();
  if (active) {
    try {
      const { manifest } = await e.activeOn(h, roleName);
      images = await e.releaseImages(h, roleName, manifest);
      expected = [
        ...new Set([mainService, ...(proxyService ? [proxyService] : []), ...manifest.supportServices]),
      ];
    } catch (err) {
      // The host cannot say what should run there: every running service counts as drift.
      e.s.ports.logger.warn(errorMessage(err));
    }
  }
  const names = [...new Set([...expected, ...containers.map((c) => c.service)])];
  return names.map((service) =>
    judgeService(
      {
        host: h.key,
        role: roleName,
        service,
        expectedImage: images.get(service),
        containers: containers.filter((c) => c.service === service),
      },
      { expected: expected.includes(service), releaseFolder: active && releaseFolder(active) },
    ),
  );
}

async function inspectProject(h: HostEntry, project: string): Promise<ContainerState[]> {
  const ids = (await h.host.exec(projectContainers(project))).stdout.split('\n').filter(Boolean);
  if (!ids.length) return [];
  const now = Number((await h.host.exec(hostClock)).stdout.trim());
  // A container removed between `ps` and `inspect` (a deploy running) makes inspect exit 1
  // after printing the others: keep what it printed.
  const inspected = await h.host.exec(inspectContainers(ids), { allowFailure: true });
  const containers = parseInspect(inspected.stdout, now);
  const imageIds = [...new Set(containers.map((c) => c.imageId))];
  if (imageIds.length) {
    const digests = parseRepoDigests(
      (await h.host.exec(imageRepoDigests(imageIds), { allowFailure: true })).stdout,
    );
    for (const c of containers) c.repoDigests = digests.get(c.imageId) ?? [];
  }
  return containers;
}

function statusReport(r: Omit<StatusResult, 'report'>): Report {
  const verdict = r.unhealthy ? '❌ unhealthy' : r.drifted ? '⚠️ drift' : '✅ healthy, as released';
  const report = new Report().heading(`Status of ${r.app} ${r.environment}: ${verdict}`);
  report.table(
    ['', ''],
    [
      ['active release', r.active ? `${r.active.id} (${r.active.kind})` : 'none — nothing deployed'],
      ['image', r.active?.image ?? '—'],
      ['deployed', r.active ? `${r.active.finishedAt} by ${r.active.actor}` : '—'],
      [
        'deploy lock',
        r.lock.held
          ? r.lock.owner
            ? `held by run ${r.lock.owner.runId} (${r.lock.owner.actor}) since ${r.lock.owner.acquiredAt}${r.lock.stale ? ', expired: the next deploy takes it over' : ''}`
            : 'held (no owner recorded yet)'
          : 'free',
      ],
    ],
  );
  report.heading('Services', 3).table(
    ['host', 'role', 'service', 'container', 'state', 'health', 'up', 'restarts', 'image', 'verdict'],
    r.services.flatMap((s) => {
      const verdict = s.problem ? `❌ ${s.problem}` : s.drift ? `⚠️ drift: ${s.drift}` : '✅';
      const rows = s.containers.length ? s.containers : [undefined];
      return rows.map((c) => [
        s.host,
        s.role,
        s.service,
        c?.name ?? '—',
        c?.state ?? 'missing',
        c?.health ?? '—',
        formatUptime(c?.uptimeSeconds),
        c ? String(c.restarts) : '—',
        c ? shortDigest(runningDigest(c, s.expectedImage)) : '—',
        verdict,
      ]);
    }),
  );
  report.heading('Hosts', 3).table(
    ['host', 'roles', 'free disk', 'GPU memory used'],
    r.hosts.map((h) => [
      h.host,
      h.roles.join(', '),
      `${h.diskFreeBytes === undefined ? '?' : `${(h.diskFreeBytes / 2 ** 30).toFixed(1)} GiB`}${h.diskWarning ? ` ⚠️ ${h.diskWarning}` : ''}`,
      h.gpus
        ? h.gpus.map((g) => `GPU${g.index} ${g.usedMiB}/${g.totalMiB} MiB`).join(', ')
        : (h.gpuProblem ?? '—'),
    ]),
  );
  return report;
}

const shortDigest = (ref: string) => ref.replace(/@sha256:([a-f0-9]{12})[a-f0-9]+/, '@sha256:$1…');
