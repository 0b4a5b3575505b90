import { type HeldEnvLock, takeEnvironmentLock } from '../backup/env-lock.js';
import { UserError } from '../core/errors.js';
import { Report } from '../core/report.js';
import { compose } from '../deploy/commands.js';
import { activeRelease, releaseFolder } from '../deploy/release-log.js';
import { type ConnectionInputs, EnvSession, type SessionPorts } from '../deploy/session.js';
import { detectCompose } from '../preflight/host-check.js';

export type SleepAction = 'sleep' | 'wake';

export interface SleepInputs extends ConnectionInputs {
  action: SleepAction;
}

export interface SleepResult {
  action: SleepAction;
  environment: string;
  releaseId: string;
  /** host → role → compose project stopped or started. */
  projects: Array<{ host: string; role: string; project: string }>;
  durationMs: number;
  report: Report;
}

/** Environments autosleep never touches: production by name (prod, production, prod-eu, …). */
export function isProductionName(env: string): boolean {
  return /^prod(uction)?($|[-_.])/i.test(env);
}

/**
 * `stop` keeps containers, networks and every volume (Chroma data, model caches); `start`
 * starts the same containers again. Nothing is pulled, recreated or removed.
 */
export const sleepArgs = (action: SleepAction): string[] => (action === 'sleep' ? ['stop'] : ['start']);

/**
 * Stops (sleep) or starts (wake) the active release's compose projects of a non-production
 * environment over SSH. The compose files are the ones the last successful deploy recorded on
 * each host, so what wakes is exactly what slept.
 */
export async function runSleep(inputs: SleepInputs, ports: SessionPorts): Promise<SleepResult> {
  if (isProductionName(inputs.environment)) {
    throw new UserError(
      'env',
      `refusing to ${inputs.action} ${JSON.stringify(inputs.environment)}: autosleep is for non-production environments`,
      'use a dev/staging/preview environment name',
    );
  }
  const t0 = performance.now();
  const s = new EnvSession(inputs, ports);
  const logger = ports.logger;
  const projects: SleepResult['projects'] = [];
  let held: HeldEnvLock | undefined;
  try {
    for (const h of s.hosts.values()) {
      await s.resolveRoot(h);
      h.compose = (await detectCompose(h.host)).compose;
    }
    // The deploy lock: a deploy, backup or restore in flight makes this wait or fail (naming
    // it) before anything stops, and none of them can start while this stops or starts.
    const { config } = inputs;
    held = await takeEnvironmentLock(
      s.primary.host,
      {
        hostSpec: s.primary.key,
        root: s.env.root,
        app: s.app,
        environment: inputs.environment,
        ttlSeconds: config.lock.ttl,
        waitSeconds: config.lock.wait,
      },
      `${inputs.action} ${new Date().toISOString()}`,
      logger,
    );
    const active = activeRelease(await s.readReleases());
    if (!active) {
      throw new UserError(
        `${s.primary.key} ${inputs.environment}`,
        'no successful release is recorded',
        'deploy the environment first (ragship deploy)',
      );
    }
    const folder = releaseFolder(active);
    // Sleep stops the front (first role's nginx/app) before the data; wake starts in reverse.
    const order = inputs.action === 'sleep' ? s.roles : [...s.roles].reverse();
    for (const [role] of order) {
      for (const h of s.roleHosts(role)) {
        const target = await s.recordedTarget(h, role, folder);
        if (!target) {
          throw new UserError(
            `${h.key} ${role}`,
            `release ${folder} has no manifest on this host`,
            'redeploy the environment',
          );
        }
        await logger.group(`${inputs.action} ${role} on ${h.key}`, () =>
          h.host.exec(compose(target, ...sleepArgs(inputs.action)), {
            where: `${h.key} ${role} ${inputs.action}`,
          }),
        );
        projects.push({ host: h.key, role, project: target.project });
      }
    }
    const durationMs = Math.round(performance.now() - t0);
    const report = new Report()
      .heading(`${inputs.action === 'sleep' ? 'Slept' : 'Woke'} ${inputs.environment}`)
      .text(
        inputs.action === 'sleep'
          ? `Containers stopped; volumes and containers kept. Wake with \`ragship wake --environment ${inputs.environment}\`.`
          : 'Containers started again from the same release.',
      )
      .table(
        ['host', 'role', 'project'],
        projects.map((p) => [p.host, p.role, p.project]),
      )
      .text(`release ${active.id} · ${durationMs} ms`);
    return {
      action: inputs.action,
      environment: inputs.environment,
      releaseId: active.id,
      projects,
      durationMs,
      report,
    };
  } finally {
    await held?.release();
    s.close();
  }
}
