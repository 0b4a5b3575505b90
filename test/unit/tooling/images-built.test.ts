import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// A fresh machine has no image but what the repo's scripts build: an image a test runs that
// only a developer's Docker store held made CI green and `npm test` red everywhere else.
const ROOT = new URL('../../../', import.meta.url).pathname;
const SCANNED = ['test', 'bench', 'scripts'];
// Tagged image references of this project's own namespaces (pulled images would need the internet).
const IMAGE_REF = /\bragship-[a-z0-9-]+\/[a-z0-9._-]+:[A-Za-z0-9._-]+/g;
const BUILD_CALL = /docker['"]?,?\s*\[?\s*['"]?build\b|\bdocker build\b|'build',/;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'results' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path));
    else if (/\.(ts|mts|mjs|js|sh|ya?ml)$/.test(name) || name === 'sandbox') out.push(path);
  }
  return out;
}

function listedImages(): Map<string, { dockerfile: string; context: string }> {
  const list = readFileSync(join(ROOT, 'scripts/sandbox-images/images.list'), 'utf8');
  const images = new Map<string, { dockerfile: string; context: string }>();
  for (const line of list.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [image, dockerfile, context] = line.trim().split(/\s+/);
    if (image && dockerfile && context) images.set(image, { dockerfile, context });
  }
  return images;
}

/** The base images scripts/sandbox itself makes (debootstrap import and this machine's node). */
function baseImages(): string[] {
  const script = readFileSync(join(ROOT, 'scripts/sandbox'), 'utf8');
  return [...script.matchAll(/^(?:DEBIAN|NODE)_IMAGE=(\S+)$/gm)].map((m) => m[1] ?? '');
}

function referencedImages(): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  for (const dir of SCANNED) {
    for (const file of files(join(ROOT, dir))) {
      const text = readFileSync(file, 'utf8');
      const found = new Set(text.match(IMAGE_REF) ?? []);
      // A compose file's literal image (not ${VAR:-default}, which tests override).
      if (/\.ya?ml$/.test(file)) {
        for (const m of text.matchAll(/^\s*image:\s*['"]?([^'"\s$]+)['"]?\s*$/gm)) found.add(m[1] ?? '');
      }
      for (const ref of found) {
        // The sandbox registry starts empty: what a test pushes there is a local image of the same name.
        const image = ref.replace(/^(?:localhost|127\.0\.0\.1):[0-9]+\//, '');
        refs.set(image, [...(refs.get(image) ?? []), relative(ROOT, file)]);
      }
    }
  }
  return refs;
}

/** Images some test or script builds itself: its file names the image and runs a build. */
function builtByTests(): Set<string> {
  const built = new Set<string>();
  for (const dir of ['test', 'bench']) {
    for (const file of files(join(ROOT, dir))) {
      // Unit tests run no image; this file names images and `docker build` only to check them.
      if (file.includes('/test/unit/')) continue;
      const text = readFileSync(file, 'utf8');
      if (!BUILD_CALL.test(text)) continue;
      for (const image of text.match(IMAGE_REF) ?? []) built.add(image);
    }
  }
  return built;
}

describe('every image a test runs is built by the repository', () => {
  it('each image referenced in tests, fixtures, benchmarks and scripts is listed, a sandbox base, or built by a test', () => {
    const listed = listedImages();
    const bases = baseImages();
    const built = builtByTests();
    const unbuilt = [...referencedImages()]
      .filter(([image]) => !listed.has(image) && !bases.includes(image) && !built.has(image))
      .map(([image, where]) => `${image} (named in ${where.join(', ')})`);
    expect(unbuilt, 'add these to scripts/sandbox-images/images.list or build them in the test').toEqual([]);
  });

  it('finds the fixture nginx image and knows it is built only because images.list lists it', () => {
    const refs = referencedImages();
    expect(refs.get('ragship-deploy/nginx:test')).toContain('test/fixtures/deploy-app/compose.yaml');
    expect(builtByTests().has('ragship-deploy/nginx:test')).toBe(false);
    expect(listedImages().has('ragship-deploy/nginx:test')).toBe(true);
  });

  it("the example app's compose files, where a test or benchmark runs them, get every image from the test (no default is pulled)", () => {
    // Users pull the defaults (`${CHROMA_IMAGE:-chromadb/chroma:1.0.5}`); a test must set each variable.
    const runners = ['test/integration', 'test/e2e', 'bench'].flatMap((d) => files(join(ROOT, d)));
    const texts = runners.map((f) => readFileSync(f, 'utf8'));
    const unset: string[] = [];
    for (const name of readdirSync(join(ROOT, 'example-app')).filter((f) => /^compose.*\.ya?ml$/.test(f))) {
      if (!texts.some((t) => t.includes(name))) continue; // no test runs it
      const compose = readFileSync(join(ROOT, 'example-app', name), 'utf8');
      for (const m of compose.matchAll(/^\s*image:\s*\$\{([A-Z_]+)[:?-]/gm)) {
        const variable = m[1] ?? '';
        if (!texts.some((t) => new RegExp(`\\b${variable}\\b`).test(t))) unset.push(`${name}: ${variable}`);
      }
    }
    expect(unset, 'set these variables to sandbox-built images in the tests that run the file').toEqual([]);
  });

  it('every images.list entry names a Dockerfile and context that exist', () => {
    for (const [image, { dockerfile, context }] of listedImages()) {
      expect(existsSync(join(ROOT, dockerfile)), `${image}: ${dockerfile}`).toBe(true);
      if (context !== '-') expect(existsSync(join(ROOT, context)), `${image}: ${context}`).toBe(true);
    }
    expect(baseImages()).toEqual(['ragship-sandbox/debian:bookworm', 'ragship-sandbox/node:20']);
  });
});
