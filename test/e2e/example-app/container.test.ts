/**
 * Example app as shipped: the real multi-stage image built FROM the sandbox node base, and the
 * real compose.yaml on the sandbox Docker Engine with docker-compose v1.29, the sandbox Chroma
 * 1.0.5 image and the sandbox nginx image in front, on host port 18020.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox } from '../../support/sandbox.js';
import { APP_DIR, buildAppImage, composeProject, sh, waitHttp } from './compose.js';

const PORT = 18020;
/** The nginx upstream folder of this project (the deploy rewrites the file in it). */
const UPSTREAMS = mkdtempSync(join(tmpdir(), 'ragship-example-e2e-upstreams-'));
copyFileSync(join(APP_DIR, 'nginx/upstreams/app.upstream.conf'), join(UPSTREAMS, 'app.upstream.conf'));
const BASE = `http://127.0.0.1:${PORT}`;
const project = composeProject('ragship-example-e2e', {
  APP_IMAGE: 'ragship-example/app:e2e',
  CHROMA_IMAGE: 'ragship-sandbox/chroma:1.0.5',
  NGINX_IMAGE: 'ragship-sandbox/nginx:latest',
  HTTP_BIND: '127.0.0.1',
  HTTP_PORT: String(PORT),
  HTTPS_PORT: String(PORT + 1),
  CORS_ORIGINS: 'https://app.northwind.example',
  RATE_LIMIT_MAX: '60',
  INGEST_TOKEN: 'e2e-ingest-token',
  NGINX_UPSTREAMS: UPSTREAMS,
});

let image: string;

beforeAll(async () => {
  const env = sandbox();
  for (const img of [env.images.node, 'ragship-sandbox/chroma:1.0.5', 'ragship-sandbox/nginx:latest']) {
    await sh('docker', ['image', 'inspect', img]).catch(() => {
      throw new Error(`sandbox image ${img} is missing: run \`bash scripts/sandbox up\``);
    });
  }
  image = await buildAppImage(env.images.node);
  await project.down().catch(() => undefined);
});

afterAll(async () => {
  await project.down().catch(() => undefined);
  rmSync(UPSTREAMS, { recursive: true, force: true });
});

describe('example app image', () => {
  it('runs as the non-root node user with a HEALTHCHECK that needs no curl', async () => {
    const cfg = JSON.parse(await sh('docker', ['image', 'inspect', '-f', '{{json .Config}}', image]));
    expect(cfg.User).toBe('node');
    expect(cfg.Healthcheck.Test).toEqual(['CMD', 'node', 'dist/healthcheck.js']);
    const uid = await sh('docker', ['run', '--rm', '--entrypoint', 'id', image, '-u']);
    expect(uid.trim()).toBe('1000');
    const curl = await sh('docker', [
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      image,
      '-c',
      'command -v curl wget || echo none',
    ]);
    expect(curl.trim()).toBe('none');
    // No Chroma server bindings and no TypeScript sources in the runtime image.
    const ls = await sh('docker', [
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      image,
      '-c',
      'ls node_modules | grep -c chromadb-js-bindings || true; ls',
    ]);
    expect(ls.split('\n')[0]).toBe('0');
    expect(ls).not.toMatch(/\bsrc\b/);
  });
});

describe('example app under docker-compose v1 with nginx and Chroma', () => {
  beforeAll(async () => {
    await project.compose('up', '-d', 'chroma');
    await project.waitHealthy('chroma');
    await project.compose('run', '--rm', 'migrate');
    await project.compose('run', '--rm', 'migrate', 'node', 'dist/main.js', 'ingest', 'corpus');
    await project.compose('up', '-d', 'app', 'nginx');
  });

  it('the app container HEALTHCHECK turns healthy (Chroma reachable, migrations applied)', async () => {
    const ids = await project.waitHealthy('app');
    expect(ids).toHaveLength(1);
  });

  it('serves POST /query through nginx with source chunk ids, gzip and security headers', async () => {
    const r = await waitHttp(
      `${BASE}/query`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
        body: JSON.stringify({ question: 'How long is the warranty on the Heron H1?' }),
      },
      (res) => res.status === 200,
    );
    const body = await r.json();
    expect(body.sources[0].id).toBe('warranty#standard-warranty');
    expect(body.answer).toContain('24-month');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('server')).toBe('nginx');
  });

  it('refuses a CORS preflight from a foreign origin through nginx', async () => {
    const preflight = (origin: string) =>
      fetch(`${BASE}/query`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const foreign = await preflight('https://evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const ok = await preflight('https://app.northwind.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.northwind.example');
  });

  it('switches with zero failed requests: new container beside the old (--scale app=2 --no-recreate), upstream file rewritten, nginx reloaded, old stopped', async () => {
    const [old] = await project.containerIds('app');
    await project.compose('up', '-d', '--no-deps', '--scale', 'app=2', '--no-recreate', 'app');
    const ids = await project.waitHealthy('app');
    expect(ids).toHaveLength(2);
    const fresh = ids.find((id) => id !== old)!;
    const name = (await sh('docker', ['inspect', '-f', '{{.Name}}', fresh])).trim().replace(/^\//, '');
    // One connection per request (agent: false). With keep-alive, a POST sent on an idle
    // connection just as nginx's old worker closes it at the reload fails in any HTTP/1.1 client
    // ("other side closed"; browsers retry it, fetch does not): that race belongs to the client,
    // not to the switch. Keep-alive load through the switch is covered by the deploy tests.
    const body = JSON.stringify({ question: 'What are the support hours?' });
    const ask = () =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${BASE}/query`,
          {
            method: 'POST',
            agent: false,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              'cache-control': 'no-cache',
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const statuses: number[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        statuses.push(await ask());
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    // What a ragship deploy does after the health gate (src/deploy/switch.ts).
    writeFileSync(
      join(UPSTREAMS, 'app.upstream.conf'),
      `upstream ragship_app {\n  server ${name}:8080 max_fails=0;\n}\n`,
    );
    await project.compose('exec', '-T', 'nginx', 'nginx', '-t', '-q');
    await project.compose('exec', '-T', 'nginx', 'nginx', '-s', 'reload');
    await new Promise((r) => setTimeout(r, 1000));
    await sh('docker', ['stop', '-t', '30', old!]);
    await sh('docker', ['rm', old!]);
    for (let i = 0; i < 5; i++) statuses.push(await ask());
    running = false;
    await load;
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await project.containerIds('app')).toEqual([fresh]);
    expect(await sh('docker', ['logs', fresh])).toContain('"route":"/query"');
  });

  it('rate-limits a client with 429 and Retry-After', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 150; i++) {
      last = await fetch(`${BASE}/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: `What does the Dock-48 cost? ${i}` }),
      });
      if (last.status === 429) break;
      await last.arrayBuffer();
    }
    expect(last?.status).toBe(429);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
