import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConfigFile, hostPortOf } from '../../../src/config/check.js';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/core/errors.js';
import { healthPathOf, PLACEHOLDER_HOST, readDockerfile, runInit } from '../../../src/init/init.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ragship-init-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The example app as getting-started copies it: the app folder plus its golden set in eval/. */
function copyExampleApp(): string {
  const dir = tmp();
  for (const f of ['compose.yaml', 'compose.gpu.yaml', 'Dockerfile', 'nginx', 'package.json'])
    cpSync(join(ROOT, 'example-app', f), join(dir, f), { recursive: true });
  mkdirSync(join(dir, 'eval'));
  for (const f of ['example-app.suite.yaml', 'example-app.cases.jsonl'])
    cpSync(join(ROOT, 'eval', f), join(dir, 'eval', f));
  return dir;
}

describe('ragship init', () => {
  it('on the example app: the app service, its port, nginx with the upstream it proxies, migrate, the eval suite; config check passes', () => {
    const dir = copyExampleApp();
    const r = runInit({ dir });
    expect(r.detected).toMatchObject({
      compose: 'compose.yaml',
      otherCompose: ['compose.gpu.yaml'],
      service: 'app',
      port: 8080,
      migrate: 'migrate',
      evalSuite: 'eval/example-app.suite.yaml',
      proxy: {
        service: 'nginx',
        upstream: 'ragship_app',
        files: ['nginx/nginx.conf'],
        file: 'nginx/upstreams/app.upstream.conf',
      },
    });
    expect(r.written).toEqual([
      'ragship.yml',
      '.github/workflows/pr.yml',
      '.github/workflows/release-deploy.yml',
      '.github/workflows/rollback.yml',
    ]);
    const text = readFileSync(join(dir, 'ragship.yml'), 'utf8');
    const config = parseConfig(text);
    expect(Object.keys(config.environments)).toEqual(['staging', 'production']);
    const web = config.environments.staging!.roles.web!;
    expect(web.hosts).toEqual([PLACEHOLDER_HOST]);
    expect(web.proxy).toMatchObject({ service: 'nginx', upstream: 'ragship_app', port: 8080 });
    // The example app's healthcheck is a node script: the path is a TODO, not a silent guess.
    expect(text).toMatch(/# TODO hosts: replace/);
    expect(text).toMatch(/# TODO known_hosts:/);
    expect(text).toMatch(/# TODO health\.http:/);
    expect(readFileSync(join(dir, '.github/workflows/pr.yml'), 'utf8')).toContain(
      'eval-suite: eval/example-app.suite.yaml',
    );
    const check = checkConfigFile({ config: join(dir, 'ragship.yml') });
    expect(check.environments).toEqual(['staging', 'production']);
    expect(check.warnings).toEqual([]);
    // A second run keeps what is there; --force rewrites.
    expect(runInit({ dir }).skipped).toHaveLength(4);
    expect(runInit({ dir, force: true, hosts: ['deploy@127.0.0.1:2222'] }).written).toHaveLength(4);
    expect(
      parseConfig(readFileSync(join(dir, 'ragship.yml'), 'utf8')).environments.production!.roles.web!.hosts,
    ).toEqual(['deploy@127.0.0.1:2222']);
  });

  it('a plain app: health path from the Dockerfile HEALTHCHECK, no proxy means recreate with a TODO, no eval suite means an empty one', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      'services:\n  db:\n    image: postgres:16\n    ports: ["5432:5432"]\n  api:\n    build: .\n    ports: ["8000:8000"]\n',
    );
    writeFileSync(
      join(dir, 'Dockerfile'),
      'FROM python:3.12\nEXPOSE 8000\nHEALTHCHECK --interval=5s \\\n  CMD curl -fsS http://localhost:8000/healthz || exit 1\n',
    );
    const r = runInit({ dir, environments: ['prod'], hosts: ['ops@10.0.0.5:2222'] });
    expect(r.detected).toMatchObject({ service: 'api', port: 8000, healthPath: '/healthz' });
    expect(r.detected.proxy).toBeUndefined();
    const text = readFileSync(join(dir, 'ragship.yml'), 'utf8');
    const role = parseConfig(text).environments.prod!.roles.web!;
    expect(role).toMatchObject({
      strategy: 'recreate',
      service: 'api',
      health: { http: '/healthz', port: 8000 },
    });
    expect(text).toMatch(/# TODO proxy:/);
    expect(text).not.toMatch(/# TODO hosts:/);
    expect(readFileSync(join(dir, '.github/workflows/pr.yml'), 'utf8')).toMatch(/eval-suite: "" # TODO/);
    // recreate: a host port on the switched service is fine.
    expect(checkConfigFile({ config: 'ragship.yml', workingDirectory: dir }).checked).toHaveLength(1);
  });

  it('a folder without a compose file, or a bad --host, is a ConfigError naming the fix', () => {
    const dir = tmp();
    expect(() => runInit({ dir })).toThrow(ConfigError);
    expect(() => runInit({ dir })).toThrow(/no compose file.*add a compose\.yaml/);
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: x\n');
    expect(() => runInit({ dir, hosts: ['root@host;id'] })).toThrow(ConfigError);
  });

  it('reads health paths and EXPOSE the way docker does', () => {
    expect(healthPathOf('CMD curl -f http://localhost:3000/ready || exit 1')).toBe('/ready');
    expect(healthPathOf('CMD wget -qO- http://127.0.0.1:${PORT}/api/health')).toBe('/api/health');
    expect(healthPathOf('CMD ["node", "dist/healthcheck.js"]')).toBeUndefined();
    expect(readDockerfile('FROM a\nEXPOSE 80\nHEALTHCHECK NONE\nFROM b\nEXPOSE 9000/tcp\n')).toEqual({
      healthcheck: undefined,
      expose: 9000,
    });
  });
});

describe('ragship config check', () => {
  const yml = (role: string) =>
    `app: t\nenvironments:\n  staging:\n    roles:\n      web:\n        hosts: [deploy@127.0.0.1:22]\n${role}`;
  const zeroDowntime =
    '        compose: [compose.yaml]\n        files: [nginx.conf]\n        service: app\n        proxy: { service: nginx, upstream: up_app, port: 3000, file: up/app.upstream.conf }\n        health: { http: /health, port: 3000 }\n';
  const project = (
    compose: string,
    role = zeroDowntime,
    files: Record<string, string> = { 'nginx.conf': 'proxy_pass http://up_app;' },
  ) => {
    const dir = tmp();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'ragship.yml'), yml(role));
    writeFileSync(join(dir, 'sub', 'compose.yaml'), compose);
    for (const [f, c] of Object.entries(files)) writeFileSync(join(dir, 'sub', f), c);
    return join(dir, 'sub', 'ragship.yml');
  };
  const good =
    'services:\n  app:\n    image: x\n    expose: ["3000"]\n  nginx:\n    image: nginx\n    ports: ["80:80"]\n';

  it('reads files relative to the folder of ragship.yml, from any current directory', () => {
    const r = checkConfigFile({ config: project(good) });
    expect(r.checked[0]).toMatch(/staging\/web: compose\.yaml \(2 services\), service app, proxy nginx/);
    expect(r.needsConnection.join(' ')).toMatch(/host keys/);
  });

  it('a missing compose file, a missing proxy service and a missing files: entry are each named with the fix', () => {
    expect(() =>
      checkConfigFile({ config: project(good, zeroDowntime.replace('compose.yaml', 'nope.yaml')) }),
    ).toThrow(/compose\[0\].*nope\.yaml does not exist.*relative to the folder of ragship\.yml/s);
    const noNginx = 'services:\n  app:\n    image: x\n';
    expect(() => checkConfigFile({ config: project(noNginx) })).toThrow(
      /proxy\.service.*"nginx" is not in compose\.yaml.*use one of: app/s,
    );
    expect(() => checkConfigFile({ config: project(good, zeroDowntime, {}) })).toThrow(
      /files.*nginx\.conf does not exist/s,
    );
  });

  it('the switched service of a zero-downtime role: no container_name, no fixed host port (all problems at once)', () => {
    const bad =
      'services:\n  app:\n    image: x\n    container_name: my-app\n    ports: ["127.0.0.1:3000:3000"]\n  nginx:\n    image: nginx\n';
    let err: unknown;
    try {
      checkConfigFile({ config: project(bad) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err)).toMatch(/2 problems/);
    expect(String(err)).toMatch(/sets container_name \(my-app\).*remove container_name/);
    expect(String(err)).toMatch(
      /publishes host port\(s\) 127\.0\.0\.1:3000:3000.*replace ports: with expose: \["3000"\]/,
    );
  });

  it('warns when no copied file proxies to the upstream ragship rewrites', () => {
    const r = checkConfigFile({
      config: project(good, zeroDowntime, { 'nginx.conf': 'proxy_pass http://other;' }),
    });
    expect(r.warnings.join('\n')).toMatch(/no file in files: mentions "up_app"/);
  });

  it('an unknown --environment names the ones there are', () => {
    expect(() => checkConfigFile({ config: project(good), environment: 'prod' })).toThrow(
      /use one of: staging/,
    );
  });

  it('host ports: fixed ones count, container-only ones do not', () => {
    expect(hostPortOf('3000')).toBeUndefined();
    expect(hostPortOf(3000)).toBeUndefined();
    expect(hostPortOf('3000-3001')).toBeUndefined();
    expect(hostPortOf('8080:3000')).toBe('8080:3000');
    expect(hostPortOf('127.0.0.1:8080:3000/tcp')).toBe('127.0.0.1:8080:3000/tcp');
    expect(hostPortOf('127.0.0.1::3000')).toBeUndefined();
    expect(hostPortOf('${PORT:-8080}:3000')).toBe('${PORT:-8080}:3000');
    expect(hostPortOf({ target: 3000, published: 8080 })).toBeDefined();
    expect(hostPortOf({ target: 3000 })).toBeUndefined();
  });
});
