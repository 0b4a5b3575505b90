#!/usr/bin/env node
// The published CLI: the bundle built by `npm run build` (dist/cli), else the TypeScript source via tsx.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli/index.js', import.meta.url);
if (existsSync(bundle)) await import(bundle.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
