import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import * as cmd from '../../../src/deploy/commands.js';
import { pullServicesOf, renderRole } from '../../../src/deploy/render.js';

const APP = new URL('../../../example-app/', import.meta.url).pathname;
const config = loadConfig(`${APP}ragship.yml`);
const IMAGE = `ghcr.io/northwind/rag-app@sha256:${'a'.repeat(64)}`;
const t = {
  compose: ['docker-compose'],
  project: 'p',
  projectDir: '/d',
  files: ['/r/compose-0-compose.gpu.yaml'],
};

describe('example-app/ragship.yml renders for both roles', () => {
  it('defines staging and production, each with a zero-downtime web role and a recreate llm role', () => {
    for (const env of ['staging', 'production']) {
      const roles = config.environments[env]!.roles;
      expect(roles.web).toMatchObject({
        strategy: 'zero-downtime',
        service: 'app',
        migrate: { service: 'migrate' },
      });
      expect(roles.llm).toMatchObject({ strategy: 'recreate', appImage: false, health: { openai: true } });
    }
  });

  it('web pins app and migrate to the deployed digest and leaves chroma and nginx alone', () => {
    const b = renderRole('web', config.environments.staging!.roles.web!, APP, IMAGE, { K: 'v' }, 'R');
    const doc = parseYaml(b.composeFiles[0]!.content);
    expect(doc.services.app.image).toBe(IMAGE);
    expect(doc.services.migrate.image).toBe(IMAGE);
    expect(doc.services.chroma.image).toBe('${CHROMA_IMAGE:-chromadb/chroma:1.0.5}');
    expect(b.supportServices).toEqual(['chroma']);
    // PyYAML (compose v1) would read an unquoted `no` as false: "restart contains an invalid type".
    expect(b.composeFiles[0]!.content).toContain('restart: "no"');
    expect(b.files.map((f) => f.path)).toEqual(['nginx/nginx.conf']);
  });

  it('llm keeps only vllm from compose.gpu.yaml with its own image, gets the env, pulls vllm first', () => {
    const role = config.environments.staging!.roles.llm!;
    const b = renderRole('llm', role, APP, IMAGE, { HF_TOKEN: 'hf_x' }, 'R');
    const doc = parseYaml(b.composeFiles[0]!.content);
    expect(Object.keys(doc.services)).toEqual(['vllm']);
    expect(doc.services.vllm.image).toBe('${VLLM_IMAGE:-vllm/vllm-openai:v0.6.3}');
    expect(b.supportServices).toEqual([]);
    expect(parseYaml(b.envOverlay.content).services.vllm.environment.HF_TOKEN).toBe('hf_x');
    expect(pullServicesOf(role)).toEqual(['vllm']);
    expect(b.composeEnv.content).toContain('VLLM_IMAGE=vllm/vllm-openai:v0.6.3\n');
  });

  it('the prefetch is a one-off run without dependencies, entrypoint overridden', () => {
    const p = config.environments.staging!.roles.llm!.prefetch!;
    expect(cmd.runOnce(t, p.service, p.command, p.entrypoint)).toEqual([
      'docker-compose',
      '--project-name',
      'p',
      '--project-directory',
      '/d',
      '--file',
      '/r/compose-0-compose.gpu.yaml',
      'run',
      '--rm',
      '-T',
      '--no-deps',
      '--entrypoint',
      'huggingface-cli',
      'vllm',
      'download',
      'Qwen/Qwen2.5-1.5B-Instruct',
    ]);
  });

  it('the shipped nginx config proxies to the upstream named in ragship.yml, from the mounted folder', () => {
    const conf = readFileSync(`${APP}nginx/nginx.conf`, 'utf8');
    const proxy = config.environments.staging!.roles.web!.proxy!;
    expect(conf).toContain('include /etc/nginx/ragship/*.upstream.conf;');
    expect(conf).toContain(`proxy_pass http://${proxy.upstream};`);
    expect(readFileSync(`${APP}${proxy.file}`, 'utf8')).toMatch(/upstream ragship_app \{\s*server app:8080;/);
    const nginx = parseYaml(readFileSync(`${APP}compose.yaml`, 'utf8')).services.nginx;
    expect(nginx.volumes).toContain('${NGINX_UPSTREAMS:-./nginx/upstreams}:/etc/nginx/ragship:ro');
  });
});
