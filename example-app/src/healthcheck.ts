/**
 * Docker HEALTHCHECK without curl: exit 0 when GET /ready (or /health with `--live`) answers
 * 200. Deliberately imports nothing, so it starts in milliseconds even on a busy host.
 */
const path = process.argv.includes('--live') ? '/health' : '/ready';
const port = process.env.PORT ?? '8080';
fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2500) }).then(
  (r) => process.exit(r.ok ? 0 : 1),
  () => process.exit(1),
);
