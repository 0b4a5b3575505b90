import { describe, expect, test } from 'vitest';
import { type InputReader, readMetricsPush } from '../../../src/backup/inputs.js';
import {
  groupingSegment,
  METRIC,
  parsePushgatewayUrl,
  pushUrl,
  renderOutcome,
} from '../../../src/backup/metrics.js';
import { ConfigError } from '../../../src/core/errors.js';
import { InputReader as CoreInputReader, recordSource } from '../../../src/core/input-reader.js';
import { secrets } from '../../../src/core/redact.js';

function reader(values: Record<string, string>): InputReader {
  return new CoreInputReader(recordSource('action', values));
}

describe('Pushgateway URL grammar (anchored, checked before any connection)', () => {
  test.each([
    ['http://127.0.0.1:9091', 'http://127.0.0.1:9091'],
    ['https://pushgateway.example.com', 'https://pushgateway.example.com'],
    ['https://pushgateway.example.com:9091/', 'https://pushgateway.example.com:9091'],
    ['https://ops.example.com/pushgateway', 'https://ops.example.com/pushgateway'],
    ['http://[::1]:9091', 'http://[::1]:9091'],
    ['http://pushgateway:9091', 'http://pushgateway:9091'],
  ])('accepts %s', (input, normalised) => {
    expect(parsePushgatewayUrl(input)).toBe(normalised);
  });

  test.each([
    ['', /is empty/],
    ['pushgateway:9091', /does not start with http/],
    ['ftp://pgw.example.com', /uses "ftp", not http or https/],
    ['file:///etc/passwd', /uses "file"/],
    ['http://pgw.example.com:9091?x=1', /query or fragment/],
    ['http://pgw.example.com/#frag', /query or fragment/],
    ['http://pgw.example.com:99999', /port 99999, outside/],
    ['http://pgw.example.com:9091/metrics', /already ends in \/metrics/],
    ['http://pgw.example.com/metrics/job/x', /already ends in \/metrics/],
    ['http://pgw.example.com/a/../b', /\. or \.\. path segments/],
    ['http://pgw.example.com:9091\n', null],
    ['http://pgw.example.com:9091\nX-Injected: 1', /not a plain/],
    ['http://pgw example.com', /not a plain/],
    ['http://pgw.example.com/a b', /not a plain/],
    ['http://-bad-.example.com', /not a plain/],
    ['javascript:alert(1)', /does not start with http/],
  ])('refuses %j naming the input and the fix', (input, message) => {
    if (message === null) {
      // Surrounding whitespace (a trailing newline from a secret/var) is trimmed, not refused.
      expect(parsePushgatewayUrl(input)).toBe('http://pgw.example.com:9091');
      return;
    }
    let err: unknown;
    try {
      parsePushgatewayUrl(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain("input 'metrics-push-url'");
    expect((err as ConfigError).fix).toMatch(/base URL/);
  });

  test('credentials in the URL are refused without echoing them, and the fix names the secret inputs', () => {
    let err: ConfigError | undefined;
    try {
      parsePushgatewayUrl('https://ops:hunter2-pgw-pass@pgw.example.com:9091');
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toMatch(/contains credentials/);
    expect(err!.message).not.toContain('hunter2-pgw-pass');
    expect(err!.message).toContain('https://pgw.example.com:9091');
    expect(err!.fix).toMatch(/metrics-push-token/);
    // Registered as a secret, so a logger that prints the raw input later masks it.
    expect(secrets.redact('x ops:hunter2-pgw-pass y')).toBe('x *** y');
  });
});

describe('grouping key: Pushgateway path grammar, URL-escaped or @base64', () => {
  test('plain values are URL-escaped path segments', () => {
    expect(groupingSegment('app', 'northwind-rag')).toBe('/app/northwind-rag');
    expect(groupingSegment('env', 'prod eu')).toBe('/env/prod%20eu');
    expect(groupingSegment('env', 'ä%?#')).toBe(`/env/${encodeURIComponent('ä%?#')}`);
  });

  test('a value with / (or empty, ., ..) uses name@base64 with base64url, as the Pushgateway documents', () => {
    expect(groupingSegment('env', 'eu/prod')).toBe(
      `/env@base64/${Buffer.from('eu/prod').toString('base64url')}`,
    );
    expect(groupingSegment('env', 'eu/prod')).toBe('/env@base64/ZXUvcHJvZA');
    expect(groupingSegment('app', '')).toBe('/app@base64/=');
    expect(groupingSegment('app', '..')).toBe('/app@base64/Li4');
    // base64url: no + or / in the encoded value.
    const seg = groupingSegment('app', '??>>//');
    expect(seg.split('/')).toHaveLength(3);
    expect(seg).not.toMatch(/[+]/);
  });

  test('label names are Prometheus label names', () => {
    expect(() => groupingSegment('bad-name', 'x')).toThrow(/not a Prometheus label name/);
  });

  test('the push URL is <base>/metrics/job/ragship_backup/app/<app>/env/<env>', () => {
    expect(pushUrl('http://127.0.0.1:9091', 'northwind-rag', 'production')).toBe(
      'http://127.0.0.1:9091/metrics/job/ragship_backup/app/northwind-rag/env/production',
    );
    expect(pushUrl('https://ops.example.com/pgw', 'a', 'eu/prod')).toBe(
      'https://ops.example.com/pgw/metrics/job/ragship_backup/app/a/env@base64/ZXUvcHJvZA',
    );
  });
});

describe('exposition rendered by prom-client', () => {
  test('success: the timestamp the alert reads plus size, duration and records; no failure series', async () => {
    const { body, contentType } = await renderOutcome({
      kind: 'success',
      at: 1_700_000_000.5,
      storedBytes: 12345,
      durationSeconds: 42.25,
      records: 3000,
    });
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain(`# TYPE ${METRIC.success} gauge`);
    expect(body).toContain(`${METRIC.success} 1700000000.5\n`);
    expect(body).toContain(`${METRIC.size} 12345\n`);
    expect(body).toContain(`${METRIC.duration} 42.25\n`);
    expect(body).toContain(`${METRIC.records} 3000\n`);
    expect(body).not.toContain(METRIC.failure);
  });

  test('failure: only the failure timestamp (the success timestamp is never touched by a failure)', async () => {
    const { body } = await renderOutcome({ kind: 'failure', at: 1_700_000_001 });
    expect(body).toContain(`${METRIC.failure} 1700000001\n`);
    expect(body).not.toContain(METRIC.success);
    expect(body).not.toContain(METRIC.size);
  });
});

describe('metrics inputs', () => {
  const config = { app: 'northwind-rag', role: 'web', hostSpec: 'd@h:22', project: 'p', service: 'chroma' };

  test('no URL: nothing to push', () => {
    expect(readMetricsPush(reader({}))).toBeUndefined();
  });

  test('the app label defaults to ragship.yml app; metrics-app wins', () => {
    expect(readMetricsPush(reader({ 'metrics-push-url': 'http://pgw:9091/' }), config)).toEqual({
      url: 'http://pgw:9091',
      app: 'northwind-rag',
      token: undefined,
      username: undefined,
      password: undefined,
    });
    expect(
      readMetricsPush(reader({ 'metrics-push-url': 'http://pgw:9091', 'metrics-app': 'other' }), config)?.app,
    ).toBe('other');
  });

  test('without config or metrics-app, the app label is required with the fix', () => {
    expect(() => readMetricsPush(reader({ 'metrics-push-url': 'http://pgw:9091' }))).toThrow(
      /input 'metrics-app'.*is required with metrics-push-url/,
    );
  });

  test('bearer token or basic auth, not both; basic auth needs both halves; credentials need a URL', () => {
    const url = { 'metrics-push-url': 'http://pgw:9091', 'metrics-app': 'a' };
    expect(readMetricsPush(reader({ ...url, 'metrics-push-token': 'tok-123' }))?.token).toBe('tok-123');
    expect(
      readMetricsPush(reader({ ...url, 'metrics-push-username': 'u', 'metrics-push-password': 'p-123' })),
    ).toMatchObject({ username: 'u', password: 'p-123' });
    expect(() =>
      readMetricsPush(reader({ ...url, 'metrics-push-token': 't', 'metrics-push-password': 'p' })),
    ).toThrow(/either a bearer token or basic auth/);
    expect(() => readMetricsPush(reader({ ...url, 'metrics-push-username': 'u' }))).toThrow(
      /metrics-push-password'.*is missing/,
    );
    expect(() => readMetricsPush(reader({ 'metrics-push-token': 't' }))).toThrow(
      /metrics-push-url'.*is empty but Pushgateway credentials are set/,
    );
  });
});
