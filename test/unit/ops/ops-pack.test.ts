/**
 * The observability pack (example-app/ops) checked with the real promtool (Debian package
 * `prometheus`, installed by scripts/sandbox): rules parse, every alert has promtool unit tests
 * that fire it, the tests bite (a mutated rule fails them), the Grafana dashboard only queries
 * metrics the app exports (or our recording rules) in valid PromQL, and retention is set in one
 * place that the privacy notice quotes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = new URL('../../..', import.meta.url).pathname;
const OPS = join(ROOT, 'example-app/ops');
const PROM = join(OPS, 'prometheus');
const tmp = mkdtempSync(join(tmpdir(), 'ragship-ops-pack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function promtool(args: string[], cwd = PROM) {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is missing (apt-get install -y prometheus): ${r.error.message}`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
const rulesDoc = parseYaml(readFileSync(join(PROM, 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] };
const rules = rulesDoc.groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert).map((r) => r.alert!);
const records = rules.filter((r) => r.record).map((r) => r.record!);

/** Metric names the example app exports (from example-app/src/metrics.ts) + series suffixes. */
function appMetrics(): Set<string> {
  const src = readFileSync(join(ROOT, 'example-app/src/metrics.ts'), 'utf8');
  const names = new Set<string>();
  for (const m of src.matchAll(/new client\.(Histogram|Counter|Gauge)\(\{\s*name: '([a-z_:]+)'/g)) {
    const [, kind, name] = m;
    names.add(name!);
    if (kind === 'Histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
  }
  return names;
}

// promtool's rule tests take seconds each on a busy shared host.
describe('alert rules (promtool)', { timeout: 120_000 }, () => {
  it('promtool check rules accepts alerts.yml', () => {
    const r = promtool(['check', 'rules', 'alerts.yml']);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('promtool test rules passes every alert unit test', () => {
    const r = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('covers the alerts the issue asks for, each with a test that expects it to fire', () => {
    expect(alerts).toEqual(
      expect.arrayContaining([
        'RagHighErrorRatio',
        'RagHighLatencyP95',
        'LlmSpendRateOverBudget',
        'LlmDailyBudgetExceeded',
        'RagCacheHitRatioDrop',
        'RagNotReady',
        'BackupStale',
      ]),
    );
    const tests = parseYaml(readFileSync(join(PROM, 'alerts.test.yml'), 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const a of alerts) {
      expect(
        cases.some((c) => c.alertname === a && c.exp_alerts.length > 0),
        `${a} fires in a test`,
      ).toBe(true);
      expect(
        cases.some((c) => c.alertname === a && c.exp_alerts.length === 0),
        `${a} silent in a test`,
      ).toBe(true);
    }
  });

  it('the tests bite: loosening the error-ratio threshold makes promtool test rules fail', () => {
    const mutated = readFileSync(join(PROM, 'alerts.yml'), 'utf8').replace(
      'ragship:query_error_ratio:rate5m > 0.05',
      'ragship:query_error_ratio:rate5m > 0.5',
    );
    writeFileSync(join(tmp, 'alerts.yml'), mutated);
    copyFileSync(join(PROM, 'alerts.test.yml'), join(tmp, 'alerts.test.yml'));
    const r = promtool(['test', 'rules', 'alerts.test.yml'], tmp);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/RagHighErrorRatio/);
  });

  it('promtool check config accepts the scrape config', () => {
    const cfg = readFileSync(join(PROM, 'prometheus.yml'), 'utf8').replace(
      '/etc/prometheus/alerts.yml',
      join(PROM, 'alerts.yml'),
    );
    writeFileSync(join(tmp, 'prometheus.yml'), cfg);
    const r = promtool(['check', 'config', join(tmp, 'prometheus.yml')], tmp);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });
});

describe('Grafana dashboard', () => {
  const dash = JSON.parse(readFileSync(join(OPS, 'grafana/ragship-example.json'), 'utf8'));
  const targets: { title: string; expr: string }[] = dash.panels.flatMap(
    (p: { title: string; targets?: { expr: string }[] }) =>
      (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })),
  );

  it('is a dashboard with unique panel ids and a query on every non-row panel', () => {
    expect(dash.uid).toBe('ragship-example');
    const ids = dash.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dash.panels.filter((x: { type: string }) => x.type !== 'row'))
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    const titles = dash.panels.map((p: { title: string }) => p.title).join('\n');
    for (const w of ['Requests', 'latency', 'Tokens', 'Cost', 'cache', 'error', 'backup'])
      expect(titles.toLowerCase()).toContain(w.toLowerCase());
  });

  it('queries only metrics the app exports, our recording rules, up and the backup timestamp', () => {
    const known = new Set([
      ...appMetrics(),
      ...records,
      'up',
      'ragship_backup_last_success_timestamp_seconds',
    ]);
    expect(known.has('llm_cost_usd_total')).toBe(true);
    const fns = new Set(['sum', 'rate', 'increase', 'histogram_quantile', 'topk', 'time', 'max', 'by', 'le']);
    for (const t of targets) {
      const bare = t.expr
        .replace(/\{[^}]*\}/g, '')
        .replace(/\[[^\]]*\]/g, '')
        .replace(/"[^"]*"/g, '');
      const idents = bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
      const metrics = idents.filter((i) => !fns.has(i) && !/^(by|without|on|and|or|unless)$/.test(i));
      // Identifiers inside `by (…)` are labels, not metrics.
      const labels = new Set([...t.expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(/,\s*/)));
      for (const m of metrics.filter((x) => !labels.has(x)))
        expect(known.has(m), `${t.title}: ${m} is not a known metric`).toBe(true);
    }
  });

  it('every panel query is valid PromQL (promtool parses it as a recording rule)', () => {
    const group = {
      groups: [
        {
          name: 'dashboard',
          rules: targets.map((t, i) => ({
            record: `dashboard:panel_${i}`,
            expr: t.expr
              .replaceAll('$__rate_interval', '5m')
              .replaceAll('$user', '.*')
              .replaceAll('$feature', '.*'),
          })),
        },
      ],
    };
    writeFileSync(join(tmp, 'dashboard-rules.yml'), JSON.stringify(group));
    const r = promtool(['check', 'rules', 'dashboard-rules.yml'], tmp);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });
});

describe('retention in one place', { timeout: 60_000 }, () => {
  const env = Object.fromEntries(
    readFileSync(join(OPS, 'retention.env'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=') as [string, string]),
  );

  it('Prometheus, Loki and the container log rotation read retention.env', () => {
    const compose = readFileSync(join(OPS, 'compose.ops.yaml'), 'utf8');
    expect(compose).toContain('--storage.tsdb.retention.time=${METRICS_RETENTION_DAYS');
    expect(compose).toContain('LOG_RETENTION_DAYS: ${LOG_RETENTION_DAYS');
    expect(compose).toContain('max-size: ${LOG_MAX_SIZE');
    expect(readFileSync(join(OPS, 'loki/loki.yaml'), 'utf8')).toContain(
      'retention_period: ${LOG_RETENTION_DAYS',
    );
    const cfg = execFileSync(
      'docker-compose',
      ['--env-file', 'ops/retention.env', '-f', 'compose.yaml', '-f', 'ops/compose.ops.yaml', 'config'],
      {
        cwd: join(ROOT, 'example-app'),
        env: { ...process.env, APP_IMAGE: 'example:test' },
        encoding: 'utf8',
      },
    );
    expect(cfg).toContain(`--storage.tsdb.retention.time=${env.METRICS_RETENTION_DAYS}d`);
  });

  it('the privacy notice quotes the same numbers of days', () => {
    const page = readFileSync(join(ROOT, 'example-app/web/privacy.html'), 'utf8');
    expect(page).toMatch(new RegExp(`Request logs: <strong>${env.LOG_RETENTION_DAYS} days</strong>`));
    expect(page).toMatch(
      new RegExp(`Metrics: <strong>${env.METRICS_RETENTION_DAYS} days</strong> in Prometheus`),
    );
  });
});
