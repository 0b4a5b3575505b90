#!/usr/bin/env node
// The `ragship` command. An installed package runs the compiled lib/ (built by `prepare` from
// tsconfig.build.json; tsx is not needed at runtime). A checkout (src/ next to bin/) runs the
// TypeScript sources through tsx, so an edit shows at once and a stale lib/ is never run.
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';

// Node ≥ 22.1 caches compiled code between runs (a faster cold start); older Node has no such call.
nodeModule.enableCompileCache?.();

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../lib/cli/main.js', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write(
    'ragship: lib/cli/main.js is missing: this package was packed without its build. ' +
      'Reinstall it from a tarball made by `npm pack` (which runs `npm run build:cli`).\n',
  );
  process.exit(1);
}
