/**
 * `npm run bench -- app`: POST /query requests/s and p50/p95 latency, in one run, for
 *   nginx → app with the answer cache bypassed (`Cache-Control: no-cache`) and warm,
 *   and the app directly (published port, no nginx), bypassed and warm.
 * Real parts: the example-app image built FROM the sandbox node base, example-app/compose.yaml
 * under docker-compose v1 with the sandbox Chroma 1.0.5 and nginx images, autocannon.
 * Host ports 18030 (nginx) and 18031 (app).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { APP_DIR, buildAppImage, composeProject, waitHttp } from '../test/e2e/example-app/compose.js';

const NGINX_PORT = 18030;
const APP_PORT = 18031;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const QUESTION = 'How long is the warranty on the Heron H1?';

interface Scenario {
  name: string;
  via: 'nginx' | 'app';
  cache: 'off' | 'on';
}

async function load(url: string, cache: 'off' | 'on') {
  const times: number[] = [];
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon(
      {
        url,
        method: 'POST',
        connections: CONNECTIONS,
        duration: DURATION_S,
        headers: {
          'content-type': 'application/json',
          ...(cache === 'off' ? { 'cache-control': 'no-cache' } : {}),
        },
        body: JSON.stringify({ question: QUESTION }),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    inst.on('response', (_c: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  });
  times.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? 0) * 100) / 100;
  return {
    requests: r.requests.total,
    requestsPerSec: Math.round((r.requests.total / DURATION_S) * 10) / 10,
    p50Ms: pct(50),
    p95Ms: pct(95),
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

export async function run() {
  const tmp = mkdtempSync(join(tmpdir(), 'ragship-bench-app-'));
  // Same nginx.conf as shipped, with the per-IP limit raised so the benchmark measures
  // throughput, not the limiter.
  const conf = readFileSync(join(APP_DIR, 'nginx/nginx.conf'), 'utf8')
    .replace('rate=20r/s', 'rate=100000r/s')
    .replace('burst=40', 'burst=100000');
  writeFileSync(join(tmp, 'nginx.conf'), conf);
  writeFileSync(
    join(tmp, 'direct.yaml'),
    `services:\n  app:\n    ports:\n      - "127.0.0.1:${APP_PORT}:8080"\n`,
  );
  const image = await buildAppImage('ragship-sandbox/node:20');
  const project = composeProject('ragship-example-bench', {
    APP_IMAGE: image,
    CHROMA_IMAGE: 'ragship-sandbox/chroma:1.0.5',
    NGINX_IMAGE: 'ragship-sandbox/nginx:latest',
    NGINX_CONF: join(tmp, 'nginx.conf'),
    HTTP_BIND: '127.0.0.1',
    HTTP_PORT: String(NGINX_PORT),
    HTTPS_PORT: String(NGINX_PORT + 2),
    RATE_LIMIT_MAX: '100000000',
    LOG_LEVEL: 'warn',
  });
  const compose = (...a: string[]) => project.compose('-f', join(tmp, 'direct.yaml'), ...a);
  try {
    await project.down().catch(() => undefined);
    await compose('up', '-d', 'chroma');
    await project.waitHealthy('chroma');
    await compose('run', '--rm', 'migrate');
    await compose('run', '--rm', 'migrate', 'node', 'dist/main.js', 'ingest', 'corpus');
    await compose('up', '-d', 'app', 'nginx');
    await project.waitHealthy('app');
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: QUESTION }),
    };
    await waitHttp(`http://127.0.0.1:${NGINX_PORT}/query`, init, (r) => r.status === 200);
    await waitHttp(`http://127.0.0.1:${APP_PORT}/query`, init, (r) => r.status === 200);

    const scenarios: Scenario[] = [
      { name: 'nginx, cache off', via: 'nginx', cache: 'off' },
      { name: 'nginx, cache on', via: 'nginx', cache: 'on' },
      { name: 'app direct, cache off', via: 'app', cache: 'off' },
      { name: 'app direct, cache on', via: 'app', cache: 'on' },
    ];
    const results = [];
    for (const s of scenarios) {
      const port = s.via === 'nginx' ? NGINX_PORT : APP_PORT;
      const r = await load(`http://127.0.0.1:${port}/query`, s.cache);
      results.push({ ...s, ...r });
      process.stderr.write(
        `[bench app] ${s.name.padEnd(22)} ${String(r.requestsPerSec).padStart(8)} req/s  p50 ${r.p50Ms} ms  p95 ${r.p95Ms} ms  non2xx ${r.non2xx}\n`,
      );
    }
    return {
      bench: 'app',
      what: 'POST /query (embedded mode: hashing embeddings, extractive answers), same run',
      question: QUESTION,
      durationSeconds: DURATION_S,
      connections: CONNECTIONS,
      cacheOff: 'request header Cache-Control: no-cache bypasses the answer cache lookup',
      // Other work on the host skews absolute numbers; compare rows of the same run.
      host: { cpus: cpus().length, node: process.version, loadAverage1m: loadavg()[0] },
      results,
      measuredAt: new Date().toISOString(),
    };
  } finally {
    await project.down().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('bench/app.ts')) {
  const out = await run();
  const path = new URL('./results/app.json', import.meta.url).pathname;
  writeFileSync(path, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
