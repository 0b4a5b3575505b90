// Generates workflows-templates/README.md: per template, what a repository must configure before
// the copied workflow runs — secrets, variables, permissions, GitHub environments — read from
// the template itself, so the list cannot drift from it.
//
//   npx tsx test/unit/docs/templates-readme.ts          rewrite the README
//   (test/unit/docs/templates-readme.test.ts fails when it is stale; tables compare without
//   the column padding biome adds)
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = new URL('../../..', import.meta.url).pathname;
const DIR = join(ROOT, 'workflows-templates');
export const README = join(DIR, 'README.md');

export interface TemplateNeeds {
  file: string;
  name: string;
  description: string;
  secrets: string[];
  variables: string[];
  permissions: string[];
  environments: string[];
  uses: string[];
}

const DISPATCHED = '(chosen at dispatch)';
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

function permissionsOf(p: unknown): string[] {
  if (typeof p === 'string') return [p];
  if (!p || typeof p !== 'object') return [];
  return Object.entries(p).map(([k, v]) => `${k}: ${v}`);
}

/** Environments a job may run in: a fixed name, or every value its expression can take. */
function environmentsOf(job: Record<string, unknown>): string[] {
  // A job that calls a reusable workflow passes the environment as its input.
  const env = job.uses ? (job.with as { environment?: unknown } | undefined)?.environment : job.environment;
  const name = typeof env === 'object' && env ? (env as { name?: unknown }).name : env;
  if (typeof name !== 'string') return [];
  if (!name.includes('${{')) return [name];
  // Text around the expression (`${{ inputs.environment || 'production' }}-ops`) is kept.
  const before = name.slice(0, name.indexOf('${{'));
  const after = name.slice(name.lastIndexOf('}}') + 2);
  const around = (x: string) => `${before}${x}${after}`;
  if (/matrix\.environment/.test(name)) {
    const m = (job.strategy as { matrix?: { environment?: unknown } } | undefined)?.matrix?.environment;
    return Array.isArray(m) ? m.map((x) => around(String(x))) : [];
  }
  // `${{ inputs.environment || 'dev' }}`: the one chosen at dispatch, else the default after ||.
  const fallback = /\|\|\s*'([^']+)'/.exec(name)?.[1];
  const input = /inputs\.environment/.test(name)
    ? after || before
      ? `${DISPATCHED} ${around('<name>')}`
      : DISPATCHED
    : '';
  return [fallback && around(fallback), input].filter((x): x is string => !!x);
}

export function templateNeeds(file: string): TemplateNeeds {
  const text = readFileSync(join(DIR, file), 'utf8');
  const doc = parse(text) as {
    name?: string;
    permissions?: unknown;
    jobs?: Record<string, Record<string, unknown>>;
  };
  const props = JSON.parse(readFileSync(join(DIR, file.replace(/\.ya?ml$/, '.properties.json')), 'utf8')) as {
    name: string;
    description: string;
  };
  const jobs = Object.values(doc.jobs ?? {});
  return {
    file,
    name: props.name,
    description: props.description,
    secrets: sorted([...text.matchAll(/\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!)).filter(
      (s) => s !== 'GITHUB_TOKEN',
    ),
    variables: sorted([...text.matchAll(/\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!)),
    permissions: sorted([doc.permissions, ...jobs.map((j) => j.permissions)].flatMap(permissionsOf)),
    environments: sorted(jobs.flatMap(environmentsOf)),
    uses: sorted(
      [...text.matchAll(/uses:\s*(ragship\/ragship\/\S+)/g)].map((m) =>
        m[1]!.replace(/@.*/, '').replace(/^ragship\/ragship\//, ''),
      ),
    ),
  };
}

export function templates(): string[] {
  return readdirSync(DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

export function renderReadme(): string {
  const code = (xs: string[]) =>
    xs.length
      ? xs
          .map((x) =>
            x === DISPATCHED
              ? x
              : x.startsWith(`${DISPATCHED} `)
                ? `${DISPATCHED} \`${x.slice(DISPATCHED.length + 1)}\``
                : `\`${x}\``,
          )
          .join(', ')
      : '—';
  const rows = templates().map((f) => {
    const t = templateNeeds(f);
    return `| [\`${t.file}\`](${t.file}) | ${t.description} | ${code(t.secrets)} | ${code(t.variables)} | ${code(t.permissions)} | ${code(t.environments)} | ${code(t.uses)} |`;
  });
  return `# Workflow templates

Caller workflows to copy into \`.github/workflows/\` of your app repository (GitHub also offers
them under Actions → New workflow when this folder is your organization's \`.github\`
repository). Each calls this repository's actions and reusable workflows at \`@v1\`, or the
\`ragship\` CLI installed from a pinned, checksummed release tarball — never an unpinned package.

What each one needs before it runs — secrets and variables (Settings → Secrets and variables, or
per environment under Settings → Environments), the \`GITHUB_TOKEN\` permissions it asks for, and
the GitHub environments its jobs run in. The values are described in
[getting started](../docs/getting-started.md#4-create-the-github-environments-and-secrets).

<!-- Generated from the templates by test/unit/docs/templates-readme.ts (npx tsx test/unit/docs/templates-readme.ts); do not edit the table by hand. -->

| template | what it does | secrets | variables | permissions | environments | ragship actions and workflows |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  writeFileSync(README, renderReadme());
  execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', README], { stdio: 'inherit' });
  console.log(`wrote ${README}`);
}
