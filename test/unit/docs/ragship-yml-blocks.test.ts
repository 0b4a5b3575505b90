// The ragship.yml examples in the docs are valid configuration, and the one getting-started
// tells a newcomer to write fits the example app that its step 1 copies: every file it names
// exists there, every service it names is in those compose files, and nginx includes the upstream.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../../src/config/load.js';
import type { RagshipConfig } from '../../../src/config/schema.js';
import { docFiles, fencedBlocks } from './markdown.js';

const blocks = docFiles()
  .flatMap(fencedBlocks)
  .filter((b) => b.lang === 'yaml' || b.lang === 'yml')
  .filter((b) => {
    try {
      const doc = parse(b.text) as Record<string, unknown> | null;
      return !!doc && typeof doc === 'object' && 'app' in doc && 'environments' in doc;
    } catch {
      return false; // yaml-blocks.test.ts reports it
    }
  });

const EXAMPLE = 'example-app';

/** What of `config` does not exist in the app folder `dir` ([] when it fits). */
function misfits(config: RagshipConfig, dir: string): string[] {
  const out: string[] = [];
  const root = join(new URL('../../..', import.meta.url).pathname, dir);
  for (const [envName, env] of Object.entries(config.environments)) {
    for (const [roleName, role] of Object.entries(env.roles)) {
      const where = `environments.${envName}.roles.${roleName}`;
      for (const f of [...role.compose, ...role.files]) {
        if (!existsSync(join(root, f))) out.push(`${where}: ${f} is not in ${dir}/`);
      }
      const services = new Set(
        role.compose
          .filter((f) => existsSync(join(root, f)))
          .flatMap((f) => Object.keys((parse(readFileSync(join(root, f), 'utf8')) ?? {}).services ?? {})),
      );
      const named = [role.service, role.proxy?.service, role.migrate?.service, ...(role.services ?? [])];
      for (const s of named.filter((x): x is string => !!x)) {
        if (!services.has(s)) out.push(`${where}: service ${s} is not in ${role.compose.join(', ')}`);
      }
      if (role.proxy) {
        if (!existsSync(join(root, dirname(role.proxy.file))))
          out.push(`${where}.proxy.file: ${dirname(role.proxy.file)}/ is not in ${dir}/`);
        const nginx = role.files
          .filter((f) => existsSync(join(root, f)))
          .map((f) => readFileSync(join(root, f), 'utf8'))
          .join('\n');
        if (!nginx.includes(`http://${role.proxy.upstream}`))
          out.push(
            `${where}.proxy.upstream: no proxy_pass http://${role.proxy.upstream} in ${role.files.join(', ')}`,
          );
      }
    }
  }
  return out;
}

describe('ragship.yml examples in the docs', () => {
  test('there are examples, one of them in getting-started', () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.some((b) => b.file === 'docs/getting-started.md')).toBe(true);
  });

  test.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))(
    '%s is valid configuration',
    (where, b) => {
      expect(() => parseConfig(b.text, where)).not.toThrow();
    },
  );

  test("getting-started's ragship.yml fits the example app it copies", () => {
    const b = blocks.find((x) => x.file === 'docs/getting-started.md')!;
    expect(misfits(parseConfig(b.text), EXAMPLE)).toEqual([]);
  });

  test('a file, a service or an upstream the app does not have is reported', () => {
    const config = parseConfig(`app: a
environments:
  staging:
    roles:
      web:
        hosts: [deploy@203.0.113.10:22]
        compose: [compose.yaml]
        files: [nginx/default.conf]
        service: ragship_app
        proxy: { service: nginx, upstream: app, port: 3000, file: upstreams/app.upstream.conf }
        health: { http: /health, port: 3000 }
`);
    expect(misfits(config, EXAMPLE)).toEqual([
      'environments.staging.roles.web: nginx/default.conf is not in example-app/',
      'environments.staging.roles.web: service ragship_app is not in compose.yaml',
      'environments.staging.roles.web.proxy.file: upstreams/ is not in example-app/',
      'environments.staging.roles.web.proxy.upstream: no proxy_pass http://app in nginx/default.conf',
    ]);
  });
});
