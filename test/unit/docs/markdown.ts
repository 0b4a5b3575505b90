/** The documentation a stranger reads, and the fenced blocks and code spans in it. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../..', import.meta.url).pathname;

/** README.md, docs/**, actions/X/README.md and workflows-templates/*.md, relative to the repo root. */
export function docFiles(): string[] {
  const md = (dir: string, recursive: boolean) =>
    existsSync(join(ROOT, dir))
      ? readdirSync(join(ROOT, dir), { recursive })
          .map(String)
          .filter((f) => f.endsWith('.md'))
          .map((f) => join(dir, f))
      : [];
  const actions = readdirSync(join(ROOT, 'actions'))
    .map((a) => join('actions', a, 'README.md'))
    .filter((f) => existsSync(join(ROOT, f)));
  return ['README.md', ...md('docs', true), ...actions, ...md('workflows-templates', false)].sort();
}

export interface Block {
  file: string;
  /** The info string's first word (yaml, sh, ...), lower case; '' when none. */
  lang: string;
  /** 1-based line of the first content line in the file. */
  line: number;
  /** The content, with the fence's own indentation removed (blocks inside list items). */
  text: string;
}

export function fencedBlocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[j]!)) {
      const l = lines[j]!;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
      j++;
    }
    blocks.push({ file, lang: info.toLowerCase(), line: i + 2, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** Inline code spans outside fenced blocks (a span may wrap over a line break), with their line. */
export function codeSpans(file: string): { text: string; line: number }[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const inFence = new Set<number>();
  for (const b of fencedBlocks(file)) {
    for (let l = b.line - 1; l <= b.line + b.text.split('\n').length; l++) inFence.add(l);
  }
  const prose = lines.map((l, i) => (inFence.has(i + 1) ? '' : l)).join('\n');
  const spans: { text: string; line: number }[] = [];
  for (const m of prose.matchAll(/(?<!`)`([^`]+)`(?!`)/g)) {
    spans.push({
      text: m[1]!.replace(/\s+/g, ' ').trim(),
      line: prose.slice(0, m.index).split('\n').length,
    });
  }
  return spans;
}
