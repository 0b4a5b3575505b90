import { posix } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { RagshipConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { RemoteHost } from '../core/remote-host.js';
import { parseHostSpec } from '../core/validate.js';
import { releaseLock } from './lock.js';

export { notifyOptionsFromRunner } from '../github/deployments.js';
export { localActor, runIdentity } from '../github/run.js';

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
