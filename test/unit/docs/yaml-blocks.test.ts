// Every ```yaml block a reader may copy parses as YAML; a failure names file:line of the error.
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { docFiles, fencedBlocks } from './markdown.js';

const blocks = docFiles()
  .flatMap(fencedBlocks)
  .filter((b) => b.lang === 'yaml' || b.lang === 'yml');

/** "file:line: message" for the first YAML error in a block (the rest follow from it); [] when it parses. */
function yamlErrors(block: { file: string; line: number; text: string }): string[] {
  const e = parseAllDocuments(block.text, { prettyErrors: true }).flatMap((doc) => doc.errors)[0];
  if (!e) return [];
  const line = block.line + (e.linePos?.[0].line ?? 1) - 1;
  return [`${block.file}:${line}: ${e.message.split('\n')[0]}`];
}

describe('yaml blocks in README.md, docs/, actions/*/README.md and workflows-templates/*.md', () => {
  test('there are blocks to check', () => {
    expect(blocks.length).toBeGreaterThan(5);
  });

  test('every block parses', () => {
    expect(blocks.flatMap(yamlErrors)).toEqual([]);
  });

  test('a block that does not parse is reported with its file and line', () => {
    const bad = { file: 'README.md', line: 40, text: 'jobs:\n  a:\n    with: { image: \u0024{{ x }} }\n' };
    expect(yamlErrors(bad).join('\n')).toMatch(/^README\.md:42: /);
  });
});
