import { ConfigError } from '../core/errors.js';
import type { InputReader } from '../core/input-reader.js';
import { readSshProxy } from '../core/ssh-proxy.js';
import type { HostConnection, SourceOptions } from './backup.js';
import { type ConfigSource, loadConfigSource } from './config-source.js';
import type { AlertOptions, BackupJobOptions } from './job.js';
import { type MetricsPushOptions, parsePushgatewayUrl } from './metrics.js';
import type { RestoreOptions } from './restore.js';
import type { RetentionPolicy } from './retention.js';
import type { StoreOptions } from './store.js';

export type { InputReader } from '../core/input-reader.js';

export function oneOf<T extends string>(value: string, allowed: readonly T[], where: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new ConfigError(
      where,
      `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`,
      `use one of ${allowed.join(', ')}`,
    );
  return value as T;
}

export function readStore(r: InputReader, environment: string): StoreOptions {
  const prefix = (r.str('prefix') || `ragship/${environment}`).replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9!_.*'()/-]{1,200}$/.test(prefix) || prefix.split('/').includes('..'))
    throw new ConfigError(
      r.where('prefix'),
      `${JSON.stringify(prefix)} is not a plain key prefix`,
      'use letters, digits and / - _ .',
    );
  return {
    bucket: r.str('bucket', { required: true }),
    prefix,
    endpoint: r.str('endpoint') || undefined,
    region: r.str('region', { default: 'us-east-1' }),
    forcePathStyle: r.bool('force-path-style', false),
    checksumMode: r.oneOf('checksum-mode', ['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const, 'WHEN_SUPPORTED'),
    accessKeyId: r.secret('aws-access-key-id') || undefined,
    secretAccessKey: r.secret('aws-secret-access-key') || undefined,
    sessionToken: r.secret('aws-session-token') || undefined,
  };
}

/**
 * `config` (path of ragship.yml) + the environment (+ optional `role`, `chroma-service`): where
 * the environment's Chroma runs. Undefined when `config` is not set (explicit inputs only).
 */
export function readConfigSource(r: InputReader, environment: string): ConfigSource | undefined {
  const path = r.str('config');
  if (!path) return undefined;
  return loadConfigSource(path, environment, {
    role: r.str('role') || undefined,
    service: r.str('chroma-service') || undefined,
  });
}

/** Explicit inputs win; what they leave out comes from ragship.yml when `config` is set. */
export function readSource(r: InputReader, fromConfig?: ConfigSource): SourceOptions {
  const spec = r.str('host') || fromConfig?.hostSpec || '';
  const container = r.str('container') || undefined;
  const host: HostConnection | undefined = spec
    ? {
        spec,
        privateKey: r.privateKey('ssh-private-key', { required: true }),
        knownHosts: r.multiline('known-hosts'),
        fingerprints: r.list('host-fingerprints'),
        sshProxy: readSshProxy(r),
      }
    : undefined;
  return {
    host,
    container,
    compose:
      !container && fromConfig ? { project: fromConfig.project, service: fromConfig.service } : undefined,
    persistPath: r.str('persist-path', { default: '/data' }),
    chromaPort: r.int('chroma-port', 8000, { min: 1, max: 65535 }),
    chromaUrl: r.str('chroma-url') || undefined,
  };
}

export function readRetention(r: InputReader): RetentionPolicy {
  return {
    keepLast: r.int('keep-last', 7, { min: 1, max: 1000 }),
    keepDaily: r.int('keep-daily', 7, { min: 0, max: 1000 }),
    keepWeekly: r.int('keep-weekly', 4, { min: 0, max: 1000 }),
    keepMonthly: r.int('keep-monthly', 6, { min: 0, max: 1000 }),
  };
}

export function readChromaCommand(r: InputReader): string[] | undefined {
  const c = r.str('chroma-command');
  return c ? c.split(/\s+/) : undefined;
}

/**
 * `metrics-push-url` (+ `metrics-app`, `metrics-push-token` or `metrics-push-username` /
 * `metrics-push-password`): where the backup job pushes its staleness metrics. Undefined when
 * no URL is set. Everything is checked here, before any connection.
 */
export function readMetricsPush(r: InputReader, fromConfig?: ConfigSource): MetricsPushOptions | undefined {
  const raw = r.str('metrics-push-url');
  const token = r.secret('metrics-push-token');
  const username = r.str('metrics-push-username');
  const password = r.secret('metrics-push-password');
  if (!raw) {
    if (token || username || password)
      throw new ConfigError(
        r.where('metrics-push-url'),
        'is empty but Pushgateway credentials are set',
        'set the Pushgateway base URL, or drop the metrics-push-* credentials',
      );
    return undefined;
  }
  const url = parsePushgatewayUrl(raw);
  const app = r.str('metrics-app') || fromConfig?.app || '';
  if (!app)
    throw new ConfigError(
      r.where('metrics-app'),
      'is required with metrics-push-url (the `app` label BackupStale groups by)',
      'set metrics-app, or config (ragship.yml) whose `app` is used',
    );
  if (app.length > 128 || /[\u0000-\u001f\u007f]/.test(app))
    throw new ConfigError(
      r.where('metrics-app'),
      `${JSON.stringify(app.slice(0, 60))} is not a label value (at most 128 characters, no control characters)`,
      'use the app name, e.g. northwind-rag',
    );
  if (token && (username || password))
    throw new ConfigError(
      r.where('metrics-push-token', 'secret'),
      'is set together with metrics-push-username/metrics-push-password',
      'use either a bearer token or basic auth, not both',
    );
  if (!!username !== !!password)
    throw new ConfigError(
      username ? r.where('metrics-push-password', 'secret') : r.where('metrics-push-username'),
      'is missing: basic auth needs both metrics-push-username and metrics-push-password',
      'set both (the password from a secret), or use metrics-push-token',
    );
  if (username.includes(':'))
    throw new ConfigError(
      r.where('metrics-push-username'),
      'contains ":", which basic auth cannot carry in a user name',
      'use the user name without ":"',
    );
  return {
    url,
    app,
    token: token || undefined,
    username: username || undefined,
    password: password || undefined,
  };
}

/** What backup and restore share: sizes, timeouts, alerts — one limit per input for both doors. */
export function readCommon(r: InputReader) {
  return {
    maxSizeBytes: r.int('max-size-gb', 100, { min: 1, max: 50_000 }) * 1024 ** 3,
    stopTimeoutSeconds: r.int('stop-timeout-seconds', 120, { min: 1, max: 3600 }),
    healthTimeoutSeconds: r.int('health-timeout-seconds', 120, { min: 1, max: 3600 }),
    alert: {
      webhookUrl: r.secret('webhook-url') || undefined,
      webhookFormat: r.str('webhook-format') || undefined,
      runUrl: runUrl(),
    },
  };
}

function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
    ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : undefined;
}

export type BackupCommand = 'backup' | 'verify' | 'check-staleness';

/** Every input of actions/backup and `ragship backup`, read once. */
export function readBackupJob(
  r: InputReader,
): BackupJobOptions & { command: BackupCommand; backupId: string } {
  const environment = r.str('environment', { required: true, example: 'production' });
  const command = r.oneOf('command', ['backup', 'verify', 'check-staleness'] as const, 'backup');
  const store = readStore(r, environment);
  const common = readCommon(r);
  const maxAgeHours = r.int('max-age-hours', 26, { min: 1, max: 24 * 366 });
  // check-staleness reads only the store: no passphrase, no host.
  if (command === 'check-staleness')
    return {
      ...common,
      command,
      environment,
      store,
      maxAgeHours,
      backupId: 'latest',
      mode: 'physical',
      source: { persistPath: '/data', chromaPort: 8000 },
      passphrase: '',
      minSizeBytes: 1,
      onDrift: 'fail',
      pageSize: 1000,
      verify: false,
    };
  const passphrase = r.secret('encryption-passphrase', { required: true });
  const fromConfig = command === 'backup' ? readConfigSource(r, environment) : undefined;
  return {
    ...common,
    command,
    environment,
    mode: r.oneOf('mode', ['physical', 'logical'] as const, 'physical'),
    source: command === 'backup' ? readSource(r, fromConfig) : { persistPath: '/data', chromaPort: 8000 },
    store,
    passphrase,
    minSizeBytes: r.int('min-size-bytes', 65536, { min: 1 }),
    onDrift: r.oneOf('on-drift', ['fail', 'fuzzy'] as const, 'fail'),
    pageSize: r.int('page-size', 1000, { min: 1, max: 5000 }),
    configPath: r.str('config-path') || undefined,
    verify: r.bool('verify', true),
    retention: r.bool('prune', true) ? readRetention(r) : undefined,
    maxAgeHours,
    chromaCommand: readChromaCommand(r),
    backupId: r.str('backup-id', { default: 'latest' }),
    metrics: command === 'backup' ? readMetricsPush(r, fromConfig) : undefined,
    lock: fromConfig?.lock,
  };
}

/** Every input of actions/restore and `ragship restore`, read once (host or chroma-url required). */
export function readRestoreJob(r: InputReader): RestoreOptions & { alert: AlertOptions } {
  const environment = r.str('environment', { required: true, example: 'production' });
  const fromConfig = readConfigSource(r, environment);
  const source = readSource(r, fromConfig);
  if (!source.host && !source.chromaUrl)
    throw new ConfigError(
      `${r.where('host')} or ${r.where('chroma-url')}`,
      'is required: where to restore to',
      r.door === 'action'
        ? 'set host (with ssh-private-key), config (ragship.yml), or chroma-url'
        : 'pass --host (with --ssh-private-key-file), --config (ragship.yml), or --chroma-url',
    );
  return {
    ...readCommon(r),
    environment,
    backupId: r.str('backup-id', { default: 'latest-verified' }),
    dryRun: r.bool('dry-run', false),
    safetyCopy: r.bool('safety-copy', true),
    source,
    store: readStore(r, environment),
    passphrase: r.secret('encryption-passphrase', { required: true }),
    lock: fromConfig?.lock,
  };
}
