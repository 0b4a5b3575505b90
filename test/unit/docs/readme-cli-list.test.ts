import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';
import { ROOT } from './markdown.js';

test("README's CLI list names every top-level verb of the ragship CLI", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('Every action is also a verb of the `ragship`');
  expect(at).toBeGreaterThan(0);
  const list = readme.slice(at, readme.indexOf('`ragship --help`', at));
  const named = new Set([...list.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]));
  const verbs = buildProgram(() => {
    throw new Error('never runs a verb');
  }).commands.map((c) => c.name());
  expect(verbs.length).toBeGreaterThan(10);
  expect(verbs.filter((v) => !named.has(v))).toEqual([]);
});
