import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../../src/config/load.js';
import { renderRole } from '../../../src/deploy/render.js';
import {
  migrationJob,
  secretCreate,
  secretName,
  stackDeploy,
  updateStatus,
} from '../../../src/swarm/commands.js';
import { downNodesOf, parseUpdateStatus, replicasOf, tasksOnSpec } from '../../../src/swarm/converge.js';
import { renderStack, SECRETS_TO_ENV } from '../../../src/swarm/stack.js';

const FIXTURE = new URL('../../fixtures/swarm-app/', import.meta.url).pathname;
const IMAGE = `localhost:5000/app@sha256:${'a'.repeat(64)}`;

const yml = (engine: string, extra = '') => `
app: shop
environments:
  prod:
    engine: ${engine}
    roles:
      web:
        hosts: [deploy@10.0.0.1:22]
        compose: [compose.yaml]
        files: [nginx.conf]
        service: app
        replicas: 3
        health: { http: /health, port: 3000, timeout: 30s, interval: 2s }
        migrate: { service: migrate }
${extra}`;

function stack(secrets: Record<string, string> = { API_KEY: 'shop-prod_R1_API_KEY' }) {
  const config = parseConfig(yml('swarm'));
  const roles = Object.entries(config.environments.prod!.roles);
  const bundles = new Map(roles.map(([n, r]) => [n, renderRole(n, r, FIXTURE, IMAGE, {}, 'R1')]));
  return renderStack({
    stack: 'shop-prod',
    releaseId: 'R1',
    bundles,
    roles,
    secrets,
    commands: new Map([[IMAGE, { entrypoint: ['docker-entrypoint.sh'], cmd: ['node', 'server.js'] }]]),
    filesDir: (role) => `/srv/r/R1/stack/files/${role}`,
  });
}

describe('engine: swarm config', () => {
  it('defaults to compose; swarm is accepted per environment', () => {
    expect(
      parseConfig(yml('compose').replace('service: app', 'service: app\n        strategy: recreate'))
        .environments.prod!.engine,
    ).toBe('compose');
    expect(parseConfig(yml('swarm')).environments.prod!.engine).toBe('swarm');
  });
  it('refuses compose-host-only role features with swarm, naming the role', () => {
    expect(() =>
      parseConfig(yml('swarm').replace('service: app', 'service: app\n        strategy: recreate')),
    ).toThrow(/roles\.web.*engine: swarm rolls roles with start-first updates/s);
    expect(() => parseConfig(yml('kubernetes'))).toThrow(/engine/);
  });
});

describe('stack rendering', () => {
  it('pins the digest, adds start-first update_config with Swarm rollback and a healthcheck from health', () => {
    const doc = parse(stack().files[0]!.content);
    const app = doc.services.app;
    expect(doc.version).toBe('3.8');
    expect(app.image).toBe(IMAGE);
    expect(app.deploy).toMatchObject({
      replicas: 3,
      endpoint_mode: 'dnsrr',
      update_config: { parallelism: 1, order: 'start-first', failure_action: 'rollback', monitor: '8s' },
      rollback_config: { order: 'start-first' },
    });
    expect(app.healthcheck).toMatchObject({ interval: '2s', start_period: '30s', retries: 3 });
    expect(app.healthcheck.test[1]).toContain('http://127.0.0.1:3000/health');
    expect(doc.services.migrate).toBeUndefined();
    expect(doc.services.proxy.image).toBe('localhost:5000/ragship-swarm/nginx:test');
  });

  it('mounts per-release secrets and wraps the image command with the secrets-to-env shim', () => {
    const doc = parse(stack().files[0]!.content);
    const app = doc.services.app;
    // Written as $$ for docker stack deploy's interpolation, which turns it back into $.
    expect(app.entrypoint).toEqual(['/bin/sh', '-c', SECRETS_TO_ENV.replaceAll('$', '$$$$'), 'ragship']);
    expect(app.command).toEqual(['docker-entrypoint.sh', 'node', 'server.js']);
    expect(app.secrets).toEqual([{ source: 'shop-prod_R1_API_KEY', target: 'ragship.API_KEY' }]);
    expect(app.environment).toEqual({ RAGSHIP_RELEASE: 'R1' });
    expect(doc.secrets).toEqual({ 'shop-prod_R1_API_KEY': { external: true } });
    expect(doc.services.proxy.secrets).toBeUndefined();
  });

  it('names configs by content (Swarm configs are immutable) and points them at the uploaded files', () => {
    const doc = parse(stack().files[0]!.content);
    expect(doc.configs.nginx.file).toBe('/srv/r/R1/stack/files/web/nginx.conf');
    expect(doc.configs.nginx.name).toMatch(/^shop-prod_nginx_[a-f0-9]{12}$/);
    expect(parse(stack({}).files[0]!.content).configs.nginx.name).toBe(doc.configs.nginx.name);
  });

  it('the shim turns secret files into env vars byte for byte (newline, $, quotes), then execs the command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarm-shim-'));
    const value = 'a$HOME "b" \'c\'\nd\n';
    writeFileSync(join(dir, 'ragship.API_KEY'), value);
    const script = SECRETS_TO_ENV.replaceAll('/run/secrets/', `${dir}/`);
    const out = execFileSync(
      '/bin/sh',
      ['-c', script, 'ragship', 'node', '-e', 'process.stdout.write(process.env.API_KEY)'],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toBe(value);
  });
});

describe('swarm commands', () => {
  it('stack deploy carries the registry login to the nodes and prunes removed services', () => {
    expect(stackDeploy('shop-prod', ['/r/a.yaml', '/r/b.yaml'])).toEqual([
      'docker',
      'stack',
      'deploy',
      '--with-registry-auth',
      '--prune',
      '--compose-file',
      '/r/a.yaml',
      '--compose-file',
      '/r/b.yaml',
      'shop-prod',
    ]);
  });
  it('secrets are created from stdin, never argv', () => {
    expect(secretCreate('n', { 'ragship.stack': 's' })).toEqual([
      'docker',
      'secret',
      'create',
      '--label',
      'ragship.stack=s',
      'n',
      '-',
    ]);
  });
  it('secret names stay within 64 characters and differ per release', () => {
    expect(secretName('shop-prod', '20261203T170000Z-abc1234', 'API_KEY')).toBe(
      'shop-prod_20261203T170000Z-abc1234_API_KEY',
    );
    const long = secretName(
      'a-very-long-application-name-prod',
      '20261203T170000Z-abc1234',
      'A_VERY_LONG_SECRET_NAME_X',
    );
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).not.toBe(
      secretName(
        'a-very-long-application-name-prod',
        '20261203T170001Z-abc1234',
        'A_VERY_LONG_SECRET_NAME_X',
      ),
    );
  });
  it('the migration is a replicated job on the stack network with the release secrets', () => {
    const argv = migrationJob({
      name: 'shop-prod_migrate_r1',
      stack: 'shop-prod',
      network: 'shop-prod_default',
      image: IMAGE,
      secrets: [{ source: 'shop-prod_R1_K', target: 'ragship.K' }],
      env: { RAGSHIP_RELEASE: 'R1' },
      entrypoint: ['/bin/sh', '-c'],
      args: ['script', 'ragship', 'node', 'migrate.js'],
    });
    expect(argv.slice(0, 10)).toEqual([
      'docker',
      'service',
      'create',
      '--detach',
      '--name',
      'shop-prod_migrate_r1',
      '--mode',
      'replicated-job',
      '--restart-condition',
      'none',
    ]);
    expect(argv).toContain('source=shop-prod_R1_K,target=ragship.K');
    expect(argv.slice(-5)).toEqual([IMAGE, 'script', 'ragship', 'node', 'migrate.js']);
  });
  it('parses update status, node and task listings', () => {
    expect(updateStatus(['a'])[4]).toContain('UpdateStatus.State');
    const u = parseUpdateStatus(
      's_app\trollback_completed\t2026-12-03 17:00:00\tr@sha256:1\tupdate rolled back due to failure\n',
    );
    expect(u.get('s_app')).toMatchObject({
      state: 'rollback_completed',
      message: 'update rolled back due to failure',
    });
    expect(downNodesOf('m\tReady\tActive\tLeader\nw1\tDown\tActive\t\nw2\tReady\tActive\t\n')).toEqual([
      'w1',
    ]);
    expect(
      replicasOf('s_app\treplicated\t2/3\tr@sha256:1\ns_proxy\tglobal\t3/3 (max 1 per node)\tn\n').get(
        's_app',
      ),
    ).toEqual({ running: 2, desired: 3, image: 'r@sha256:1', mode: 'replicated' });
    const d = `sha256:${'b'.repeat(64)}`;
    expect(
      tasksOnSpec(
        `t.1\tw1\tRunning\tRunning 3 seconds ago\t\tr@${d}\nt.2\tw2\tShutdown\tShutdown\t\tr@sha256:${'c'.repeat(64)}\n`,
        `r:v2@${d}`,
      ),
    ).toBe(true);
    expect(tasksOnSpec(`t.1\tw1\tRunning\tStarting 1 second ago\t\tr@${d}\n`, `r@${d}`)).toBe(false);
  });
});
