import { ConfigError } from '../core/errors.js';
import type { HostConnection, SourceOptions } from './backup.js';
import { type ConfigSource, loadConfigSource } from './config-source.js';
import { type MetricsPushOptions, parsePushgatewayUrl } from './metrics.js';
import type { RetentionPolicy } from './retention.js';
import type { StoreOptions } from './store.js';

/** The typed readers of an input source (action inputs or CLI flags), injected. */
export interface InputReader {
  str(name: string, o?: { required?: boolean; default?: string }): string;
  secret(name: string, o?: { required?: boolean }): string;
  bool(name: string, fallback: boolean): boolean;
  int(name: string, fallback: number, range?: { min?: number; max?: number }): number;
  list(name: string): string[];
  multiline(name: string): string;
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], where: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new ConfigError(
      where,
      `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`,
      `use ${allowed[0]}`,
    );
  return value as T;
}

export function readStore(r: InputReader, environment: string): StoreOptions {
  const prefix = (r.str('prefix') || `ragship/${environment}`).replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9!_.*'()/-]{1,200}$/.test(prefix) || prefix.split('/').includes('..'))
    throw new ConfigError(
      "input 'prefix'",
      `${JSON.stringify(prefix)} is not a plain key prefix`,
      'use letters, digits and / - _ .',
    );
  return {
    bucket: r.str('bucket', { required: true }),
    prefix,
    endpoint: r.str('endpoint') || undefined,
    region: r.str('region', { default: 'us-east-1' }),
    forcePathStyle: r.bool('force-path-style', false),
    checksumMode: oneOf(
      r.str('checksum-mode', { default: 'WHEN_SUPPORTED' }),
      ['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const,
      "input 'checksum-mode'",
    ),
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
        privateKey: r.secret('ssh-private-key', { required: true }),
        knownHosts: r.multiline('known-hosts'),
        fingerprints: r.list('host-fingerprints'),
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
        "input 'metrics-push-url' (CLI --metrics-push-url)",
        'is empty but Pushgateway credentials are set',
        'set the Pushgateway base URL, or drop the metrics-push-* credentials',
      );
    return undefined;
  }
  const url = parsePushgatewayUrl(raw);
  const app = r.str('metrics-app') || fromConfig?.app || '';
  if (!app)
    throw new ConfigError(
      "input 'metrics-app' (CLI --metrics-app)",
      'is required with metrics-push-url (the `app` label BackupStale groups by)',
      'set metrics-app, or config (ragship.yml) whose `app` is used',
    );
  if (app.length > 128 || /[\u0000-\u001f\u007f]/.test(app))
    throw new ConfigError(
      "input 'metrics-app' (CLI --metrics-app)",
      `${JSON.stringify(app.slice(0, 60))} is not a label value (at most 128 characters, no control characters)`,
      'use the app name, e.g. northwind-rag',
    );
  if (token && (username || password))
    throw new ConfigError(
      "input 'metrics-push-token'",
      'is set together with metrics-push-username/metrics-push-password',
      'use either a bearer token or basic auth, not both',
    );
  if (!!username !== !!password)
    throw new ConfigError(
      username ? "input 'metrics-push-password'" : "input 'metrics-push-username'",
      'is missing: basic auth needs both metrics-push-username and metrics-push-password',
      'set both (the password from a secret), or use metrics-push-token',
    );
  if (username.includes(':'))
    throw new ConfigError(
      "input 'metrics-push-username'",
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
