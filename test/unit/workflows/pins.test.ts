import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Third-party actions run with the user's secrets: each is pinned to a full commit SHA with its
// release in a comment, the same pin everywhere, and docs/security.md lists exactly those pins.
const ROOT = new URL('../../../', import.meta.url).pathname;
const USES = /uses:\s*([\w.-]+\/[\w./-]+)@(\S+)(?:\s+#\s*(\S+))?/g;

function yamlFiles(): string[] {
  const dirs = ['.github/workflows', 'workflows-templates'];
  const files = dirs.flatMap((d) =>
    readdirSync(join(ROOT, d))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(d, f)),
  );
  for (const a of readdirSync(join(ROOT, 'actions'))) {
    if (existsSync(join(ROOT, 'actions', a, 'action.yml'))) files.push(join('actions', a, 'action.yml'));
  }
  return files;
}

function thirdPartyPins(): Array<{ file: string; action: string; ref: string; version?: string }> {
  const pins = [];
  for (const file of yamlFiles()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(USES)) {
      const [, action = '', ref = '', version] = m;
      if (action.startsWith('ragship/ragship/')) continue; // our own, by release tag (docs/security.md)
      pins.push({ file, action, ref, version });
    }
  }
  return pins;
}

describe('third-party action pins', () => {
  it('every third-party action is pinned to a 40-hex commit with its release in a comment', () => {
    const pins = thirdPartyPins();
    expect(pins.length).toBeGreaterThan(10);
    const loose = pins.filter(
      (p) => !/^[0-9a-f]{40}$/.test(p.ref) || !/^v\d+\.\d+\.\d+$/.test(p.version ?? ''),
    );
    expect(loose).toEqual([]);
  });

  it('one action, one pin: the same commit and release everywhere', () => {
    const byAction = new Map<string, Set<string>>();
    for (const p of thirdPartyPins()) {
      byAction.set(p.action, (byAction.get(p.action) ?? new Set()).add(`${p.ref} ${p.version}`));
    }
    const split = [...byAction].filter(([, refs]) => refs.size > 1).map(([a, refs]) => `${a}: ${[...refs]}`);
    expect(split).toEqual([]);
  });

  it('docs/security.md lists exactly the pins the workflows and actions use', () => {
    const doc = readFileSync(join(ROOT, 'docs/security.md'), 'utf8');
    const table = new Map(
      [...doc.matchAll(/^\|\s*([\w.-]+\/[\w.-]+)\s*\|\s*(v[\d.]+)\s*\|\s*`([0-9a-f]{40})`\s*\|$/gm)].map(
        (m) => [m[1], `${m[3]} ${m[2]}`],
      ),
    );
    const used = new Map(thirdPartyPins().map((p) => [p.action, `${p.ref} ${p.version}`]));
    expect(Object.fromEntries(table)).toEqual(Object.fromEntries(used));
  });
});
