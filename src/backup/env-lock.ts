import { userInfo } from 'node:os';
import { posix } from 'node:path';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import { parseHostSpec } from '../core/validate.js';
import { homeDir, mkdirs } from '../deploy/commands.js';
import { deployRoot } from '../deploy/layout.js';
import { DeployLock, releaseLock } from '../deploy/lock.js';

/**
 * Where an environment's deploy lock lives, from ragship.yml: `<root>/lock` on the primary host
 * (the first host of the first role, as EnvSession.primary), with the config's ttl and wait.
 * A physical backup, a restore and sleep/wake take this same lock, because each of them stops
 * or replaces containers a deploy would start, recreate or switch: one lock, so a deploy and a
 * backup can never both change the same Chroma, and the holder's name is in one place.
 */
export interface EnvLockTarget {
  /** user@host[:port] of the primary host. */
  hostSpec: string;
  /** environments.<env>.root; else ~/ragship/<app>/<environment> of the deploy user. */
  root?: string;
  app: string;
  environment: string;
  ttlSeconds: number;
  waitSeconds: number;
}

/** What the action saves so its post step can release the lock after a killed run. */
export interface SavedLock {
  host: string;
  dir: string;
  token: string;
}

export interface HeldEnvLock {
  host: string;
  dir: string;
  token: string;
  /** Releases the lock if this run still holds it (idempotent); removes the signal handler. */
  release(): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const EXIT_CODE: Record<(typeof SIGNALS)[number], number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** Whether two host specs name the same account on the same machine. */
export function sameHost(a: string, b: string | undefined): boolean {
  if (!b) return false;
  const x = parseHostSpec(a, 'host');
  const y = parseHostSpec(b, 'host');
  return x.user === y.user && x.host === y.host && x.port === y.port;
}

/** Who the lock names: the workflow run, else the local user. */
export function lockIdentity(
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): { runId: string; actor: string; runUrl?: string } {
  const runUrl =
    env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
      ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  let actor = env.GITHUB_ACTOR || '';
  if (!actor)
    try {
      actor = userInfo().username;
    } catch {
      actor = 'unknown';
    }
  return { runId: `${what}${env.GITHUB_RUN_ID ? ` (run ${env.GITHUB_RUN_ID})` : ''}`, actor, runUrl };
}

/** The action's post step after a killed run: releases the lock it saved, if still this run's. */
export async function releaseSavedLock(host: Host, saved: SavedLock, logger: Logger): Promise<boolean> {
  return releaseLock(host, saved.dir, saved.token, logger);
}

/**
 * Takes the environment's deploy lock on `host` (the primary host) for `what` (e.g. "backup
 * 20260101T…"): waits up to the config's lock.wait, else fails with the deploy lock's own error
 * naming the holder. While held, a SIGINT/SIGTERM/SIGHUP releases it and exits with the
 * signal's code — unless `deferSignal()` says another handler (the backup's stopped-Chroma
 * guard, which restarts Chroma first) owns the signal; that handler then calls release().
 */
export async function takeEnvironmentLock(
  host: Host,
  target: EnvLockTarget,
  what: string,
  logger: Logger,
  o: { deferSignal?: () => boolean; onLocked?: (lock?: SavedLock) => void } = {},
): Promise<HeldEnvLock> {
  const home = (await host.exec(homeDir, { where: `${host.label} home` })).stdout.trim();
  const root = deployRoot({ root: target.root, app: target.app, environment: target.environment, home });
  const dir = posix.join(root, 'lock');
  // The lock's guard file sits beside it: on a host where ragship never deployed this
  // environment (Chroma started by hand or by compose), the root does not exist yet.
  await host.exec(mkdirs(root), { where: `${host.label} ${root}` });
  const lock = new DeployLock(
    host,
    {
      dir,
      ttlSeconds: target.ttlSeconds,
      waitSeconds: target.waitSeconds,
      ...lockIdentity(what),
      purpose: what.split(' ')[0],
    },
    logger,
  );
  await lock.acquire();
  const token = lock.token!;
  logger.info(`${host.label}: holding the deploy lock of ${target.app}/${target.environment} for ${what}`);
  o.onLocked?.({ host: host.label, dir, token });
  let released: Promise<void> | undefined;
  const release = () => {
    released ??= (async () => {
      for (const s of SIGNALS) process.off(s, onSignal);
      await lock.release().catch((err) => {
        logger.warn(
          `${host.label}: could not release the deploy lock ${dir} (${(err as Error).message}); it expires after ${target.ttlSeconds} s or with \`ragship lock release\``,
        );
      });
      o.onLocked?.(undefined);
    })();
    return released;
  };
  const onSignal = (sig: (typeof SIGNALS)[number]) => {
    if (o.deferSignal?.()) return;
    logger.warn(`${what} cancelled (${sig}): releasing the deploy lock`);
    void release().finally(() => process.exit(EXIT_CODE[sig]));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return { host: host.label, dir, token, release };
}
