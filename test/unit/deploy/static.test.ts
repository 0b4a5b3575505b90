import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/config/load.js';
import { copyOut, createForCopy, pruneFiles, publishFiles } from '../../../src/deploy/commands.js';

const withStatic = (role: string) =>
  parseConfig(`
app: statictest
environments:
  staging:
    roles:
      web:
        hosts: [deploy@127.0.0.1:2201]
        compose: [compose.yaml]
        files: [nginx/nginx.conf]
        service: app
        proxy: { service: nginx, upstream: up, port: 8080, file: nginx/upstreams/app.upstream.conf }
        health: { http: /health }
${role}
`);

describe('roles.<role>.static in ragship.yml', () => {
  it('takes an absolute folder in the image and a folder of the project directory', () => {
    const c = withStatic('        static: { from: /app/web, dir: web/dist }');
    expect(c.environments.staging!.roles.web!.static).toEqual({ from: '/app/web', dir: 'web/dist' });
    expect(withStatic('').environments.staging!.roles.web!.static).toBeUndefined();
  });

  it.each([
    ['a relative from', '{ from: app/web, dir: web/dist }', /static\.from[\s\S]*absolute folder/],
    ['.. in from', '{ from: /app/../etc, dir: web/dist }', /static\.from/],
    ['.. in dir', '{ from: /app/web, dir: ../web }', /static\.dir[\s\S]*relative path/],
    ['an absolute dir', '{ from: /app/web, dir: /srv/web }', /static\.dir/],
    ['a shell string', '{ from: "/app/web;rm -rf /", dir: web }', /static\.from/],
    ['the project directory itself', '{ from: /app/web, dir: ./ }', /static\.dir[\s\S]*below the project/],
    [
      'a folder holding listed files',
      '{ from: /app/web, dir: nginx }',
      /static\.dir[\s\S]*overlaps nginx\/nginx\.conf/,
    ],
    ['an unknown key', '{ from: /app/web, dir: web, mode: copy }', /static/],
  ])('refuses %s, naming the key', (_name, value, message) => {
    expect(() => withStatic(`        static: ${value}`)).toThrow(message);
  });

  it('refuses a role without the app image', () => {
    expect(() =>
      withStatic('        appImage: false\n        static: { from: /app/web, dir: web/dist }'),
    ).toThrow(/static[\s\S]*needs the app image/);
  });

  it('example-app/ragship.yml publishes the chat page built into the image where nginx serves it', () => {
    const app = new URL('../../../example-app/', import.meta.url).pathname;
    const config = loadConfig(`${app}ragship.yml`);
    for (const env of ['staging', 'production'])
      expect(config.environments[env]!.roles.web!.static).toEqual({ from: '/app/web', dir: 'web/dist' });
    expect(readFileSync(`${app}compose.yaml`, 'utf8')).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a JS template
      '${WEB_DIST:-./web/dist}:/usr/share/nginx/html:ro',
    );
    const dockerfile = readFileSync(`${app}Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(/FROM \$\{NODE_IMAGE\} AS web\n/);
    expect(dockerfile).toContain('COPY --from=web /web/dist ./web');
  });
});

describe('static files: remote commands', () => {
  it('copies out of a container that is created, never started', () => {
    expect(createForCopy('r/app@sha256:ab')).toEqual([
      'docker',
      'create',
      '--label',
      'ragship.static-copy=1',
      'r/app@sha256:ab',
      'ragship-static-copy',
    ]);
    expect(copyOut('c1', '/app/web/', '/h/static.partial')).toEqual([
      'docker',
      'cp',
      'c1:/app/web/.',
      '/h/static.partial',
    ]);
  });

  it('passes paths as positional arguments of a fixed script, never inside it', () => {
    const tricky = "/h/it's $(id)";
    const argv = publishFiles(tricky, '/h/pub', 'pages');
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).not.toContain(tricky);
    expect(argv.slice(3)).toEqual(['sh', tricky, '/h/pub']);
    expect(pruneFiles('/h/pub', [tricky]).slice(3)).toEqual(['sh', '/h/pub', tricky]);
  });
});

/** The scripts run here with the local sh, on folders shaped like a host's. */
describe('static files: publish and prune (local sh)', () => {
  const tree = (root: string, files: Record<string, string>) => {
    for (const [f, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), content);
    }
    return root;
  };
  const list = (root: string, sub = ''): string[] =>
    readdirSync(join(root, sub), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? list(root, join(sub, e.name)) : [join(sub, e.name)]))
      .sort();
  const run = (argv: readonly string[]) =>
    execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: 'pipe' });
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-static-'));
    const v1 = tree(join(dir, 'r1'), {
      'index.html': 'v1 <script src="/assets/index-1.js">',
      'about.html': 'v1 about',
      'assets/index-1.js': 'js1',
      'assets/style-s.css': 'css',
    });
    const v2 = tree(join(dir, 'r2 with space'), {
      'index.html': 'v2 <script src="/assets/index-2.js">',
      'assets/index-2.js': 'js2',
      'assets/style-s.css': 'css',
    });
    return { dir, v1, v2, pub: join(dir, 'published') };
  };

  it('assets first (beside the old ones, pages untouched), then the pages; stale pages go', () => {
    const { v1, v2, pub } = setup();
    run(publishFiles(v1, pub, 'assets'));
    expect(list(pub)).toEqual(['assets/index-1.js', 'assets/style-s.css']);
    run(publishFiles(v1, pub, 'pages'));
    expect(readFileSync(join(pub, 'index.html'), 'utf8')).toContain('v1');
    const inode = statSync(pub).ino;
    run(publishFiles(v2, pub, 'assets'));
    // The v1 page is still served and its assets still load; v2's are already there.
    expect(readFileSync(join(pub, 'index.html'), 'utf8')).toContain('v1');
    expect(list(pub)).toEqual([
      'about.html',
      'assets/index-1.js',
      'assets/index-2.js',
      'assets/style-s.css',
      'index.html',
    ]);
    run(publishFiles(v2, pub, 'pages'));
    expect(readFileSync(join(pub, 'index.html'), 'utf8')).toContain('v2');
    expect(list(pub)).toEqual(['assets/index-1.js', 'assets/index-2.js', 'assets/style-s.css', 'index.html']);
    // The served folder is the same directory (a bind mount pins its inode), world-readable files.
    expect(statSync(pub).ino).toBe(inode);
    expect(statSync(join(pub, 'index.html')).mode & 0o777).toBe(0o644);
    expect(list(pub).some((f) => f.endsWith('.ragship-tmp'))).toBe(false);
  });

  it('a rollback publishes the old release again; prune keeps what retained releases hold', () => {
    const { v1, v2, pub } = setup();
    for (const v of [v1, v2])
      for (const phase of ['assets', 'pages'] as const) run(publishFiles(v, pub, phase));
    for (const phase of ['assets', 'pages'] as const) run(publishFiles(v1, pub, phase));
    expect(readFileSync(join(pub, 'index.html'), 'utf8')).toContain('v1');
    expect(list(pub)).toContain('about.html');
    writeFileSync(join(pub, 'assets/old.js.ragship-tmp'), 'torn');
    expect(run(pruneFiles(pub, [v1, v2])).trim()).toBe('./assets/old.js.ragship-tmp');
    expect(run(pruneFiles(pub, [v1])).trim()).toBe('./assets/index-2.js');
    expect(list(pub)).toEqual(['about.html', 'assets/index-1.js', 'assets/style-s.css', 'index.html']);
  });

  it('prune with no retained release folder, or no published folder, removes nothing', () => {
    const { v1, pub, dir } = setup();
    for (const phase of ['assets', 'pages'] as const) run(publishFiles(v1, pub, phase));
    run(pruneFiles(pub, []));
    expect(list(pub)).toHaveLength(4);
    expect(run(pruneFiles(join(dir, 'missing'), [v1]))).toBe('');
  });
});
