import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// A root dependency nobody imports still ships to every user who installs the CLI (issue 19 found
// three). Runtime dependencies must be imported from src/; dev dependencies from anywhere in the
// repo's own code, or be a tool a script or config names.
const root = join(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|mts|mjs|js)$/.test(name)) out.push(path);
  }
  return out;
}

function importedPackages(files: string[]): Set<string> {
  const found = new Set<string>();
  const specifier = /(?:from\s+|import\(\s*|require\(\s*|\.resolve\(\s*)['"]([^'"./][^'"]*)['"]/g;
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(specifier)) {
      const spec = match[1] as string;
      const parts = spec.split('/');
      found.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string));
    }
  }
  return found;
}

describe('root dependencies', () => {
  it('every runtime dependency is imported by src/', () => {
    const used = importedPackages(sources(join(root, 'src')));
    const unused = Object.keys(pkg.dependencies).filter((name) => !used.has(name));
    expect(unused).toEqual([]);
  });

  it('every dev dependency is imported by the repo or run by a script', () => {
    const files = ['src', 'test', 'bench', 'scripts'].flatMap((dir) => sources(join(root, dir)));
    files.push(join(root, 'vitest.config.ts'));
    const used = importedPackages(files);
    // Tools run by their binary (from package.json scripts or scripts/) count as used, and so do
    // type packages of a used module (`node:` imports use @types/node).
    const runners =
      Object.values(pkg.scripts).join('\n') + files.map((f) => readFileSync(f, 'utf8')).join('\n');
    const bins: Record<string, string> = {
      typescript: 'tsc',
      '@biomejs/biome': 'biome',
      tsx: 'tsx',
      vitest: 'vitest',
      '@vercel/ncc': 'ncc',
    };
    if ([...used].some((name) => name.startsWith('node:'))) used.add('node');
    const unused = Object.keys(pkg.devDependencies).filter((name) => {
      if (used.has(name)) return false;
      if (name.startsWith('@types/')) return !used.has(name.slice('@types/'.length));
      const bin = bins[name];
      return !(bin && new RegExp(`(\\.bin/|\\b|npx )${bin}\\b`).test(runners));
    });
    expect(unused).toEqual([]);
  });
});
