// Preloaded (`node --import`) into the example app's process by tracing.test.ts: records every
// @opentelemetry module the process loads, through ESM resolution (a resolve hook) and CommonJS
// (`require.cache` at exit, since the OpenTelemetry packages are CommonJS), one path per line
// into $OTEL_MODULE_PROBE_OUT.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const out = process.env.OTEL_MODULE_PROBE_OUT;
if (out) {
  const hook = `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const r = await next(specifier, context);
      if (r.url.includes('@opentelemetry')) appendFileSync(${JSON.stringify(out)}, r.url + '\\n');
      return r;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    const loaded = Object.keys(require.cache).filter((p) => p.includes('@opentelemetry'));
    appendFileSync(out, loaded.map((p) => `${p}\n`).join(''));
  });
}
