// Every `uses:` of this repo's actions and reusable workflows, in the docs' yaml blocks and in the
// templates users copy, names one that exists, and passes only inputs (and secrets) it declares.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { docFiles, fencedBlocks, ROOT } from './markdown.js';

interface Source {
  where: string;
  text: string;
}

const sources: Source[] = [
  ...docFiles()
    .flatMap(fencedBlocks)
    .filter((b) => b.lang === 'yaml' || b.lang === 'yml')
    .map((b) => ({ where: `${b.file}:${b.line}`, text: b.text })),
  ...readdirSync(join(ROOT, 'workflows-templates'))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => ({
      where: `workflows-templates/${f}`,
      text: readFileSync(join(ROOT, 'workflows-templates', f), 'utf8'),
    })),
];

interface Use {
  where: string;
  uses: string;
  with: string[];
  secrets: string[] | 'inherit';
}

function usesIn(node: unknown, where: string, out: Use[] = []): Use[] {
  if (Array.isArray(node)) for (const n of node) usesIn(n, where, out);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.uses === 'string') {
      const keys = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v) : []);
      out.push({
        where,
        uses: o.uses,
        with: keys(o.with),
        secrets: o.secrets === 'inherit' ? 'inherit' : keys(o.secrets),
      });
    }
    for (const v of Object.values(o)) usesIn(v, where, out);
  }
  return out;
}

const uses = sources.flatMap((s) =>
  parseAllDocuments(s.text).flatMap((d) => (d.errors.length ? [] : usesIn(d.toJS(), s.where))),
);

function yamlFile(path: string): Record<string, unknown> {
  return parseAllDocuments(readFileSync(join(ROOT, path), 'utf8'))[0]!.toJS() ?? {};
}

/** What `uses` refers to in this repo, or undefined for third-party actions (actions/checkout@v5). */
function target(u: string): { kind: 'action' | 'workflow'; path: string } | undefined {
  const action = /^(?:\.\/|ragship\/ragship\/)actions\/([^@/]+)\/?(?:@.+)?$/.exec(u);
  if (action) return { kind: 'action', path: `actions/${action[1]}/action.yml` };
  const workflow = /^(?:\.\/|ragship\/ragship\/)\.github\/workflows\/([^@/]+\.ya?ml)(?:@.+)?$/.exec(u);
  if (workflow) return { kind: 'workflow', path: `.github/workflows/${workflow[1]}` };
  return undefined;
}

/** Problems with one `uses:` ([] when it is right). */
function check(u: Use): string[] {
  const t = target(u.uses);
  if (!t) {
    return /^(\.\/|ragship\/ragship\/)/.test(u.uses)
      ? [`${u.where}: uses: ${u.uses} is neither actions/<name> nor .github/workflows/<file>.yml`]
      : [];
  }
  if (!existsSync(join(ROOT, t.path))) return [`${u.where}: uses: ${u.uses}: ${t.path} does not exist`];
  const doc = yamlFile(t.path);
  const call = ((doc.on ?? doc.true) as Record<string, Record<string, object>> | undefined)?.workflow_call;
  const inputs = Object.keys((t.kind === 'action' ? doc.inputs : call?.inputs) ?? {});
  const problems = u.with
    .filter((k) => !inputs.includes(k))
    .map(
      (k) => `${u.where}: uses: ${u.uses}: with: ${k} is not an input of ${t.path} (${inputs.join(', ')})`,
    );
  if (t.kind === 'workflow' && u.secrets !== 'inherit') {
    const declared = Object.keys(call?.secrets ?? {});
    for (const k of u.secrets.filter((s) => !declared.includes(s))) {
      problems.push(
        `${u.where}: uses: ${u.uses}: secrets: ${k} is not a secret of ${t.path} (${declared.join(', ')})`,
      );
    }
  }
  return problems;
}

describe("uses: of ragship's actions and reusable workflows in docs and workflows-templates", () => {
  test('there are such uses to check', () => {
    expect(uses.filter((u) => target(u.uses)).length).toBeGreaterThan(5);
  });

  test('each names an existing action or workflow, with declared inputs and secrets only', () => {
    expect(uses.flatMap(check)).toEqual([]);
  });

  test('an undeclared input, a missing action and an undeclared secret are reported', () => {
    const where = 'README.md:1';
    expect(
      check({ where, uses: './actions/deploy', with: ['environment', 'enviroment'], secrets: [] }),
    ).toEqual([expect.stringContaining('with: enviroment is not an input of actions/deploy/action.yml')]);
    expect(check({ where, uses: 'ragship/ragship/actions/nope@v1', with: [], secrets: [] })).toEqual([
      expect.stringContaining('actions/nope/action.yml does not exist'),
    ]);
    expect(
      check({
        where,
        uses: 'ragship/ragship/.github/workflows/deploy.yml@v1',
        with: [],
        secrets: ['ssh-key'],
      }),
    ).toEqual([expect.stringContaining('secrets: ssh-key is not a secret of .github/workflows/deploy.yml')]);
  });
});
