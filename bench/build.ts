/**
 * `npm run bench -- build`: layer-cache effectiveness of the example app's multi-stage image,
 * on the built-in BuildKit (what `builder: auto` picks here: no buildx, Debian's 20.10 client)
 * and, as the baseline in the same run, on the legacy builder:
 *   1. cold build (--no-cache) of example-app,
 *   2. rebuild after a one-line change in one source file (the layer cache should keep the
 *      base, `npm ci` and dependency layers; only tsc and the layers after it rebuild),
 *   and the final image size and layer count.
 * Real parts: the sandbox Docker Engine, the sandbox node base image, the example app's own
 * Dockerfile. The app is copied to a temp dir per builder so the source edit never touches the
 * checkout. Nothing is pushed.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuildPush } from '../src/build/build-push.js';
import type { BuildPushInputs } from '../src/build/inputs.js';
import { execLocal } from '../src/core/exec.js';
import { ConsoleLogger } from '../src/core/logger.js';

const APP = new URL('../example-app', import.meta.url).pathname;
// Read directly (not through test/support, which loads ssh2): only the base image name is needed.
const SANDBOX_ENV =
  process.env.RAGSHIP_SANDBOX_ENV ?? new URL('../.sandbox/env.json', import.meta.url).pathname;
const SKIP = new Set(['node_modules', 'dist', '.chroma', '.git']);

export async function run(): Promise<unknown> {
  const sb = JSON.parse(readFileSync(SANDBOX_ENV, 'utf8')) as { images: { node: string } };
  const dir = mkdtempSync(join(tmpdir(), 'ragship-bench-build-'));
  const quiet = new ConsoleLogger({ write: () => {} });
  try {
    const results: Record<string, unknown> = {};
    for (const builder of ['buildkit', 'legacy'] as const) {
      const copy = join(dir, builder);
      cpSync(APP, copy, { recursive: true, filter: (src) => !SKIP.has(src.split('/').pop() ?? '') });
      results[builder] = await measure(copy, builder, sb.images.node, quiet);
    }
    const kit = results.buildkit as Measured;
    const legacy = results.legacy as Measured;
    return {
      what: 'example-app image: cold build vs rebuild after a one-line source change, built-in BuildKit vs legacy builder',
      cpus: cpus().length,
      ...results,
      buildkitColdVsLegacyCold: Math.round((kit.coldBuildSeconds / legacy.coldBuildSeconds) * 1000) / 1000,
      buildkitRebuildVsLegacyRebuild: Math.round((kit.rebuildSeconds / legacy.rebuildSeconds) * 1000) / 1000,
      measuredAt: new Date().toISOString(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Measured {
  coldBuildSeconds: number;
  rebuildSeconds: number;
}

async function measure(
  dir: string,
  builder: 'buildkit' | 'legacy',
  nodeImage: string,
  quiet: ConsoleLogger,
): Promise<Measured & Record<string, unknown>> {
  const inputs = (noCache: boolean): BuildPushInputs => ({
    context: dir,
    buildArgs: { NODE_IMAGE: nodeImage },
    secrets: {},
    secretFiles: {},
    platforms: [],
    registry: '',
    image: 'ragship-build-bench',
    push: false,
    cache: 'none',
    provenance: false,
    sbom: false,
    noCache,
    tags: [],
    labels: {},
    builder,
    git: { eventName: 'push', ref: 'refs/heads/bench', sha: '0000000000000000000000000000000000000001' },
    tempDir: tmpdir(),
  });
  // Truly cold: --no-cache skips layers but not BuildKit's cache mounts (npm's download cache).
  if (builder === 'buildkit') await execLocal(['docker', 'builder', 'prune', '--all', '--force']);
  const cold = await runBuildPush(inputs(true), { exec: execLocal, logger: quiet });
  // One-line change in one source file, as a developer's commit would be.
  const srcFile = readdirSync(join(dir, 'src')).find((f) => f.endsWith('.ts')) ?? '';
  const path = join(dir, 'src', srcFile);
  writeFileSync(path, `${readFileSync(path, 'utf8')}\n// bench: one-line change ${Date.now()}\n`);
  const rebuild = await runBuildPush(inputs(false), { exec: execLocal, logger: quiet });
  return {
    builder: cold.builder,
    changedFile: `example-app/src/${srcFile}`,
    coldBuildSeconds: Math.round(cold.buildMs) / 1000,
    rebuildSeconds: Math.round(rebuild.buildMs) / 1000,
    rebuildToColdRatio: Math.round((rebuild.buildMs / cold.buildMs) * 1000) / 1000,
    rebuildCache: rebuild.cache,
    imageSizeBytes: rebuild.sizeBytes,
    imageSizeMiB:
      rebuild.sizeBytes === undefined ? null : Math.round((rebuild.sizeBytes / 2 ** 20) * 10) / 10,
    layers: rebuild.layers,
  };
}
