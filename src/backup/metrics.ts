import { Gauge, Registry } from 'prom-client';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { secrets } from '../core/redact.js';

/**
 * The backup job's push to a Prometheus Pushgateway: the series the `BackupStale` and
 * `BackupMetricMissing` alerts (example-app/ops/prometheus/alerts.yml) read.
 *
 * Grouping key `job=ragship_backup, app=<app>, env=<env>`; the Pushgateway adds those labels
 * to every pushed series. prom-client renders the text exposition; the request itself is a
 * plain fetch (prom-client's Pushgateway class cannot base64-encode label values, has no
 * timeout and follows no redirect policy).
 */
export const PUSH_JOB = 'ragship_backup';

export const METRIC = {
  success: 'ragship_backup_last_success_timestamp_seconds',
  failure: 'ragship_backup_last_failure_timestamp_seconds',
  size: 'ragship_backup_last_size_bytes',
  duration: 'ragship_backup_last_duration_seconds',
  records: 'ragship_backup_last_records',
} as const;

export interface MetricsPushOptions {
  /** Pushgateway base URL, validated by parsePushgatewayUrl (no trailing slash). */
  url: string;
  /** The `app` label. */
  app: string;
  /** Bearer token, or… */
  token?: string;
  /** …basic auth. */
  username?: string;
  password?: string;
  timeoutMs?: number;
}

export interface BackupSuccess {
  kind: 'success';
  /** When the verified backup finished (seconds since the epoch). */
  at: number;
  storedBytes: number;
  durationSeconds: number;
  records: number;
}

export interface BackupFailure {
  kind: 'failure';
  at: number;
}

export type BackupOutcome = BackupSuccess | BackupFailure;

export interface PushResult {
  pushed: boolean;
  /** Where it went (no credentials: the URL grammar refuses them). */
  target: string;
  error?: string;
}

const URL_WHERE = "input 'metrics-push-url' (CLI --metrics-push-url)";
const URL_FIX =
  'use the Pushgateway base URL, http(s)://host[:port][/path], e.g. https://pushgateway.example.com:9091; credentials go in metrics-push-token or metrics-push-username/metrics-push-password';

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const SEGMENT = '[A-Za-z0-9._~-]+';
/**
 * scheme://host[:port][/path][/] — host a DNS name, IPv4 or [IPv6]; no userinfo, query or
 * fragment. Anchored; `$` without the m flag matches only at the very end.
 */
export const PUSHGATEWAY_URL = new RegExp(
  `^(https?)://(${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]{2,45}\\])(?::([0-9]{1,5}))?((?:/${SEGMENT})*)/?$`,
);

/** Validates a Pushgateway base URL; returns it without a trailing slash. Never echoes credentials. */
export function parsePushgatewayUrl(value: string, where = URL_WHERE): string {
  const v = value.trim();
  if (!v) throw new ConfigError(where, 'is empty', URL_FIX);
  if (v.length > 2000) throw new ConfigError(where, `is ${v.length} characters long`, URL_FIX);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(v)?.[1];
  if (scheme && !/^https?$/.test(scheme))
    throw new ConfigError(where, `uses ${JSON.stringify(scheme)}, not http or https`, URL_FIX);
  // user[:password]@ before the host: refuse without showing it.
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(v)?.[1] ?? '';
  if (authority.includes('@')) {
    const bare = v.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1');
    secrets.add(authority.slice(0, authority.lastIndexOf('@')));
    throw new ConfigError(
      where,
      'contains credentials (user:password@), which would end up in logs and process lists',
      `pass ${JSON.stringify(bare.slice(0, 120))} as the URL and the credentials in metrics-push-token or metrics-push-username/metrics-push-password (from secrets)`,
    );
  }
  const m = PUSHGATEWAY_URL.exec(v);
  const shown = JSON.stringify(v.length > 120 ? `${v.slice(0, 120)}…` : v);
  if (!m) {
    const why = /[?#]/.test(v)
      ? 'has a query or fragment'
      : !scheme
        ? 'does not start with http:// or https://'
        : 'is not a plain http(s)://host[:port][/path] URL';
    throw new ConfigError(where, `${shown} ${why}`, URL_FIX);
  }
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535))
    throw new ConfigError(where, `${shown} has port ${port}, outside 1–65535`, URL_FIX);
  const path = m[4] ?? '';
  if (/(^|\/)metrics$/.test(path) || /\/metrics\/job(\/|$)/.test(path))
    throw new ConfigError(
      where,
      `${shown} already ends in /metrics`,
      'give the base URL only; ragship appends /metrics/job/ragship_backup/app/<app>/env/<env>',
    );
  if (path.split('/').some((s) => s === '.' || s === '..'))
    throw new ConfigError(where, `${shown} has . or .. path segments`, URL_FIX);
  return v.replace(/\/$/, '');
}

/**
 * One `/<name>/<value>` pair of a Pushgateway grouping key. Values that URL escaping cannot
 * carry through a path (a `/`, empty, `.` and `..`, which URL parsers collapse) use the
 * documented `<name>@base64/<base64url>` form (empty: `=`).
 */
export function groupingSegment(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(`${JSON.stringify(name)} is not a Prometheus label name`);
  if (value === '') return `/${name}@base64/=`;
  if (value.includes('/') || value === '.' || value === '..')
    return `/${name}@base64/${Buffer.from(value, 'utf8').toString('base64url')}`;
  return `/${name}/${encodeURIComponent(value)}`;
}

/** `<base>/metrics/job/ragship_backup/app/<app>/env/<env>` */
export function pushUrl(base: string, app: string, env: string): string {
  return `${base}/metrics${groupingSegment('job', PUSH_JOB)}${groupingSegment('app', app)}${groupingSegment('env', env)}`;
}

/** The text exposition of one outcome, rendered by prom-client. */
export async function renderOutcome(outcome: BackupOutcome): Promise<{ body: string; contentType: string }> {
  const registry = new Registry();
  const gauge = (name: string, help: string, value: number) =>
    new Gauge({ name, help, registers: [registry] }).set(value);
  if (outcome.kind === 'success') {
    gauge(
      METRIC.success,
      'Unix time of the last backup that was stored and passed its restore drill.',
      outcome.at,
    );
    gauge(
      METRIC.size,
      'Bytes stored for the last verified backup (compressed and encrypted).',
      outcome.storedBytes,
    );
    gauge(
      METRIC.duration,
      'Seconds the last verified backup took, backup and restore drill.',
      outcome.durationSeconds,
    );
    gauge(METRIC.records, 'Records (vectors) in the last verified backup.', outcome.records);
  } else {
    gauge(METRIC.failure, 'Unix time of the last failed backup run.', outcome.at);
  }
  return { body: await registry.metrics(), contentType: registry.contentType };
}

function authorization(o: MetricsPushOptions): string | undefined {
  if (o.token) return `Bearer ${o.token}`;
  if (o.username !== undefined && o.password !== undefined)
    return `Basic ${Buffer.from(`${o.username}:${o.password}`, 'utf8').toString('base64')}`;
  return undefined;
}

function describeError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message} (${cause})` : String(e?.message ?? err);
}

/**
 * Pushes one outcome. Success: PUT (replaces the group: the last verified backup's series, a
 * stale failure timestamp dropped). Failure: POST (replaces only the failure timestamp, so the
 * success timestamp the alert reads stays as it was). Never throws: a failed push is a warning.
 */
export async function pushBackupMetrics(
  o: MetricsPushOptions,
  environment: string,
  outcome: BackupOutcome,
  logger: Logger,
): Promise<PushResult> {
  const target = pushUrl(o.url, o.app, environment);
  const auth = authorization(o);
  if (auth) {
    logger.setSecret(auth);
    logger.setSecret(auth.replace(/^\w+ /, ''));
  }
  try {
    const { body, contentType } = await renderOutcome(outcome);
    const r = await fetch(target, {
      method: outcome.kind === 'success' ? 'PUT' : 'POST',
      headers: { 'content-type': contentType, ...(auth ? { authorization: auth } : {}) },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(o.timeoutMs ?? 15_000),
    });
    if (!r.ok) {
      const text = (await r.text().catch(() => '')).trim().slice(0, 300);
      throw new Error(`HTTP ${r.status}${text ? `: ${text}` : ''}`);
    }
    logger.info(`pushed the backup ${outcome.kind} metrics to ${target}`);
    return { pushed: true, target };
  } catch (err) {
    const error = describeError(err);
    logger.warn(
      `could not push the backup ${outcome.kind} metrics to ${target}: ${error}. The backup result stands; BackupStale will fire if no push arrives.`,
      { title: 'Pushgateway push failed' },
    );
    return { pushed: false, target, error };
  }
}
