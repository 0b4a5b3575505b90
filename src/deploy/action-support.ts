import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { posix } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { RagshipConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { RemoteHost } from '../core/remote-host.js';
import { parseHostSpec } from '../core/validate.js';
import { releaseLock } from './lock.js';
import type { NotifyOptions } from './notify.js';

/** Who runs a release outside Actions: git's user.name, else the OS user (never `unknown` when either exists). */
export function localActor(env: NodeJS.ProcessEnv = process.env): string {
  try {
    const name = execFileSync('git', ['config', 'user.name'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
    if (name) return name;
  } catch {
    // no git, or no user.name
  }
  try {
    const user = userInfo().username;
    if (user) return user;
  } catch {
    // no passwd entry (some containers)
  }
  return env.USER || env.LOGNAME || 'unknown';
}

/** What both front doors (action, CLI) need to know about the run. */
export function runIdentity(env: NodeJS.ProcessEnv = process.env): {
  runId: string;
  actor: string;
  runUrl?: string;
} {
  const id = env.GITHUB_RUN_ID;
  return {
    runId: id ? `${id}.${env.GITHUB_RUN_ATTEMPT ?? '1'}` : `local-${process.pid}-${Date.now()}`,
    actor: env.GITHUB_ACTOR || localActor(env),
    runUrl:
      id && env.GITHUB_REPOSITORY
        ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${id}`
        : undefined,
  };
}

export function configAt(workdir: string, file: string): RagshipConfig {
  return loadConfig(posix.isAbsolute(file) ? file : posix.join(workdir, file));
}

export interface SavedLock {
  host: string;
  dir: string;
  token: string;
}

/** The post step: releases a lock the main step still held (cancelled or killed run). */
export async function releaseSavedLock(
  saved: SavedLock,
  auth: { sshPrivateKey: string; knownHosts: string; fingerprints: string[] },
  logger: Logger,
): Promise<boolean> {
  const spec = parseHostSpec(saved.host, 'saved lock host');
  const host = new RemoteHost({
    ...spec,
    privateKey: auth.sshPrivateKey,
    hostKeys: { knownHosts: auth.knownHosts, fingerprints: auth.fingerprints },
    logger,
    connectTimeoutMs: 15_000,
  });
  try {
    return await releaseLock(host, saved.dir, saved.token, logger);
  } finally {
    host.close();
  }
}

/** Deployment statuses + webhook from the action inputs and the runner's environment. */
export function notifyOptionsFromRunner(
  o: {
    token: string;
    deploymentStatus: boolean;
    webhookUrl: string;
    webhookFormat: string;
    environment: string;
    app: string;
    kind: string;
    runUrl?: string;
  },
  env: NodeJS.ProcessEnv = process.env,
): NotifyOptions {
  return {
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    repository: env.GITHUB_REPOSITORY,
    token: o.deploymentStatus ? o.token : '',
    ref: env.GITHUB_SHA,
    environment: o.environment,
    runUrl: o.runUrl,
    webhookUrl: o.webhookUrl || undefined,
    webhookFormat: o.webhookFormat || undefined,
    app: o.app,
    kind: o.kind,
  };
}
