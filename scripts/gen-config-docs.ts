// Generates docs/configuration.md from the zod schemas of ragship.yml (src/config/schema.ts)
// and of eval suites (src/eval/suite.ts): every key with its type, default and the JSDoc comment
// written above it in the schema source. `--check` fails when the committed file is stale.
//
//   npx tsx scripts/gen-config-docs.ts [--check]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';

const root = new URL('..', import.meta.url).pathname;
const OUT = join(root, 'docs/configuration.md');

// biome-ignore lint/suspicious/noExplicitAny: zod's internal definitions are walked structurally
type Def = any;
const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/**
 * JSDoc comments keyed by `<const>:<path>` and, as a fallback, by a key name whose comment is
 * the same wherever it appears. Paths come from indentation, which the formatter keeps exact.
 */
export function extractComments(source: string): { byPath: Map<string, string>; byKey: Map<string, string> } {
  const byPath = new Map<string, string>();
  const keyComments = new Map<string, Set<string>>();
  const lines = source.split('\n');
  let constName = '';
  let stack: Array<{ indent: number; key: string }> = [];
  let pending: string[] = [];
  let inComment = false;
  for (const line of lines) {
    const top = /^(?:export )?const (\w+)\s*=/.exec(line);
    if (top) {
      constName = top[1]!;
      stack = [];
      pending = [];
      continue;
    }
    const trimmed = line.trim();
    if (trimmed.startsWith('/**')) {
      inComment = !trimmed.endsWith('*/');
      pending = [trimmed.replace(/^\/\*\*\s?/, '').replace(/\s*\*\/$/, '')];
      continue;
    }
    if (inComment) {
      inComment = !trimmed.endsWith('*/');
      pending.push(trimmed.replace(/^\*\s?/, '').replace(/\s*\*\/$/, ''));
      continue;
    }
    const prop = /^(\s*)([A-Za-z_][\w]*)\??:\s/.exec(line);
    if (prop && constName) {
      const indent = prop[1]!.length;
      const key = prop[2]!;
      while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
      const path = [...stack.map((s) => s.key), key].join('.');
      const comment = pending.join(' ').trim();
      if (comment) {
        byPath.set(`${constName}:${path}`, comment);
        keyComments.set(key, new Set([...(keyComments.get(key) ?? []), comment]));
      }
      stack.push({ indent, key });
    }
    if (trimmed && !trimmed.startsWith('//')) pending = [];
  }
  // A key name stands for its comment only when it is a property once in the whole file.
  const occurrences = new Map<string, number>();
  for (const m of source.matchAll(/^\s*([A-Za-z_]\w*)\??:\s/gm))
    occurrences.set(m[1]!, (occurrences.get(m[1]!) ?? 0) + 1);
  const byKey = new Map<string, string>();
  for (const [k, set] of keyComments)
    if (set.size === 1 && occurrences.get(k) === 1) byKey.set(k, [...set][0]!);
  return { byPath, byKey };
}

export interface Row {
  path: string;
  type: string;
  required: boolean;
  default?: string;
  description: string;
}

interface Walk {
  named: Map<unknown, string>;
  comments: ReturnType<typeof extractComments>;
  rows: Row[];
}

function typeName(s: z.ZodType, w: Walk): string {
  if (w.named.get(s) === 'duration') return 'duration (`30s`, `15m`, `1h` or seconds)';
  const d = def(s);
  switch (d.type) {
    case 'string':
      return 'string';
    case 'number': {
      const int = (d.checks ?? []).some(
        (c: Def) => def(c).format === 'safeint' || def(c).check === 'number_format',
      );
      return int ? 'integer' : 'number';
    }
    case 'boolean':
      return 'boolean';
    case 'enum':
      return Object.values(d.entries)
        .map((e) => `\`${e}\``)
        .join(' \\| ');
    case 'literal':
      return d.values.map((x: unknown) => `\`${JSON.stringify(x)}\``).join(' \\| ');
    case 'array':
      return `list of ${typeName(d.element, w)}`;
    case 'record':
      return `map of ${typeName(d.valueType, w)}`;
    case 'object':
      return 'object';
    case 'optional':
    case 'default':
    case 'nullable':
      return typeName(d.innerType, w);
    case 'pipe':
      return typeName(d.in, w);
    case 'union':
      return d.options.map((o: z.ZodType) => typeName(o, w)).join(' or ');
    case 'unknown':
    case 'any':
      return 'any';
    default:
      return d.type;
  }
}

function unwrap(s: z.ZodType): { inner: z.ZodType; required: boolean; default?: unknown } {
  let cur = s;
  let required = true;
  let dflt: unknown;
  for (;;) {
    const d = def(cur);
    if (d.type === 'optional') {
      required = false;
      cur = d.innerType;
    } else if (d.type === 'default') {
      required = false;
      dflt = typeof d.defaultValue === 'function' ? d.defaultValue() : d.defaultValue;
      cur = d.innerType;
    } else return { inner: cur, required, default: dflt };
  }
}

/** The validation messages of a value ("must be a registry host[:port]"), for the reader. */
function rules(s: z.ZodType): string[] {
  const d = def(s);
  if (d.type === 'array') return rules(unwrap(d.element).inner);
  const out: string[] = [];
  for (const c of d.checks ?? []) {
    const cd = def(c);
    const msg = typeof cd.error === 'function' ? cd.error({}) : undefined;
    if (typeof msg === 'string' && /^must /.test(msg)) out.push(msg);
  }
  return out;
}

function describe(w: Walk, ctx: { name: string; path: string[] }, key: string, value: z.ZodType): string {
  const text =
    w.comments.byPath.get(`${ctx.name}:${[...ctx.path, key].join('.')}`) ?? w.comments.byKey.get(key) ?? '';
  const must = rules(value).map((m) => `${m[0]!.toUpperCase()}${m.slice(1)}.`);
  return [text, ...must].filter(Boolean).join(' ');
}

function walk(s: z.ZodType, w: Walk, display: string, ctx: { name: string; path: string[] }): void {
  const own = w.named.get(s);
  const here = own && own !== 'duration' ? { name: own, path: [] } : ctx;
  const d = def(s);
  if (d.type === 'object') {
    for (const [key, child] of Object.entries(d.shape as Record<string, z.ZodType>)) {
      const { inner, required, default: dflt } = unwrap(child);
      const path = display ? `${display}.${key}` : key;
      const innerDef = def(inner);
      const fmtDefault =
        dflt === undefined || (typeof dflt === 'object' && innerDef.type === 'object')
          ? undefined
          : `\`${JSON.stringify(dflt)}\``;
      w.rows.push({
        path,
        type: typeTitle(inner, w),
        required,
        default: fmtDefault,
        description: describe(w, here, key, inner),
      });
      walk(inner, w, path, { name: here.name, path: [...here.path, key] });
    }
  } else if (d.type === 'record') walk(unwrap(d.valueType).inner, w, `${display}.<name>`, ctx);
  else if (d.type === 'array') walk(unwrap(d.element).inner, w, `${display}[]`, ctx);
  else if (d.type === 'union' && !w.named.has(s)) {
    // Discriminated unions (eval targets): document every variant's keys under the same path.
    for (const o of d.options as z.ZodType[]) if (def(o).type === 'object') walk(o, w, display, ctx);
  }
}

function typeTitle(s: z.ZodType, w: Walk): string {
  return typeName(s, w);
}

export function rowsFor(
  schema: z.ZodType,
  module: Record<string, unknown>,
  source: string,
  rootName: string,
): Row[] {
  const named = new Map<unknown, string>();
  for (const [k, v] of Object.entries(module)) if (v && typeof v === 'object' && '_zod' in v) named.set(v, k);
  const w: Walk = { named, comments: extractComments(source), rows: [] };
  walk(schema, w, '', { name: rootName, path: [] });
  // Variants of a union may repeat a key (e.g. target.identity): keep the first.
  const seen = new Set<string>();
  return w.rows.filter((r) => {
    if (seen.has(r.path)) return false;
    seen.add(r.path);
    return true;
  });
}

/** Columns padded to the widest cell, the way `biome format` writes Markdown tables. */
function alignedTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => [...r[i]!].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export function table(rows: Row[]): string {
  const esc = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return alignedTable(
    ['key', 'type', 'required', 'default', 'description'],
    rows.map((r) => [
      `\`${r.path}\``,
      r.type.replace(/(?<!\\)\|/g, '\\|'),
      r.required ? 'yes' : 'no',
      r.default ?? '',
      esc(r.description),
    ]),
  );
}

export async function render(): Promise<string> {
  const configModule = await import('../src/config/schema.js');
  const parts = [
    '# Configuration reference',
    '',
    '<!-- Generated by `npx tsx scripts/gen-config-docs.ts` from src/config/schema.ts and src/eval/suite.ts. Do not edit; CI fails when stale. -->',
    '',
    '## `ragship.yml`',
    '',
    'One file in the app repository describes the app, its environments, roles, hosts, health checks',
    'and migrations. It is validated before anything connects: errors name the key and the fix.',
    'Every string that can reach a host (names, services, env var names, paths) is checked against',
    'an anchored grammar. Keys written as `<name>` are yours (environment and role names).',
    '',
    table(
      rowsFor(
        configModule.configSchema,
        configModule,
        readFileSync(join(root, 'src/config/schema.ts'), 'utf8'),
        'configSchema',
      ),
    ),
    '',
  ];
  if (existsSync(join(root, 'src/eval/suite.ts'))) {
    const suiteModule = await import('../src/eval/suite.js');
    parts.push(
      '## Eval suite file (`eval/*.suite.yaml`)',
      '',
      'Read by `actions/eval-gate` and `ragship eval`. Errors name the file, the line and the key.',
      'Metric names under `metrics` are `hit@k`, `recall@k`, `precision@k`, `mrr`, `ndcg@k`,',
      '`exact_match`, `normalized_match`, `contains`, `regex`, `token_f1`, `rouge_l`, `faithfulness`',
      'and `answer_relevance` (the last two need a `judge` section). `target` is either',
      '`type: http` (url, method, headers, body, response mapping) or `type: module` (path, export).',
      '',
      table(
        rowsFor(
          suiteModule.suiteSchema,
          suiteModule,
          readFileSync(join(root, 'src/eval/suite.ts'), 'utf8'),
          'suiteSchema',
        ),
      ),
      '',
    );
  }
  return parts.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await render();
  if (process.argv.includes('--check')) {
    const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
    if (current !== text) {
      console.error('docs/configuration.md is stale — run `npx tsx scripts/gen-config-docs.ts` and commit');
      process.exit(1);
    }
    console.log('docs/configuration.md is fresh');
  } else {
    writeFileSync(OUT, text);
    console.log('wrote docs/configuration.md');
  }
}
