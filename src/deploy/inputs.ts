import { environmentOf } from '../config/load.js';
import type { InputReader } from '../core/input-reader.js';
import { readSshProxy } from '../core/ssh-proxy.js';
import { validate } from '../core/validate.js';
import { configAt } from './action-support.js';
import { parseDotenv } from './env-file.js';
import type { ConnectionInputs } from './session.js';

/**
 * The inputs of actions/deploy, actions/rollback and the CLI's environment verbs, read once by the
 * same functions in both doors: `environment`, `config` (inside `working-directory`),
 * `ssh-private-key`, `known-hosts`, `host-fingerprints`, `registry-username`/`-password`.
 */
export function readConnection(r: InputReader, workdir: string): ConnectionInputs {
  const environment = r.str('environment', { required: true, example: 'production' });
  validate('name', environment, r.where('environment'));
  const config = configAt(workdir, r.str('config', { default: 'ragship.yml' }));
  // Checked here, before any key is read or any host is reached.
  environmentOf(config, environment, r.where('environment'));
  return {
    config,
    environment,
    sshPrivateKey: r.privateKey('ssh-private-key', { required: true }),
    knownHosts: r.multiline('known-hosts'),
    fingerprints: r.list('host-fingerprints'),
    registryUsername: r.str('registry-username') || undefined,
    registryPassword: r.secret('registry-password') || undefined,
    // Wins over ssh.proxy in ragship.yml; validated here, before any connection.
    sshProxy: readSshProxy(r),
  };
}

/** `lock-wait-seconds`: undefined when not given (ragship.yml's lock.wait decides). */
export function readLockWait(r: InputReader): number | undefined {
  return r.source.get('lock-wait-seconds') === undefined
    ? undefined
    : r.int('lock-wait-seconds', 0, { min: 0, max: 21600 });
}

export const ON_FAILURE = ['switch-back', 'keep'] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

/** `on-failure`: undefined when not given (the environment's onFailure in ragship.yml decides). */
export function readOnFailure(r: InputReader): OnFailure | undefined {
  return r.source.get('on-failure') === undefined
    ? undefined
    : r.oneOf('on-failure', ON_FAILURE, 'switch-back');
}

/**
 * What only deploy reads: `image`, `env` (a dotenv block), `git-sha`, `schema-version`, `dry-run`,
 * `lock-wait-seconds`, `on-failure`.
 */
export function readDeployOnly(r: InputReader, defaults: { gitSha?: string } = {}) {
  const envText = r.door === 'action' ? r.secret('env') : r.multiline('env');
  return {
    image: r.str('image', { required: true, example: 'ghcr.io/acme/app@sha256:…' }),
    env: envText ? parseDotenv(envText, r.where('env', r.door === 'action' ? 'secret' : 'text')) : {},
    gitSha: r.str('git-sha', { default: defaults.gitSha ?? '' }) || undefined,
    schemaVersion: r.str('schema-version') || undefined,
    dryRun: r.bool('dry-run', false),
    lockWaitSeconds: readLockWait(r),
    onFailure: readOnFailure(r),
  };
}

/** What only rollback reads: `to`, `reason`, `allow-older-schema`. */
export function readRollbackOnly(r: InputReader) {
  return {
    to: r.str('to', { default: 'previous' }),
    reason: r.str('reason'),
    blockOnOlderSchema: !r.bool('allow-older-schema', true),
    lockWaitSeconds: readLockWait(r),
  };
}
