// Every `ragship …` command a reader may copy from the docs is accepted by the CLI's own parser:
// the verb exists, every option is one of its options, required options and arguments are there.
// Command lines in ```sh blocks and in `run:` steps (templates, yaml blocks) are checked fully;
// inline code spans (`ragship releases --env production`) name a verb and some of its options, so
// only unknown verbs and options fail there.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, CommanderError } from 'commander';
import { describe, expect, test } from 'vitest';
import { isScalar, parseAllDocuments, visit } from 'yaml';
import { buildProgram } from '../../../src/cli/program.js';
import { codeSpans, docFiles, fencedBlocks, ROOT } from './markdown.js';

const SHELL = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', 'time', 'exec']);

/**
 * The simple commands of one shell line: words with quotes removed, `$(…)` kept as one word,
 * split at | || && ; &, comments and redirections dropped. Enough for documentation lines.
 */
function shellCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length) commands.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    } else if (c === '"') {
      let v = '';
      for (i++; i < line.length && line[i] !== '"'; i++) v += line[i] === '\\' ? line[++i] : line[i];
      word = (word ?? '') + v;
    } else if (c === '$' && line[i + 1] === '(') {
      let depth = 0;
      let j = i;
      for (; j < line.length; j++) {
        if (line[j] === '(') depth++;
        else if (line[j] === ')' && --depth === 0) break;
      }
      word = (word ?? '') + line.slice(i, j + 1);
      i = j;
    } else if (c === '&' && /[<>]$/.test(word ?? ''))
      word += c; // 2>&1
    else if (c === '\\') word = (word ?? '') + (line[++i] ?? '');
    else if (c === '#' && word === undefined) break;
    else if (/\s/.test(c)) endWord();
    else if (c === '|' || c === '&' || c === ';') {
      endCommand();
      if (line[i + 1] === c) i++;
    } else word = (word ?? '') + c;
  }
  endCommand();
  return commands.map(dropRedirections);
}

function dropRedirections(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (/^\d*(>>?|<)&?\d*$/.test(words[i]!))
      i++; // `> file`, `2>&1`
    else if (!/^\d*(>>?|<)/.test(words[i]!)) out.push(words[i]!);
  }
  return out;
}

/** The words of an inline span: `[--json]` is an optional --json, `<earlier scrape>` one value, … dropped. */
function spanWords(span: string): string[] {
  return (span.replace(/[[\]]/g, ' ').match(/(?:<[^>]*>|"[^"]*"|'[^']*'|[^\s<"'])+/g) ?? [])
    .map((w) => w.replace(/^(["'])(.*)\1$/, '$2'))
    .filter((w) => w !== '…' && w !== '...');
}

/** ragship's own argv when `words` runs ragship (ragship, npx [-y] ragship[@v], npm run ragship --). */
function ragshipArgv(words: string[]): string[] | undefined {
  // Env assignments, `case` patterns (`sleep)`) and keywords before the command word.
  const lead = (x: string) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(x) || /\)$/.test(x) || KEYWORDS.has(x);
  const w = words.slice(words.findIndex((x) => !lead(x)));
  if (w[0] === 'ragship' || w[0]?.endsWith('/ragship') || w[0] === 'bin/ragship.js') return w.slice(1);
  if (w[0] === 'node' && w[1]?.endsWith('bin/ragship.js')) return w.slice(2);
  if (w[0] === 'npx') {
    const at = w.findIndex((x, i) => i > 0 && !x.startsWith('-'));
    if (at > 0 && /^ragship(@.+)?$/.test(w[at]!)) return w.slice(at + 1);
  }
  if (w[0] === 'npm' && (w[1] === 'run' || w[1] === 'run-script')) {
    const rest = w.slice(2).filter((x) => x !== '-s' && x !== '--silent');
    if (rest[0] === 'ragship') return rest.slice(rest[1] === '--' ? 2 : 1);
  }
  return undefined;
}

class Parsed extends Error {}

function everyCommand(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(everyCommand)];
}

/**
 * undefined when the CLI's parser accepts argv (no action runs), else commander's error.
 * `partial`: required options may be missing (commander checks them before unknown options).
 */
function parseError(argv: string[], partial = false): CommanderError | undefined {
  const program = buildProgram(() => {
    throw new Error('the parse check never runs a verb');
  });
  for (const c of everyCommand(program)) {
    c.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
    if (partial) for (const o of c.options) o.makeOptionMandatory(false);
  }
  program.hook('preAction', () => {
    throw new Parsed();
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof Parsed) return undefined;
    if (err instanceof CommanderError) return err.exitCode === 0 ? undefined : err;
    throw err;
  }
  return undefined;
}

/** Logical lines of a shell script: continuation lines joined, each with its 0-based first line. */
function logicalLines(script: string): { text: string; index: number }[] {
  const lines = script.split('\n');
  const out: { text: string; index: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const index = i;
    let text = lines[i]!.replace(/^\s*\$ /, '');
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]}`;
    out.push({ text, index });
  }
  return out;
}

/** Every `run:` script in a workflow document, with its 1-based line in the file. */
function runScripts(text: string): { script: string; line: number }[] {
  const out: { script: string; line: number }[] = [];
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  for (const doc of parseAllDocuments(text)) {
    visit(doc.contents, {
      Pair(_, pair) {
        if (isScalar(pair.key) && pair.key.value === 'run' && isScalar(pair.value)) {
          const start = pair.value.range?.[0] ?? 0;
          // A block scalar (`run: |`) starts on the line after its indicator.
          const block = pair.value.type === 'BLOCK_LITERAL' || pair.value.type === 'BLOCK_FOLDED';
          out.push({ script: String(pair.value.value), line: lineOf(start) + (block ? 1 : 0) });
        }
      },
    });
  }
  return out;
}

interface DocCommand {
  where: string;
  text: string;
  argv: string[];
  /** A span names a verb and some options; it need not be a complete command. */
  partial: boolean;
}

function commandsIn(script: string, file: string, line: number): DocCommand[] {
  return logicalLines(script).flatMap(({ text, index }) =>
    shellCommands(text).flatMap((words) => {
      const argv = ragshipArgv(words);
      return argv ? [{ where: `${file}:${line + index}`, text: text.trim(), argv, partial: false }] : [];
    }),
  );
}

function docCommands(): DocCommand[] {
  const found: DocCommand[] = [];
  for (const f of readdirSync(join(ROOT, 'workflows-templates')).filter((x) => /\.ya?ml$/.test(x))) {
    const file = `workflows-templates/${f}`;
    for (const r of runScripts(readFileSync(join(ROOT, file), 'utf8')))
      found.push(...commandsIn(r.script, file, r.line));
  }
  for (const file of docFiles()) {
    for (const b of fencedBlocks(file)) {
      const scripts = SHELL.has(b.lang)
        ? [{ script: b.text, line: b.line }]
        : b.lang === 'yaml' || b.lang === 'yml'
          ? runScripts(b.text).map((r) => ({ script: r.script, line: b.line + r.line - 1 }))
          : [];
      for (const s of scripts) found.push(...commandsIn(s.script, file, s.line));
    }
    for (const s of codeSpans(file)) {
      const words = spanWords(s.text);
      const argv = words[0] === 'ragship' || words[0] === 'npx' ? ragshipArgv(words) : undefined;
      if (argv?.length) found.push({ where: `${file}:${s.line}`, text: s.text, argv, partial: true });
    }
  }
  return found;
}

function problems(c: DocCommand): string[] {
  const err = parseError(c.argv, c.partial);
  if (!err || (c.partial && err.code === 'commander.missingArgument')) return [];
  return [`${c.where}: \`${c.text}\`: ${err.message.replace(/\n[\s\S]*/, '')}`];
}

describe('ragship command lines in README.md, docs/, actions/*/README.md, workflows-templates/', () => {
  const commands = docCommands();

  test('there are command lines to check: in sh blocks, in templates run: steps and in code spans', () => {
    expect(commands.filter((c) => !c.partial && /\.md:\d+$/.test(c.where)).length).toBeGreaterThan(1);
    expect(commands.filter((c) => c.where.startsWith('workflows-templates/')).length).toBeGreaterThan(1);
    expect(commands.filter((c) => c.partial).length).toBeGreaterThan(5);
  });

  test("each is accepted by the CLI's parser", () => {
    expect(commands.flatMap(problems)).toEqual([]);
  });
});

describe('the checker itself', () => {
  test('shell lines: quotes, $(…), pipes, comments, redirections and env assignments', () => {
    expect(
      shellCommands(`A=1 npx --yes ragship provision --x 'a b' --k "$(cat k.pub)" 2>&1 | tee log # note`),
    ).toEqual([
      ['A=1', 'npx', '--yes', 'ragship', 'provision', '--x', 'a b', '--k', '$(cat k.pub)'],
      ['tee', 'log'],
    ]);
    expect(ragshipArgv(['npm', 'run', 'ragship', '--', 'deploy', '--help'])).toEqual(['deploy', '--help']);
    expect(ragshipArgv(['npx', 'ragship@1.2.0', '--version'])).toEqual(['--version']);
    expect(ragshipArgv(['echo', 'ragship'])).toBeUndefined();
    expect(ragshipArgv(['sleep)', 'ragship', 'sleep', '--env', 'dev'])).toEqual(['sleep', '--env', 'dev']);
    expect(
      runScripts('jobs:\n  a:\n    steps:\n      - run: |\n          echo\n          ragship --version\n'),
    ).toEqual([{ script: 'echo\nragship --version\n', line: 5 }]);
    expect(spanWords('ragship cost-report --metrics <url|file> [--baseline <earlier scrape>] …')).toEqual([
      'ragship',
      'cost-report',
      '--metrics',
      '<url|file>',
      '--baseline',
      '<earlier scrape>',
    ]);
  });

  test('an unknown verb, an unknown option and a missing required option are errors; --help is not', () => {
    expect(parseError(['deploi'])?.code).toBe('commander.unknownCommand');
    expect(parseError(['provision', '--host', 'root@h', '--ssh-key', 'k'])?.code).toBe(
      'commander.unknownOption',
    );
    expect(parseError(['deploy', '--image', 'x@sha256:1'])?.code).toBe(
      'commander.missingMandatoryOptionValue',
    );
    expect(parseError(['backups', '--env', 'production'])?.code).toBe(
      'commander.missingMandatoryOptionValue',
    );
    // --env is the hidden old spelling of --environment: accepted, not shown in --help.
    expect(parseError(['backups', '--env', 'production', '--bucket', 'b'], true)).toBeUndefined();
    expect(parseError(['backups', '--environment', 'production', '--bukcet', 'b'], true)?.code).toBe(
      'commander.unknownOption',
    );
    expect(parseError(['deploy', '--help'])).toBeUndefined();
    expect(parseError(['--version'])).toBeUndefined();
  });
});
