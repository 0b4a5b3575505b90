import { posix } from 'node:path';
import { ConfigError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Report } from '../core/report.js';
import { lockEnvironment, record, type StepTiming, step } from '../deploy/apply.js';
import { removeFiles } from '../deploy/commands.js';
import type { DeployLock } from '../deploy/lock.js';
import { newReleaseId, type ReleaseRecord, releaseFolder } from '../deploy/release-log.js';
import type { ConnectionInputs, HostEntry } from '../deploy/session.js';
import {
  composeDown,
  dirExists,
  labelledContainers,
  labelledNetworks,
  labelledVolumes,
  removeContainersForce,
  removeEnvironmentFolders,
  removeNetworks,
  removeRoleFolders,
  removeVolumes,
} from './commands.js';
import { DeployedEnvironment } from './environment.js';

export interface RemoveInputs extends ConnectionInputs {
  /** --role: take only this role off its hosts (default: the whole environment). */
  role?: string;
  /** --volumes: delete the compose projects' named volumes too (data: vector DB, model cache). */
  volumes?: boolean;
  /** --confirm: must be `<app>-<environment>` when volumes are deleted (typed by a person). */
  confirm?: string;
  runId: string;
  actor: string;
  runUrl?: string;
  lockWaitSeconds?: number;
}

export interface RemovedHost {
  host: string;
  role: string;
  project: string;
  containers: number;
  networks: number;
  volumes: string[];
}

export interface RemoveResult {
  /** removed: something was taken off; absent: the environment had no deploy root on its hosts. */
  outcome: 'removed' | 'absent';
  recordId?: string;
  roles: string[];
  hosts: RemovedHost[];
  report: Report;
}

/** The text `--confirm` must repeat before volumes (data) are deleted. */
export const confirmationOf = (app: string, environment: string): string => `${app}-${environment}`;

/** Refuses --volumes without the typed confirmation, before any host is touched. */
export function checkConfirmation(
  inputs: Pick<RemoveInputs, 'config' | 'environment' | 'volumes' | 'confirm'>,
) {
  if (!inputs.volumes) return;
  const expected = confirmationOf(inputs.config.app, inputs.environment);
  if (inputs.confirm !== expected)
    throw new ConfigError(
      '--confirm',
      inputs.confirm === undefined
        ? 'is required with --volumes: the volumes hold data (vector DB, model cache) that no deploy brings back'
        : `${JSON.stringify(inputs.confirm.slice(0, 60))} does not match ${expected}`,
      `type --confirm ${expected} (app-environment) to delete the volumes, or leave out --volumes`,
    );
}

/**
 * `ragship remove`: takes an environment (or one role of it) off its hosts, under the deploy
 * lock: compose project down (containers, one-offs and networks by the project's label, so a
 * project whose files are gone still goes), release folders and published files removed, the
 * lock freed. Named volumes only with --volumes and the typed confirmation. The release log
 * (and lock-releases.jsonl) stay as history, with a `remove` record appended on every host;
 * after a whole-environment remove no release is active.
 */
export async function runRemove(inputs: RemoveInputs, ports: { logger: Logger }): Promise<RemoveResult> {
  checkConfirmation(inputs);
  const { logger } = ports;
  const e = new DeployedEnvironment(inputs, ports);
  const roles = e.roles(inputs.role).map(([n]) => n);
  const whole = !inputs.role;
  const timings: StepTiming[] = [];
  const report = new Report().heading(
    `Remove ${e.s.app} ${inputs.environment}${inputs.role ? ` role ${inputs.role}` : ''}`,
  );
  let lock: DeployLock | undefined;
  let lockGone = false;
  try {
    await e.open();
    const p = e.s.primary;
    const present = await Promise.all(
      [...e.s.hosts.values()].map(
        async (h) => (await h.host.exec(dirExists(h.root), { allowFailure: true })).code === 0,
      ),
    );
    if (!present.some(Boolean)) {
      report.text(`nothing to remove: no deploy root of ${e.s.app} ${inputs.environment} on its hosts`);
      return { outcome: 'absent', roles, hosts: [], report };
    }
    lock = await lockEnvironment(e.s, timings, {
      config: inputs.config,
      lockWaitSeconds: inputs.lockWaitSeconds,
      runId: inputs.runId,
      actor: inputs.actor,
      runUrl: inputs.runUrl,
    });
    const startedAt = new Date();
    const active = e.active;
    const removed: RemovedHost[] = [];
    for (const roleName of roles) {
      const project = e.s.project(roleName);
      for (const h of e.s.roleHosts(roleName)) {
        await lock.assertHeld();
        await step(e.s, timings, `remove ${roleName}`, h.key, async () => {
          removed.push(await removeRoleOn(e, h, roleName, project, !!inputs.volumes, active, logger));
        });
      }
    }
    const rec: ReleaseRecord = {
      id: newReleaseId(startedAt),
      kind: 'remove',
      roles: whole ? undefined : roles,
      volumesRemoved: !!inputs.volumes,
      app: e.s.app,
      environment: inputs.environment,
      image: '',
      images: {},
      composeHash: '',
      envHash: '',
      actor: inputs.actor,
      runUrl: inputs.runUrl,
      result: 'removed',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      timings: Object.fromEntries(timings.map((t) => [`${t.step} ${t.host}`, t.ms])),
      previous: active?.id,
    };
    if (whole) for (const h of e.s.hosts.values()) await h.host.exec(removeEnvironmentFolders(h.root));
    await record(e.s, rec);
    if (whole) {
      // The lock goes last: released by its token (never someone else's), then nothing is left
      // but the history files.
      await lock.release();
      lockGone = true;
      for (const h of e.s.hosts.values())
        await h.host.exec(removeFiles(posix.join(h.root, 'lock.guard')), { allowFailure: true });
      if (p) logger.info(`${p.key}: deploy lock removed`);
    }
    report
      .table(
        ['host', 'role', 'project', 'containers', 'networks', 'volumes'],
        removed.map((r) => [
          r.host,
          r.role,
          r.project,
          r.containers,
          r.networks,
          r.volumes.length ? r.volumes.join(', ') : inputs.volumes ? 'none' : 'kept',
        ]),
      )
      .text(
        `recorded as ${rec.id} in the release log${whole ? '; the deploy root keeps only releases.jsonl and lock-releases.jsonl' : ''}`,
      );
    return { outcome: 'removed', recordId: rec.id, roles, hosts: removed, report };
  } finally {
    if (lock && !lockGone)
      await lock
        .release()
        .catch((err) =>
          logger.warn(`could not release the deploy lock: ${errorMessage(err)} — it expires after its TTL`),
        );
    e.close();
  }
}

async function removeRoleOn(
  e: DeployedEnvironment,
  h: HostEntry,
  roleName: string,
  project: string,
  volumes: boolean,
  active: ReleaseRecord | undefined,
  logger: Logger,
): Promise<RemovedHost> {
  h.compose = await e.compose(h);
  const list = async () =>
    (await h.host.exec(labelledContainers(project))).stdout.split('\n').filter(Boolean);
  const running = await list();
  const listVolumes = async () =>
    (await h.host.exec(labelledVolumes(project))).stdout.split('\n').filter(Boolean);
  // Listed before compose down, which may delete them itself.
  const vols = volumes ? await listVolumes() : [];
  // compose down with the active release's files when they are there (it knows the project's
  // networks and volumes); the label sweep after it removes whatever is left either way.
  const rel = active ? await e.s.recordedRelease(h, roleName, releaseFolder(active)) : undefined;
  if (rel) {
    const r = await h.host.exec(composeDown(rel.target, volumes), {
      allowFailure: true,
      timeoutMs: 300_000,
      where: `${h.key} compose down ${project}`,
    });
    if (r.code !== 0)
      logger.warn(`${h.key}: compose down ${project} exited ${r.code}; removing by label instead`);
  }
  const ids = await list();
  if (ids.length) await h.host.exec(removeContainersForce(ids), { timeoutMs: 300_000 });
  const nets = (await h.host.exec(labelledNetworks(project))).stdout.split('\n').filter(Boolean);
  if (nets.length) await h.host.exec(removeNetworks(nets), { allowFailure: true });
  if (volumes) {
    const left = await listVolumes();
    if (left.length) await h.host.exec(removeVolumes(left));
  }
  await h.host.exec(removeRoleFolders(h.root, roleName));
  logger.info(
    `${h.key}: ${project} down (${running.length} container(s), ${nets.length} network(s) left by compose${volumes ? `, ${vols.length} volume(s)` : ''}), release folders removed`,
  );
  return {
    host: h.key,
    role: roleName,
    project,
    containers: running.length,
    networks: nets.length,
    volumes: vols,
  };
}
