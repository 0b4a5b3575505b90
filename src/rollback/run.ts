import { posix } from 'node:path';
import { environmentOf } from '../config/load.js';
import { ConfigError, errorMessage, UserError } from '../core/errors.js';
import { Report } from '../core/report.js';
import { grammars } from '../core/validate.js';
import {
  type ApplyResult,
  activeRelease,
  attachFailure,
  type ComposeTarget,
  type ConnectionInputs,
  type DeployLock,
  EnvSession,
  executeApply,
  FailureLogCapture,
  failedStep,
  imageExists,
  lockEnvironment,
  newReleaseId,
  pullImage,
  type ReleaseRecord,
  record,
  releaseFolder,
  releasesTable,
  resolveTarget,
  type SessionPorts,
  type StepTiming,
  servingAfterFailure,
  step,
  stepsTable,
  summarizeTimings,
} from '../deploy/index.js';
import { type RecordedRelease, roleHostKey, rollbackPlan } from './plan.js';

export interface RollbackInputs extends ConnectionInputs {
  /** previous | a release id | an image tag or digest. */
  to: string;
  reason?: string;
  /** Fail when the target expects an older schema than the one now live. */
  blockOnOlderSchema?: boolean;
  runId: string;
  actor: string;
  runUrl?: string;
  lockTtlSeconds?: number;
  lockWaitSeconds?: number;
}

export interface RollbackPorts extends SessionPorts {
  onLocked?: (lock: { host: string; dir: string; token: string }) => void;
}

export interface RollbackResult {
  releaseId: string;
  targetReleaseId: string;
  fromReleaseId?: string;
  image: string;
  schemaWarning?: string;
  timeToHealthyMs: number;
  durationMs: number;
  timings: StepTiming[];
  connectionsPerHost: Record<string, number>;
  report: Report;
}

export function validateTo(to: string): string {
  if (to === 'previous') return to;
  // A bad value is a usage error (ConfigError: the CLI exits 2), caught before any connection.
  for (const g of ['releaseId', 'tag', 'digest', 'imageRef'] as const)
    if (grammars[g].pattern.test(to) && to.length <= grammars[g].max) return to;
  throw new ConfigError(
    'to',
    `${JSON.stringify(to.slice(0, 60))} is not previous, a release id, a tag or a digest`,
    'use previous or a release id from `ragship releases`',
  );
}

/** Re-applies a recorded release (compose files + env + image digest) through the deploy path. */
export async function runRollback(inputs: RollbackInputs, ports: RollbackPorts): Promise<RollbackResult> {
  const to = validateTo(inputs.to);
  if (environmentOf(inputs.config, inputs.environment).engine === 'swarm')
    return (await import('../swarm/run.js')).runSwarmRollback({ ...inputs, to }, ports);
  const capture = new FailureLogCapture(ports.logger);
  ports = { ...ports, logger: capture };
  const s = new EnvSession(inputs, ports);
  const logger = ports.logger;
  const t0 = performance.now();
  const timings: StepTiming[] = [];
  const result: ApplyResult = { timeToHealthyMs: 0 };
  const releaseId = newReleaseId(new Date());
  let lock: DeployLock | undefined;
  let rec: ReleaseRecord | undefined;
  let active: ReleaseRecord | undefined;
  try {
    await step(s, timings, 'preflight', `${s.hosts.size} host(s)`, () => s.preflight());
    lock = await lockEnvironment(s, timings, inputs, ports.onLocked);
    const records = await s.readReleases();
    const target = resolveTarget(records, to);
    // Rolling back to a rollback record re-applies the folder that record ran from.
    const folder = releaseFolder(target);
    active = activeRelease(records);
    let schemaWarning: string | undefined;
    if (target.schemaVersion && active?.schemaVersion && target.schemaVersion < active.schemaVersion) {
      schemaWarning = `⚠️ ${target.id} expects schema ${target.schemaVersion}, the live schema is ${active.schemaVersion}: migrations are not run backwards`;
      if (inputs.blockOnOlderSchema)
        throw new UserError(
          'to',
          schemaWarning,
          'if the old code reads the new schema, roll back without blocking (the CLI without --block-older-schema; the action with allow-older-schema: true)',
        );
      logger.warn(schemaWarning);
    }
    const recorded = new Map<string, RecordedRelease>();
    const previous = new Map<string, ComposeTarget | undefined>();
    await step(s, timings, 'check release + images', `${s.hosts.size} host(s)`, async () => {
      for (const [roleName] of s.roles) {
        for (const h of s.roleHosts(roleName)) {
          const rel = await s.recordedRelease(h, roleName, folder);
          if (!rel)
            throw new UserError(
              'to',
              `release ${folder} has no release folder on ${h.key} (pruned beyond retention)`,
              `roll back to one of: ${await available(s, records)}`,
            );
          recorded.set(roleHostKey(roleName, h.key), rel);
          // What recreate roles restore if the target fails its health gate.
          if (active)
            previous.set(
              roleHostKey(roleName, h.key),
              await s.recordedTarget(h, roleName, releaseFolder(active)),
            );
          // Roles without the app image (vLLM) keep the image their recorded compose names.
          const image = target.images[roleName];
          if (!image) continue;
          if ((await h.host.exec(imageExists(image), { allowFailure: true })).code === 0) continue;
          logger.info(`${h.key}: ${image} was pruned here; pulling it by digest`);
          const pulled = await h.host.exec(pullImage(image), { allowFailure: true });
          if (pulled.code !== 0) {
            throw new UserError(
              'to',
              `image ${image} of ${target.id} is neither on ${h.key} nor pullable from the registry: ${pulled.stderr.trim().split('\n').pop()}`,
              `nothing was switched; roll back to one of: ${await available(s, records, image)}`,
            );
          }
        }
      }
    });
    for (const [roleName, role] of s.roles) {
      const m = recorded.get(roleHostKey(roleName, s.roleHosts(roleName)[0]!.key))!.manifest;
      if (role.static && !m.static)
        logger.warn(
          `${roleName}: ${folder} shipped no static files (roles.${roleName}.static); the published pages stay as they are`,
        );
    }
    rec = {
      ...target,
      id: releaseId,
      kind: 'rollback',
      source: folder,
      actor: inputs.actor,
      runUrl: inputs.runUrl,
      result: 'failed',
      error: undefined,
      output: undefined,
      startedAt: new Date().toISOString(),
      finishedAt: '',
      timings: {},
      previous: active?.id,
    };
    const plan = rollbackPlan(s, {
      folder,
      target,
      activeFolder: active && releaseFolder(active),
      recorded,
      previous,
      guard: () => lock!.assertHeld(),
    });
    await executeApply(s, plan, timings, result);
    rec.result = 'success';
    rec.finishedAt = new Date().toISOString();
    rec.timings = summarizeTimings(timings);
    await record(s, rec);
    const all = [...records, rec];
    const report = new Report()
      .heading(`Rollback of ${s.app} ${inputs.environment} to ${target.id}`)
      .text(schemaWarning ? `> ${schemaWarning}` : '')
      .table(
        ['', ''],
        [
          ['from', active?.id ?? '—'],
          ['to', target.id],
          ['image', target.image],
          ['reason', inputs.reason || '—'],
          ['recorded as', releaseId],
          ['time to healthy', `${(result.timeToHealthyMs / 1000).toFixed(1)} s`],
        ],
      )
      .text(stepsTable(timings).toString().trimEnd())
      .heading('Releases', 3)
      .text(releasesTable(all).toString());
    return {
      releaseId,
      targetReleaseId: target.id,
      fromReleaseId: active?.id,
      image: target.image,
      schemaWarning,
      timeToHealthyMs: result.timeToHealthyMs,
      durationMs: performance.now() - t0,
      timings,
      connectionsPerHost: s.connectionsPerHost(),
      report,
    };
  } catch (err) {
    attachFailure(err, {
      kind: 'rollback',
      app: s.app,
      environment: inputs.environment,
      releaseId: rec ? releaseId : undefined,
      ...failedStep(timings, err),
      error: errorMessage(err),
      logs: capture.lastLogs,
      serving: servingAfterFailure(s.hosts.keys(), timings, rec?.source ?? releaseId, active),
    });
    if (rec && rec.result !== 'success') {
      rec.error = errorMessage(err).slice(0, 2000);
      rec.finishedAt = new Date().toISOString();
      rec.timings = summarizeTimings(timings);
      await record(s, rec).catch(() => undefined);
    }
    throw err;
  } finally {
    await lock?.release().catch((e) => logger.warn(`could not release the deploy lock: ${errorMessage(e)}`));
    s.close();
  }
}

/** Successful releases whose folders are still on the hosts (minus those using `missingImage`). */
async function available(s: EnvSession, records: ReleaseRecord[], missingImage?: string): Promise<string> {
  const out: string[] = [];
  for (const r of records.filter((x) => x.result === 'success').reverse()) {
    if (missingImage && Object.values(r.images).includes(missingImage)) continue;
    const present = await Promise.all(
      s.roles.map(([n]) => s.recordedTarget(s.roleHosts(n)[0]!, n, releaseFolder(r))),
    );
    if (present.every(Boolean)) out.push(`${r.id} (${r.image})`);
  }
  return out.join(', ') || 'none';
}

/** `ragship releases`: the release log of the primary host. */
export async function listReleases(
  inputs: ConnectionInputs,
  ports: SessionPorts,
): Promise<{ records: ReleaseRecord[]; report: Report }> {
  const s = new EnvSession(inputs, ports);
  try {
    await s.resolveRoot(s.primary);
    const records = await s.readReleases();
    return {
      records,
      report: new Report()
        .heading(`Releases of ${s.app} ${inputs.environment}`)
        .text(releasesTable(records, 20).toString()),
    };
  } finally {
    s.close();
  }
}
