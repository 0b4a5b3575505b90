// docs/swarm.md quotes only measured numbers: every number on a line that cites
// `swarm.json` (or bench/results/swarm.json) is a value of that file.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../..', import.meta.url).pathname;

function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (typeof value === 'string') return [...value.matchAll(/\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('docs/swarm.md benchmark numbers', () => {
  it('come from bench/results/swarm.json, and the section cites it', () => {
    const measured = numbersIn(JSON.parse(readFileSync(`${ROOT}bench/results/swarm.json`, 'utf8')));
    const lines = readFileSync(`${ROOT}docs/swarm.md`, 'utf8').split('\n');
    const citing = lines.filter((l) => /`(?:bench\/results\/)?swarm\.json`/.test(l));
    expect(citing.length).toBeGreaterThan(1);
    const problems: string[] = [];
    for (const line of citing) {
      const text = line.replace(/`[^`]*`/g, '');
      for (const [n] of text.matchAll(/(?<![\w.])\d+(?:\.\d+)?(?![\w.])/g)) {
        const decimals = n.split('.')[1]?.length ?? 0;
        if (!measured.some((m) => Number(m.toFixed(decimals)) === Number(n)))
          problems.push(`${n} in: ${line.trim()}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
