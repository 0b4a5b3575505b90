import { posix } from 'node:path';
import { CONNECTED_CHECKS, checkProject } from '../config/check.js';
import { environmentOf } from '../config/load.js';
import { errorMessage, UserError } from '../core/errors.js';
import { Report } from '../core/report.js';
import { validate } from '../core/validate.js';
import { type HookContext, runHook } from '../hooks/run.js';
import { postSwitch } from '../hooks/switch-back.js';
import { checkEnvironmentPullSpace, pullImagesOf } from '../preflight/pull-space.js';
import {
  type ApplyResult,
  applyRelease,
  lockEnvironment,
  prune,
  record,
  releasesTable,
  type StepTiming,
  step,
  stepsTable,
  summarizeTimings,
} from './apply.js';
import { freeKiB, mkdirs, pullImage, removeTree, repoDigests, syncFiles } from './commands.js';
import { envHashKey } from './env-hash.js';
import { attachFailure, FailureLogCapture, failedStep, servingAfterFailure } from './failure.js';
import type { OnFailure } from './inputs.js';
import type { DeployLock } from './lock.js';
import {
  activeRelease,
  newReleaseId,
  type ReleaseRecord,
  releaseFolder,
  type SwitchBackRecord,
} from './release-log.js';
import { pullServicesOf, type RoleBundle, renderRole } from './render.js';
import { admitEnv, type ConnectionInputs, EnvSession, type HostEntry, type SessionPorts } from './session.js';
import { type StaticManifest, staticPlan } from './static.js';
import { releasesAfterFailure, SWITCH_BACK_STEP, switchBackHosts, switchBackLine } from './switch-back.js';

export interface DeployInputs extends ConnectionInputs {
  /** repo@sha256:digest (preferred) or repo:tag (resolved to its digest on the primary host). */
  image: string;
  /** Runtime env for the app image services (secrets), already parsed. */
  env: Record<string, string>;
  repoDir: string;
  runId: string;
  actor: string;
  runUrl?: string;
  gitSha?: string;
  schemaVersion?: string;
  dryRun?: boolean;
  lockTtlSeconds?: number;
  lockWaitSeconds?: number;
  /** Bound of the image pull on each host (default 1800 s), enforced on the host. */
  pullTimeoutSeconds?: number;
  /** A host failing its switch after others switched: switch them back (default) or keep them. */
  onFailure?: OnFailure;
}

export interface DeployPorts extends SessionPorts {
  /** Called as soon as the lock is held, so the action's post step can release it. */
  onLocked?: (lock: { host: string; dir: string; token: string }) => void;
}

export interface DeployResult {
  releaseId: string;
  previousReleaseId?: string;
  image: string;
  url?: string;
  timeToHealthyMs: number;
  timings: StepTiming[];
  connectionsPerHost: Record<string, number>;
  report: Report;
  pruned: string[];
}

/** Validates every user string of a deploy before any connection. */
export function validateDeployInputs(inputs: DeployInputs): void {
  validate('imageRef', inputs.image, 'image');
  for (const k of Object.keys(inputs.env)) validate('envVar', k, `env ${k}`);
  if (inputs.gitSha) validate('sha', inputs.gitSha, 'git-sha');
}

async function resolveDigest(h: HostEntry, image: string): Promise<string> {
  if (image.includes('@sha256:')) return image.replace(/:[^/:@]+@/, '@');
  await h.host.exec(pullImage(image), { where: `${h.key} pull ${image}` });
  const r = await h.host.exec(repoDigests(image));
  const repo = image.replace(/:[^/:]+$/, '');
  const digest = r.stdout.split('\n').find((d) => d.startsWith(`${repo}@`));
  if (!digest)
    throw new UserError(
      'image',
      `${image} has no registry digest on ${h.key}`,
      'push the image to a registry and deploy repo@sha256:…',
    );
  return validate('imageRef', digest, 'image digest');
}

export async function runDeploy(inputs: DeployInputs, ports: DeployPorts): Promise<DeployResult> {
  validateDeployInputs(inputs);
  if (environmentOf(inputs.config, inputs.environment).engine === 'swarm')
    return (await import('../swarm/run.js')).runSwarmDeploy(inputs, ports);
  // `ragship config check`: compose files, services and files: of this environment, no SSH yet.
  checkProject(inputs.config, { dir: inputs.repoDir, environment: inputs.environment });
  const capture = new FailureLogCapture(ports.logger);
  ports = { ...ports, logger: capture };
  const s = new EnvSession(inputs, ports);
  const logger = ports.logger;
  admitEnv(s, inputs.env, logger);
  const timings: StepTiming[] = [];
  const startedAt = new Date();
  const releaseId = newReleaseId(startedAt, inputs.gitSha);
  let lock: DeployLock | undefined;
  let rec: ReleaseRecord | undefined;
  const result: ApplyResult = { timeToHealthyMs: 0 };
  let previous: ReleaseRecord | undefined;
  let back: SwitchBackRecord | undefined;
  try {
    await step(s, timings, 'preflight', `${s.hosts.size} host(s)`, () => s.preflight());
    const image = await resolveDigest(s.primary, inputs.image);
    // envHash is keyed by the primary host's secret (env-hash.ts), as every host's log records it.
    const envKey = await envHashKey(s.primary.host);
    const bundles = new Map<string, RoleBundle>(
      s.roles.map(([n, r]) => [n, renderRole(n, r, inputs.repoDir, image, inputs.env, releaseId, envKey)]),
    );
    // The disk floor from the images each host still has to pull (+ minFreeDiskGiB), before the lock.
    await step(s, timings, 'disk', `${s.hosts.size} host(s)`, () =>
      checkEnvironmentPullSpace(s, (n) => pullImagesOf(s.env.roles[n]!, bundles.get(n)!, image)),
    );
    if (inputs.dryRun) {
      logger.info(`dry run: would deploy ${image} as ${releaseId} to ${[...s.hosts.keys()].join(', ')}`);
      return finish(s, { releaseId, image, timings, result, pruned: [], dry: true });
    }
    lock = await lockEnvironment(s, timings, inputs, ports.onLocked);
    const before = await s.readReleases();
    previous = activeRelease(before);
    rec = {
      id: releaseId,
      kind: 'deploy',
      app: s.app,
      environment: inputs.environment,
      gitSha: inputs.gitSha,
      image,
      images: Object.fromEntries(s.roles.filter(([, r]) => r.appImage).map(([n]) => [n, image])),
      composeHash: [...bundles.values()].map((b) => b.composeHash).join(','),
      envHash: [...bundles.values()].map((b) => b.envHash).join(','),
      actor: inputs.actor,
      runUrl: inputs.runUrl,
      result: 'failed',
      startedAt: startedAt.toISOString(),
      finishedAt: '',
      timings: {},
      previous: previous?.id,
      schemaVersion: inputs.schemaVersion,
    };
    await step(s, timings, 'upload', `${s.hosts.size} host(s)`, async () => {
      try {
        for (const [roleName, b] of bundles)
          for (const h of s.roleHosts(roleName)) await uploadBundle(s, h, roleName, b, releaseId, image);
      } catch (err) {
        // A half-written release (disk full, connection lost) must not stay behind as if whole.
        const free: string[] = [];
        for (const h of s.hosts.values()) {
          await h.host
            .exec(removeTree(s.layout(h).release(releaseId)), { allowFailure: true })
            .catch(() => undefined);
          const df = await h.host.exec(freeKiB(h.root), { allowFailure: true }).catch(() => undefined);
          const kib = Number(df?.stdout.trim().split('\n').at(-1)?.split(/\s+/)[3]);
          if (Number.isFinite(kib) && kib < 1024) free.push(`${h.key} has ${kib} KiB free under ${h.root}`);
        }
        const full = free.length > 0 || /ENOSPC|No space left|disk full|quota/i.test(errorMessage(err));
        throw new UserError(
          'upload',
          `the release could not be written to the host(s): ${errorMessage(err)}${free.length ? ` (disk full: ${free.join('; ')})` : ''}; its partial files were removed, nothing was switched, the old release keeps serving`,
          full
            ? 'free disk space under the deploy root (prune old images and releases), then deploy again'
            : 'check the deploy root on the host is writable, then deploy again',
        );
      }
    });
    const targets = (roleName: string, h: HostEntry) =>
      s.target(
        h,
        roleName,
        releaseId,
        bundles.get(roleName)!.composeFiles.map((f) => f.name),
      );
    const hooks: HookContext = {
      releaseId,
      previousReleaseId: previous?.id,
      environment: inputs.environment,
      target: targets,
      timings,
      guard: () => lock!.assertHeld(),
    };
    await runHook(s, 'pre-deploy', hooks);
    try {
      await applyRelease(
        s,
        {
          releaseId,
          targets,
          previous: async (roleName, h) =>
            previous ? s.recordedTarget(h, roleName, releaseFolder(previous)) : undefined,
          supportServices: (roleName) => bundles.get(roleName)!.supportServices,
          pullServices: (roleName) =>
            pullServicesOf(s.env.roles[roleName]!).filter((x) => bundles.get(roleName)!.services.includes(x)),
          runMigrations: true,
          pullTimeoutSeconds: inputs.pullTimeoutSeconds,
          guard: () => lock!.assertHeld(),
          statics: (roleName, h) => {
            const st = s.env.roles[roleName]!.static;
            return st
              ? staticPlan(s, h, roleName, st, image, releaseId, previous && releaseFolder(previous))
              : undefined;
          },
        },
        timings,
        result,
      );
    } catch (err) {
      // Switches are the last thing applyRelease does: hosts already switched differ from the rest.
      back = await switchBackHosts(s, {
        mode: inputs.onFailure ?? s.env.onFailure,
        switched: result.switched ?? [],
        previous,
        current: (roleName, key) => targets(roleName, s.hosts.get(key)!),
        timings,
        guard: () => lock!.assertHeld(),
      });
      if (!back) throw err;
      const line = switchBackLine(back, releaseId);
      logger.warn(line);
      throw withLine(err, line);
    }
    await postSwitch(s, { ...hooks, previous });
    rec.result = 'success';
    let pruned: string[] = [];
    await step(s, timings, 'record + prune', '', async () => {
      rec!.finishedAt = new Date().toISOString();
      rec!.timings = summarizeTimings(timings);
      await record(s, rec!);
      pruned = await prune(s, [...before, rec!], inputs.config.retain);
    });
    // The release is recorded and serves: a failing post-deploy hook only warns.
    await runHook(s, 'post-deploy', hooks).catch((err) =>
      logger.warn(`${errorMessage(err)} (the release ${releaseId} stays active)`),
    );
    return finish(s, {
      releaseId,
      image,
      previousReleaseId: previous?.id,
      timings,
      result,
      pruned,
      records: [...before, rec],
    });
  } catch (err) {
    const releases = result.switched?.length
      ? releasesAfterFailure(
          s.hosts.keys(),
          result.switched.map((x) => x.host),
          releaseId,
          previous,
          back,
        )
      : undefined;
    attachFailure(err, {
      kind: 'deploy',
      app: s.app,
      environment: inputs.environment,
      releaseId: rec ? releaseId : undefined,
      // The step that failed, not a switch back that followed it.
      ...failedStep(
        timings.filter((t) => !t.step.startsWith(SWITCH_BACK_STEP)),
        err,
      ),
      error: errorMessage(err),
      logs: capture.lastLogs ?? result.output,
      serving: servingAfterFailure(s.hosts.keys(), timings, releaseId, previous, back),
      releases,
      switchBack: back,
    });
    if (rec && back) {
      rec.switchBack = back;
      rec.serving = releases;
    }
    if (rec && rec.result !== 'success') {
      rec.error = errorMessage(err).slice(0, 2000);
      rec.output = result.output;
      rec.finishedAt = new Date().toISOString();
      rec.timings = summarizeTimings(timings);
      await record(s, rec).catch(() => undefined);
    }
    throw err;
  } finally {
    await lock
      ?.release()
      .catch((e) =>
        logger.warn(`could not release the deploy lock: ${errorMessage(e)} — it expires after its TTL`),
      );
    s.close();
  }
}

async function uploadBundle(
  s: EnvSession,
  h: HostEntry,
  roleName: string,
  b: RoleBundle,
  releaseId: string,
  image: string,
): Promise<void> {
  const dir = s.releaseDir(h, releaseId, roleName);
  const filesDir = posix.join(dir, 'files');
  const subdirs = [...new Set(b.files.map((f) => posix.dirname(posix.join(filesDir, f.path))))];
  await h.host.exec(mkdirs(dir, filesDir, s.projectDir(h, roleName), ...subdirs));
  for (const f of b.composeFiles) await h.host.upload(posix.join(dir, f.name), f.content, 0o600);
  await h.host.upload(posix.join(dir, b.envOverlay.name), b.envOverlay.content, 0o600);
  await h.host.upload(posix.join(dir, b.composeEnv.name), b.composeEnv.content, 0o600);
  for (const f of b.files) await h.host.upload(posix.join(filesDir, f.path), f.content, 0o644);
  const manifest = {
    releaseId,
    role: roleName,
    image,
    composeFiles: b.composeFiles.map((f) => f.name),
    supportServices: b.supportServices,
    services: b.services,
    files: b.files.map((f) => f.path),
    static: s.env.roles[roleName]!.static satisfies StaticManifest | undefined,
    composeHash: b.composeHash,
    envHash: b.envHash,
  };
  await h.host.upload(posix.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
  if (b.files.length) await h.host.exec(syncFiles(filesDir, s.projectDir(h, roleName)));
}

function finish(
  s: EnvSession,
  o: {
    releaseId: string;
    image: string;
    previousReleaseId?: string;
    timings: StepTiming[];
    result: ApplyResult;
    pruned: string[];
    records?: ReleaseRecord[];
    dry?: boolean;
  },
): DeployResult {
  const report = new Report()
    .heading(`${o.dry ? 'Dry run: ' : ''}Deploy ${s.app} to ${s.inputs.environment}`)
    .table(
      ['', ''],
      [
        ['release', o.releaseId],
        ['image', o.image],
        ['previous release', o.previousReleaseId ?? '—'],
        ['time to healthy', `${(o.result.timeToHealthyMs / 1000).toFixed(1)} s`],
        [
          'SSH connections',
          Object.entries(s.connectionsPerHost())
            .map(([h, n]) => `${h}: ${n}`)
            .join(', '),
        ],
      ],
    )
    .text(stepsTable(o.timings).toString().trimEnd());
  if (o.dry) {
    // The plan: what would run, and which checks needed the connection (the rest ran offline).
    const roles = s.roles.map(
      ([n, r]) =>
        `${n} (${r.strategy}, service ${r.service}${r.migrate ? `, migrate ${r.migrate.service}` : ''})`,
    );
    report
      .heading('Plan', 3)
      .text(
        `Would: lock ${s.inputs.environment}, upload the release to ${[...s.hosts.keys()].join(', ')}, pull ${o.image}, ` +
          `migrate, switch ${roles.join('; ')}, health gate, record, prune. Nothing was changed.`,
      )
      .text(
        'Checked without a connection (`ragship config check`): ragship.yml, its compose files, services and files:. ' +
          `Checked over SSH (preflight): ${CONNECTED_CHECKS.slice(0, 4).join('; ')}. Not checked by a dry run: the deploy lock, the pull, migrations and the health gate.`,
      );
  }
  if (o.pruned.length) report.details(`pruned ${o.pruned.length} image(s)`, o.pruned.join('\n'));
  if (o.records) report.heading('Releases', 3).text(releasesTable(o.records).toString());
  return {
    releaseId: o.releaseId,
    previousReleaseId: o.previousReleaseId,
    image: o.image,
    url: s.env.url,
    timeToHealthyMs: o.result.timeToHealthyMs,
    timings: o.timings,
    connectionsPerHost: s.connectionsPerHost(),
    report,
    pruned: o.pruned,
  };
}

/** The error with one more line of what happened after it (the UserError's where and fix kept). */
function withLine(err: unknown, line: string): unknown {
  if (err instanceof UserError) {
    const prefix = `${err.where}: `;
    const suffix = err.fix ? ` — ${err.fix}` : '';
    const problem = err.message.slice(prefix.length, suffix ? -suffix.length : undefined);
    return new UserError(err.where, `${problem}\n${line}`, err.fix, { cause: err });
  }
  if (err instanceof Error) err.message += `\n${line}`;
  return err;
}
