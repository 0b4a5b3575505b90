#!/usr/bin/env node
// Generates the inputs/outputs tables of every actions/*/README.md from its action.yml, between
// the markers <!-- inputs --> … <!-- /inputs --> and <!-- outputs --> … <!-- /outputs -->.
// Only the marked sections are rewritten; a README without markers gets them appended, a missing
// README is created with the action's name and description.
//
//   node scripts/gen-action-docs.mjs            rewrite every README
//   node scripts/gen-action-docs.mjs lint test  only these actions
//   node scripts/gen-action-docs.mjs --check    fail (exit 1) when a README is stale or an input
//                                               or output lacks a description; writes nothing
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const check = args.includes('--check');
const only = args.filter((a) => !a.startsWith('--'));
const actionsDir = process.env.RAGSHIP_ACTIONS_DIR ?? join(root, 'actions');

const cell = (text) =>
  String(text ?? '')
    .trim()
    .replace(/\r?\n+/g, ' ')
    .replace(/\|/g, '\\|');

/** A Markdown table with every column padded to its widest cell, as formatters write them. */
export function alignedTable(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => [...r[i]].length)));
  const line = (cells) => `| ${cells.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export function inputsTable(inputs = {}) {
  const rows = Object.entries(inputs).map(([name, spec]) => {
    const def = spec?.default === undefined || spec.default === '' ? '' : `\`${cell(spec.default)}\``;
    return [`\`${name}\``, cell(spec?.description), spec?.required === true ? 'yes' : 'no', def];
  });
  if (rows.length === 0) return '_This action has no inputs._';
  return alignedTable(['name', 'description', 'required', 'default'], rows);
}

export function outputsTable(outputs = {}) {
  const rows = Object.entries(outputs).map(([name, spec]) => [`\`${name}\``, cell(spec?.description)]);
  if (rows.length === 0) return '_This action has no outputs._';
  return alignedTable(['name', 'description'], rows);
}

function replaceSection(text, marker, body) {
  const open = `<!-- ${marker} -->`;
  const close = `<!-- /${marker} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  const block = `${open}\n${body}\n${close}`;
  if (start !== -1 && end > start) return text.slice(0, start) + block + text.slice(end + close.length);
  // No markers yet: take over the table right under an "## Inputs"/"## Outputs" heading, if any,
  // so a hand-written table is replaced rather than duplicated; otherwise append a section.
  const heading = marker === 'inputs' ? '## Inputs' : '## Outputs';
  const lines = text.split('\n');
  const h = lines.findIndex((l) => l.trim() === heading);
  if (h !== -1) {
    let i = h + 1;
    while (i < lines.length && lines[i].trim() === '') i++;
    if (i < lines.length && lines[i].startsWith('|')) {
      let j = i;
      while (j < lines.length && lines[j].startsWith('|')) j++;
      return [...lines.slice(0, i), block, ...lines.slice(j)].join('\n');
    }
  }
  return `${text.trimEnd()}\n\n${heading}\n\n${block}\n`;
}

/** Problems that make an action.yml unfit to document: missing descriptions. */
export function descriptionProblems(name, action) {
  const problems = [];
  if (!action?.description) problems.push(`actions/${name}/action.yml: no top-level description`);
  for (const kind of ['inputs', 'outputs']) {
    for (const [key, spec] of Object.entries(action?.[kind] ?? {})) {
      if (!spec?.description || !String(spec.description).trim()) {
        problems.push(`actions/${name}/action.yml: ${kind.slice(0, -1)} '${key}' has no description`);
      }
    }
  }
  return problems;
}

export function render(name, action, current) {
  let text = current ?? `# ${action.name ?? name}\n\n${String(action.description ?? '').trim()}\n`;
  text = replaceSection(text, 'inputs', inputsTable(action.inputs));
  text = replaceSection(text, 'outputs', outputsTable(action.outputs));
  return text;
}

function main() {
  const names = readdirSync(actionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(actionsDir, d.name, 'action.yml')))
    .map((d) => d.name)
    .filter((n) => only.length === 0 || only.includes(n))
    .sort();
  const problems = [];
  const stale = [];
  for (const name of names) {
    let action;
    try {
      action = parse(readFileSync(join(actionsDir, name, 'action.yml'), 'utf8'));
    } catch (err) {
      problems.push(`actions/${name}/action.yml: not valid YAML: ${err.message.split('\n')[0]}`);
      continue;
    }
    problems.push(...descriptionProblems(name, action));
    const readme = join(actionsDir, name, 'README.md');
    const current = existsSync(readme) ? readFileSync(readme, 'utf8') : undefined;
    const next = render(name, action, current);
    if (next === current) continue;
    if (check) stale.push(`actions/${name}/README.md`);
    else {
      writeFileSync(readme, next);
      console.log(`wrote actions/${name}/README.md`);
    }
  }
  for (const p of problems) console.error(p);
  if (stale.length)
    console.error(
      `stale README tables: ${stale.join(', ')} — run \`node scripts/gen-action-docs.mjs\` and commit`,
    );
  if (problems.length || stale.length) process.exit(1);
  if (check) console.log(`${names.length} action README(s) are fresh`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
