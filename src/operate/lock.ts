import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Report } from '../core/report.js';
import { record } from '../deploy/apply.js';
import { appendStdin } from '../deploy/commands.js';
import { describeOwner, readOwner, releaseLock } from '../deploy/lock.js';
import { newReleaseId } from '../deploy/release-log.js';
import type { ConnectionInputs } from '../deploy/session.js';
import { dirExists, hostClock } from './commands.js';
import { DeployedEnvironment } from './environment.js';
import { type LockStatus, lockStatus } from './status.js';

export interface LockReleaseInputs extends ConnectionInputs {
  /** Why the lock is freed by hand: kept in <root>/lock-releases.jsonl on the host. */
  reason: string;
  /** Who frees it (GITHUB_ACTOR or the local user). */
  actor: string;
}

export interface LockReleaseResult {
  /** released: the holder seen was removed; absent: there was no lock; changed: another run took it meanwhile. */
  outcome: 'released' | 'absent' | 'changed';
  host: string;
  previous?: LockStatus['owner'];
  report: Report;
}

/** `ragship lock status`: who holds the deploy lock of an environment, and whether it expired. */
export async function runLockStatus(
  inputs: ConnectionInputs,
  ports: { logger: Logger },
): Promise<LockStatus & { report: Report }> {
  const e = new DeployedEnvironment(inputs, ports);
  try {
    await e.open();
    const lock = await lockStatus(e);
    const report = new Report().heading(`Deploy lock: ${inputs.environment}`);
    report.text(
      lock.held
        ? `held on ${lock.host} by ${describeOwner(lock.owner)}${lock.stale ? '; expired: the next deploy takes it over' : ''}`
        : `free on ${lock.host}`,
    );
    return { ...lock, report };
  } finally {
    e.close();
  }
}

/**
 * `ragship lock release --force --reason …`: frees a lock whose run is gone (a killed runner),
 * instead of waiting out its TTL. It removes exactly the holder it read (the host compares the
 * token under the lock's guard), so a run that took the lock meanwhile keeps it; the release is
 * appended to <root>/lock-releases.jsonl with the reason, who and when, and recorded as a
 * `lock-release` record in the release log of every host of the environment.
 */
export async function runLockRelease(
  inputs: LockReleaseInputs,
  ports: { logger: Logger },
): Promise<LockReleaseResult> {
  const { logger } = ports;
  const e = new DeployedEnvironment(inputs, ports);
  try {
    await e.open();
    const p = e.s.primary;
    const dir = posix.join(p.root, 'lock');
    const report = new Report().heading(`Deploy lock: ${inputs.environment}`);
    const exists = (await p.host.exec(dirExists(dir), { allowFailure: true })).code === 0;
    if (!exists) {
      report.text(`no lock on ${p.key}: nothing to release`);
      return { outcome: 'absent', host: p.key, report };
    }
    const owner = await readOwner(p.host, dir);
    if (!owner)
      throw new UserError(
        `${p.key} ${dir}`,
        'is a lock folder without owner.json, so no run can be named or released through the guard',
        `check that no deploy runs, then remove it on the host: rm -r ${dir}`,
      );
    const { token, ...previous } = owner;
    const released = await releaseLock(p.host, dir, token, logger);
    if (!released) {
      report.text(`the lock changed hands while releasing; it is left to its new holder`);
      return { outcome: 'changed', host: p.key, previous, report };
    }
    const at = (await p.host.exec(hostClock)).stdout.trim();
    const audit = JSON.stringify({
      releasedAt: new Date(Number(at) * 1000).toISOString(),
      by: inputs.actor,
      reason: inputs.reason,
      holder: { runId: previous.runId, actor: previous.actor, acquiredAt: previous.acquiredAt },
    });
    await p.host.exec(appendStdin(posix.join(p.root, 'lock-releases.jsonl')), {
      input: `${audit}\n`,
    });
    // Also in the release log of every host, where the deploys and rollbacks around it are.
    const when = new Date(Number(at) * 1000);
    await record(e.s, {
      id: newReleaseId(when),
      kind: 'lock-release',
      app: e.s.app,
      environment: inputs.environment,
      image: '',
      images: {},
      composeHash: '',
      envHash: '',
      actor: inputs.actor,
      result: 'lock-released',
      reason: inputs.reason,
      lockHolder: { runId: previous.runId, actor: previous.actor, acquiredAt: previous.acquiredAt },
      startedAt: when.toISOString(),
      finishedAt: when.toISOString(),
      timings: {},
    });
    logger.warn(`${p.key}: freed the deploy lock of ${describeOwner(owner)} (${inputs.reason})`);
    report.text(`released the lock of ${describeOwner(owner)} on ${p.key}: ${inputs.reason}`);
    return { outcome: 'released', host: p.key, previous, report };
  } finally {
    e.close();
  }
}
