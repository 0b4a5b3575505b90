import { posix } from 'node:path';
import { errorMessage, tail, UserError } from '../core/errors.js';
import { Report } from '../core/report.js';
import {
  appendReleaseLog,
  type ComposeTarget,
  containerLogs,
  listImages,
  migrate,
  oneOffContainers,
  pruneFiles,
  pullShowingProgress,
  removeContainers,
  removeImage,
  removeTree,
  stopContainers,
  waitContainers,
  withTimeout,
} from './commands.js';
import { recordRetained, retainedElsewhere } from './host-retention.js';
import { DeployLock } from './lock.js';
import { pullProgress } from './pull-progress.js';
import { activeRelease, type ReleaseRecord, releaseFolder, retainedImages } from './release-log.js';
import { redactedRecord } from './release-log-file.js';
import type { EnvSession, HostEntry } from './session.js';
import { extractStatic, type StaticPlan, staticSource } from './static.js';
import { recreateSwitch, zeroDowntimeSwitch } from './switch.js';

export interface StepTiming {
  step: string;
  host: string;
  ms: number;
  ok: boolean;
}

/**
 * Milliseconds per step name, summed over hosts and batches: the `timings` of a release record
 * (deploy and rollback alike; a step that ran on three hosts counts three times).
 */
export function summarizeTimings(timings: StepTiming[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of timings) out[t.step] = (out[t.step] ?? 0) + t.ms;
  return out;
}

/** The per-step table of a deploy's or rollback's report. */
export function stepsTable(timings: StepTiming[]): Report {
  return new Report().heading('Steps', 3).table(
    ['step', 'host', 'duration', 'ok'],
    timings.map((t) => [t.step, t.host, `${(t.ms / 1000).toFixed(1)} s`, t.ok ? '✅' : '❌']),
  );
}

/** Runs `fn` as a timed, logged step and records it (also when it fails). */
export async function step<T>(
  s: EnvSession,
  timings: StepTiming[],
  name: string,
  host: string,
  fn: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const out = await s.ports.logger.group(`${name}${host ? ` (${host})` : ''}`, fn);
    timings.push({ step: name, host, ms: Math.round(performance.now() - started), ok: true });
    return out;
  } catch (err) {
    timings.push({ step: name, host, ms: Math.round(performance.now() - started), ok: false });
    throw err;
  }
}

/** Bounded parallelism for pulls on many hosts. */
export async function parallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const errors: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift())
        await fn(item).catch((e) => errors.push(e));
    }),
  );
  if (errors.length) throw errors[0];
}

/** One role on one host in an apply: resolved before anything runs. */
export interface HostApply {
  h: HostEntry;
  /** Compose target of the release being applied. */
  target: ComposeTarget;
  /** Target of the release serving before (recreate roles restore it on failure). */
  previous?: ComposeTarget;
  /** Static files of the release on this host (roles.<role>.static), if it ships any. */
  static?: StaticPlan;
}

/** One role of an apply, its hosts in roll order: the first is a barrier the rest wait for. */
export interface RoleApply {
  roleName: string;
  supportServices: string[];
  /** Services pulled on every host of the role before anything switches (none: no pull). */
  pullServices: string[];
  hosts: HostApply[];
}

/**
 * What an apply does, as data: per role and host, the release to start and the one to restore.
 * Deploy, rollback and the post-switch switch-back differ only in this value.
 */
export interface ApplyPlan {
  releaseId: string;
  roles: RoleApply[];
  /** Runs each role's `migrate` on its first host before any switch (deploy only). */
  runMigrations: boolean;
  /** Bound of `compose pull` per host, enforced on the host (default 30 min: GPU images are large). */
  pullTimeoutSeconds?: number;
  /** Runs before every step that changes what serves (migrate, each switch batch): the lock check. */
  guard?: () => Promise<void>;
}

/** An apply described per role and host by functions; `planApply` resolves it into an ApplyPlan. */
export interface ApplySpec {
  releaseId: string;
  targets: (roleName: string, h: HostEntry) => ComposeTarget;
  previous: (roleName: string, h: HostEntry) => Promise<ComposeTarget | undefined>;
  supportServices: (roleName: string) => string[];
  pullServices: (roleName: string) => string[];
  runMigrations: boolean;
  statics?: (roleName: string, h: HostEntry) => StaticPlan | undefined;
  pullTimeoutSeconds?: number;
  guard?: () => Promise<void>;
}

/** Resolves a spec once, every role and host (reading the previous release's manifests). */
export async function planApply(s: EnvSession, spec: ApplySpec): Promise<ApplyPlan> {
  const roles: RoleApply[] = [];
  for (const [roleName] of s.roles) {
    const hosts: HostApply[] = [];
    for (const h of s.roleHosts(roleName))
      hosts.push({
        h,
        target: spec.targets(roleName, h),
        previous: await spec.previous(roleName, h),
        static: spec.statics?.(roleName, h),
      });
    roles.push({
      roleName,
      supportServices: spec.supportServices(roleName),
      pullServices: spec.pullServices(roleName),
      hosts,
    });
  }
  return {
    releaseId: spec.releaseId,
    roles,
    runMigrations: spec.runMigrations,
    pullTimeoutSeconds: spec.pullTimeoutSeconds,
    guard: spec.guard,
  };
}

export interface ApplyResult {
  timeToHealthyMs: number;
  /** Output of a failed migration (kept in the release log). */
  output?: string;
  /** Role and host of every switch that passed its health gate, in order (a later failure switches them back). */
  switched?: Array<{ roleName: string; host: string }>;
}

/** pull → migrate → switch with health gate, for every role; shared by deploy and rollback. */
export async function applyRelease(
  s: EnvSession,
  spec: ApplySpec,
  timings: StepTiming[],
  result: ApplyResult,
): Promise<void> {
  await executeApply(s, await planApply(s, spec), timings, result);
}

/** Runs an ApplyPlan: pull, static files, migrations, then each role's switch batches. */
export async function executeApply(
  s: EnvSession,
  plan: ApplyPlan,
  timings: StepTiming[],
  result: ApplyResult,
): Promise<void> {
  const pulls = plan.roles.flatMap((r) => (r.pullServices.length ? r.hosts.map((x) => ({ r, x })) : []));
  const pullTimeout = plan.pullTimeoutSeconds ?? 1800;
  await step(s, timings, 'pull', `${pulls.length} host(s)`, () =>
    parallel(pulls, 4, async ({ r: role, x: { h, target } }) => {
      const progress = pullProgress(h.key, role.pullServices.length, s.ports.logger);
      const r = await h.host
        .exec(withTimeout(pullTimeout, pullShowingProgress(target, role.pullServices)), {
          allowFailure: true,
          timeoutMs: (pullTimeout + 30) * 1000,
          where: `${h.key} pull`,
          onStdout: progress.onOutput,
          onStderr: progress.onOutput,
        })
        .finally(progress.finish);
      if (r.code === 0) return;
      const timedOut = r.code === 124 || r.code === 137;
      throw new UserError(
        `${h.key} pull`,
        timedOut
          ? `the image pull did not finish within ${pullTimeout} s and was stopped; nothing was switched, the old release keeps serving`
          : `the image pull failed (status ${r.code}); nothing was switched, the old release keeps serving:\n${tail(`${r.stdout}${r.stderr}`, 20)}`,
        timedOut
          ? 'check that the host reaches the registry (firewall, DNS, tunnel), or raise the pull timeout for large images'
          : 'check the registry address, credentials and that the image was pushed',
      );
    }),
  );
  const statics = plan.roles.flatMap((r) => r.hosts.flatMap(({ h, static: st }) => (st ? [{ h, st }] : [])));
  if (statics.length)
    await step(s, timings, 'static files', `${statics.length} host(s)`, () =>
      parallel(statics, 4, async ({ h, st }) => {
        if (await extractStatic(h.host, st.image, st.release))
          s.ports.logger.info(`${h.key}: extracted ${st.release.from} of ${st.image}`);
      }),
    );
  const roleOf = (roleName: string) => s.env.roles[roleName]!;
  if (plan.runMigrations) {
    for (const { roleName, hosts } of plan.roles) {
      const m = roleOf(roleName).migrate;
      if (!m) continue;
      const { h, target } = hosts[0]!;
      await plan.guard?.();
      await step(s, timings, 'migrate', h.key, async () => {
        let r: Awaited<ReturnType<typeof h.host.exec>>;
        try {
          r = await h.host.exec(withTimeout(m.timeout, migrate(target, m.service, m.command)), {
            allowFailure: true,
            timeoutMs: (m.timeout + 30) * 1000,
            where: `${h.key} migrate`,
          });
        } catch (err) {
          // The connection died under the migration: its container may still run on the host.
          const fate = await settleMigration(s, h, target.project, m.service, m.timeout);
          result.output = fate.output;
          throw new UserError(
            `${h.key} migrate`,
            `the connection was lost during the migration (${errorMessage(err).split('\n')[0]}); ${fate.summary}; nothing was switched, the old release keeps serving`,
            'deploy again once the host is reachable (the migration runs again: keep migrations idempotent)',
          );
        }
        const output = tail(`${r.stdout}${r.stderr}`, 40);
        s.ports.logger.info(output);
        if (r.code !== 0) {
          result.output = output;
          const timedOut = r.code === 124 || r.code === 137;
          if (timedOut) await settleMigration(s, h, target.project, m.service, 0);
          throw new UserError(
            `${h.key} migrate`,
            timedOut
              ? `the migration did not finish within ${m.timeout} s and was stopped; nothing was switched, the old release keeps serving:\n${output}`
              : `the migration exited with status ${r.code}; nothing was switched, the old release keeps serving:\n${output}`,
            timedOut
              ? 'make the migration faster or raise migrate.timeout'
              : 'fix the migration and deploy again',
          );
        }
      });
    }
  }
  for (const { roleName, hosts, supportServices } of plan.roles) {
    const role = roleOf(roleName);
    // The first host is a barrier: the rest only roll once it is healthy.
    const batches = [hosts.slice(0, 1), hosts.slice(1)].filter((b) => b.length);
    for (const batch of batches) {
      await plan.guard?.();
      // Settled, not Promise.all: a failure must not leave a sibling's switch running while the
      // caller switches the hosts already switched back.
      const settled = await Promise.allSettled(
        batch.map((x) =>
          step(s, timings, `switch ${roleName} (${role.strategy})`, x.h.key, async () => {
            const ctx = {
              host: x.h.host,
              role,
              roleName,
              target: x.target,
              previous: x.previous,
              supportServices,
              static: x.static,
              logger: s.ports.logger,
            };
            const r =
              role.strategy === 'recreate' ? await recreateSwitch(ctx) : await zeroDowntimeSwitch(ctx);
            result.timeToHealthyMs = Math.max(result.timeToHealthyMs, r.timeToHealthyMs);
            result.switched = [...(result.switched ?? []), { roleName, host: x.h.key }];
          }),
        ),
      );
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }
}

/**
 * After a migration whose client died (connection lost, timed out): waits up to `waitSeconds`
 * for its one-off container to finish — a migration cut in the middle is worse than one that
 * completes — then removes it (stopped with a grace period if still running), so no stray
 * container is left and the next deploy does not race it. Says what happened.
 */
async function settleMigration(
  s: EnvSession,
  h: HostEntry,
  project: string,
  service: string,
  waitSeconds: number,
): Promise<{ summary: string; output?: string }> {
  try {
    const list = await h.host.exec(oneOffContainers(project, service));
    const ids = list.stdout.split('\n').filter(Boolean);
    if (!ids.length) return { summary: 'no migration container is left on the host' };
    const waited =
      waitSeconds > 0
        ? await h.host.exec(waitContainers(waitSeconds, ids), {
            allowFailure: true,
            timeoutMs: (waitSeconds + 30) * 1000,
          })
        : undefined;
    const logs = await h.host.exec(containerLogs(ids[0]!, 40), { allowFailure: true });
    const output = tail(`${logs.stdout}${logs.stderr}`, 40);
    await h.host.exec(stopContainers(ids, 30), { allowFailure: true });
    await h.host.exec(removeContainers(ids), { allowFailure: true });
    const statuses = waited?.code === 0 ? waited.stdout.trim().split('\n').join(', ') : '';
    const summary = statuses
      ? `the migration container finished on the host with status ${statuses} and was removed`
      : `the migration container was still running after ${waitSeconds} s; it was stopped and removed`;
    s.ports.logger.warn(`${h.key}: ${summary}`);
    return { summary, output };
  } catch (err) {
    return { summary: `the host could not be asked what became of the migration (${errorMessage(err)})` };
  }
}

/** Appends the record to the release log of every host (each host can answer `releases`). */
export async function record(s: EnvSession, rec: ReleaseRecord): Promise<void> {
  const line = `${JSON.stringify(redactedRecord(rec))}\n`;
  const errors: string[] = [];
  for (const h of s.hosts.values()) {
    await h.host
      .exec(appendReleaseLog(h.root), { input: line, where: `${h.key} release log` })
      .catch((e) => errors.push(errorMessage(e)));
  }
  if (errors.length)
    s.ports.logger.warn(`the release log could not be written everywhere: ${errors.join('; ')}`);
}

/**
 * Prune: release folders and images beyond retention, never an image used by the last N
 * successful releases (kamal#1922), and only images this environment's release log deployed.
 */
export async function prune(s: EnvSession, records: ReleaseRecord[], retain: number): Promise<string[]> {
  const keep = retainedImages(records, retain);
  // A kept rollback record keeps its source's folder (that is what it runs from).
  const keepIds = new Set(
    records
      .filter((r) => r.result === 'success')
      .slice(-retain)
      .flatMap((r) => [r.id, releaseFolder(r)]),
  );
  const newestKept = records.findIndex((r) => keepIds.has(r.id));
  const dropIds = records
    .slice(0, Math.max(0, newestKept))
    .map((r) => r.id)
    .filter((id) => !keepIds.has(id));
  const repos = new Set(
    [...records.flatMap((r) => Object.values(r.images))].map((ref) =>
      ref.split('@')[0]!.replace(/:[^/:]+$/, ''),
    ),
  );
  // Only images this environment's own log deployed: another app or environment on the same
  // host (staging beside production) may keep its rollback images in the same repository.
  const deployedHere = new Set(records.flatMap((r) => Object.values(r.images)));
  const removed: string[] = [];
  for (const h of s.hosts.values()) {
    if (dropIds.length)
      await h.host.exec(removeTree(...dropIds.map((id) => s.layout(h).release(id))), {
        allowFailure: true,
      });
    // Published static files (old hashed assets) that no retained release folder holds.
    for (const [roleName, role] of s.roles) {
      if (!role.static || !s.roleHosts(roleName).includes(h)) continue;
      const keep = [...keepIds].map((id) => staticSource(s.releaseDir(h, id, roleName)));
      const published = posix.join(s.projectDir(h, roleName), role.static.dir);
      const r = await h.host.exec(pruneFiles(published, keep), { allowFailure: true });
      for (const f of r.stdout.split('\n').filter(Boolean)) removed.push(`${h.key} ${roleName} ${f}`);
    }
    // Host-wide retention: what every other app and environment on this host still keeps.
    const elsewhere = await keptOnHost(s, h, keep);
    if (!elsewhere) continue;
    for (const repo of repos) {
      const list = await h.host.exec(listImages(repo), { allowFailure: true });
      for (const line of list.stdout.split('\n')) {
        const ref = line.split('\t')[0]?.trim();
        if (!ref || ref.endsWith('@<none>') || keep.has(ref) || !deployedHere.has(ref)) continue;
        if (elsewhere.has(ref)) {
          s.ports.logger.info(`${h.key}: ${ref} stays: ${elsewhere.get(ref)} still retains it`);
          continue;
        }
        // `docker image rm` refuses images a container uses: that is the last safety net.
        const r = await h.host.exec(removeImage(ref), { allowFailure: true });
        if (r.code === 0) removed.push(`${h.key} ${ref}`);
      }
    }
  }
  return removed;
}

/** Publishes this environment's retained images on `h`; undefined (no image pruned) on failure. */
async function keptOnHost(
  s: EnvSession,
  h: HostEntry,
  keep: Set<string>,
): Promise<Map<string, string> | undefined> {
  try {
    await recordRetained(h, keep);
    return await retainedElsewhere(h);
  } catch (err) {
    s.ports.logger.warn(
      `${h.key}: what other environments on the host retain could not be read (${errorMessage(err)}): no image pruned there`,
    );
    return undefined;
  }
}

export function releasesTable(records: ReleaseRecord[], limit = 10): Report {
  const active = activeRelease(records)?.id;
  return new Report().table(
    ['', 'release', 'kind', 'git sha', 'image', 'when', 'who', 'result'],
    records
      .slice(-limit)
      .reverse()
      .map((r) => [
        r.id === active ? '▶ active' : '',
        r.id,
        r.kind + (r.source ? ` of ${r.source}` : ''),
        r.gitSha?.slice(0, 7) ?? '',
        r.image.replace(/@sha256:([a-f0-9]{12})[a-f0-9]+/, '@sha256:$1…'),
        r.finishedAt,
        r.actor,
        // A failed deploy after which hosts were switched back, or left on different releases.
        r.result +
          (r.switchBack?.hosts.length
            ? ' (switched back)'
            : r.switchBack?.kept.length
              ? ' (hosts differ)'
              : ''),
      ]),
  );
}

/**
 * Takes the app+environment lock on the primary host (owner = this run) and reports it at
 * once, so an action's post step can release it if the run is cancelled.
 */
export async function lockEnvironment(
  s: EnvSession,
  timings: StepTiming[],
  run: {
    config: { lock: { ttl: number; wait: number } };
    lockTtlSeconds?: number;
    lockWaitSeconds?: number;
    runId: string;
    actor: string;
    runUrl?: string;
  },
  onLocked?: (lock: { host: string; dir: string; token: string }) => void,
): Promise<DeployLock> {
  const p = s.primary;
  const dir = s.layout(p).lockDir;
  const lock = new DeployLock(
    p.host,
    {
      dir,
      ttlSeconds: run.lockTtlSeconds ?? run.config.lock.ttl,
      waitSeconds: run.lockWaitSeconds ?? run.config.lock.wait,
      runId: run.runId,
      actor: run.actor,
      runUrl: run.runUrl,
    },
    s.ports.logger,
  );
  await step(s, timings, 'lock', p.key, () => lock.acquire());
  onLocked?.({ host: p.key, dir, token: lock.token! });
  return lock;
}
