import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/config/load.js';
import { hookCommand, hookContainer } from '../../../src/hooks/run.js';

const target = {
  compose: ['docker', 'compose'],
  project: 'shop-staging-web',
  projectDir: '/r/shared/web',
  files: ['/r/releases/R1/web/compose.yaml', '/r/releases/R1/web/env.yaml'],
  envFile: '/r/releases/R1/web/compose.env',
};

const yaml = (hooks: string) => `
app: shop
environments:
  staging:
    roles:
      web:
        hosts: [deploy@10.0.0.5]
        compose: [compose.yaml]
        service: app
        strategy: recreate
        health: { http: /health }
        hooks:
${hooks}`;

describe('deploy hooks', () => {
  it('a hook is a one-off container of the release: no deps, no TTY, named, RAGSHIP_* env, the command verbatim', () => {
    const cfg = parseConfig(yaml('          post-switch: { command: [node, smoke.js, "a b"] }'));
    const hook = cfg.environments.staging!.roles.web!.hooks!['post-switch']!;
    expect(hook.timeout).toBe(300);
    const name = hookContainer(target.project, 'post-switch', '20261203T170000Z-abc1234');
    expect(name).toBe('shop-staging-web-post-switch-20261203T170000Z-abc1234');
    expect(
      hookCommand(
        target,
        'post-switch',
        hook,
        'app',
        { RAGSHIP_HOOK: 'post-switch', RAGSHIP_RELEASE: 'R1' },
        name,
      ),
    ).toEqual([
      'docker',
      'compose',
      '--project-name',
      'shop-staging-web',
      '--project-directory',
      '/r/shared/web',
      '--env-file',
      '/r/releases/R1/web/compose.env',
      '--file',
      '/r/releases/R1/web/compose.yaml',
      '--file',
      '/r/releases/R1/web/env.yaml',
      'run',
      '--rm',
      '--no-deps',
      '-T',
      '--name',
      name,
      '-e',
      'RAGSHIP_HOOK=post-switch',
      '-e',
      'RAGSHIP_RELEASE=R1',
      'app',
      'node',
      'smoke.js',
      'a b',
    ]);
  });

  it.each([
    ['          pre-deploy: { command: [] }', /hooks.pre-deploy.command/],
    ['          post-switch: { command: [x], service: "a b" }', /hooks.post-switch.service/],
    ['          on-deploy: { command: [x] }', /on-deploy/],
    ['          post-deploy: { command: [x], timeout: soon }', /hooks.post-deploy.timeout/],
  ])('ragship.yml refuses %s', (hooks, where) => {
    expect(() => parseConfig(yaml(hooks))).toThrow(where);
  });
});

describe("the example app's post-switch smoke check (example-app/ragship.yml)", () => {
  const config = loadConfig(new URL('../../../example-app/ragship.yml', import.meta.url).pathname);

  /** Runs the hook's argv here (node is what the app image runs) against a local nginx stand-in. */
  async function smoke(status: (path: string) => number): Promise<{ code: number; out: string }> {
    const hook = config.environments.production!.roles.web!.hooks!['post-switch']!;
    expect(hook.command[0]).toBe('node');
    const server = createServer((req, res) => res.writeHead(status(req.url ?? '')).end('x'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      return await new Promise((resolve) =>
        execFile(
          process.execPath,
          hook.command.slice(1),
          { env: { ...process.env, SMOKE_BASE: base, RAGSHIP_RELEASE: 'R9' }, timeout: 30_000 },
          (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        ),
      );
    } finally {
      server.close();
    }
  }

  it('is defined for web in staging and production, with a timeout', () => {
    for (const env of ['staging', 'production'])
      expect(config.environments[env]!.roles.web!.hooks!['post-switch']).toMatchObject({ timeout: 60 });
  });

  it('passes when /ready and the chat page answer 200', async () => {
    expect(await smoke(() => 200)).toEqual({ code: 0, out: 'smoke ok: R9\n' });
  });

  it('fails (exit 1, naming the path) when the new release is not ready', async () => {
    const r = await smoke((p) => (p === '/ready' ? 503 : 200));
    expect(r.code).toBe(1);
    expect(r.out).toContain('smoke failed: GET /ready answered 503');
  });
});
