import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideRun, globToRegExp, parsePaths, pathMatcher } from '../../../src/eval/paths-filter.js';
import { listPullRequestFiles } from '../../../src/github/eval-paths.js';
import { LocalActionRunner, printedByRunner } from '../../support/action-runner.js';

// Real parts: a local HTTP server speaking GitHub's REST wire format (pulls/{n}/files paged by
// 100, issue comments), the eval-gate action run from source the way the runner runs it
// (INPUT_*, GITHUB_EVENT_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), a module target.

const base = {
  paths: ['prompts/**', 'src/retrieval/**', 'corpus/'],
  alwaysRelevant: ['eval/app.suite.yaml', 'eval/app.cases.jsonl'],
  pullRequest: true,
  labels: [] as string[],
  forceLabel: 'eval:run',
};

describe('which changes need the eval', () => {
  it('globs: ** spans folders, * stays in one, a trailing / is the folder, ! excludes (last wins)', () => {
    expect(globToRegExp('prompts/**').test('prompts/a/b/system.txt')).toBe(true);
    expect(globToRegExp('src/*.ts').test('src/a/b.ts')).toBe(false);
    expect(globToRegExp('src/*.ts').test('src/b.ts')).toBe(true);
    expect(globToRegExp('**/*.prompt').test('x.prompt')).toBe(true);
    expect(globToRegExp('**/*.prompt').test('a/b/x.prompt')).toBe(true);
    expect(globToRegExp('corpus/').test('corpus/doc.md')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    const m = pathMatcher(['docs/**', '!docs/**/*.md']);
    expect(m('docs/x.json')).toBe(true);
    expect(m('docs/guide/x.md')).toBe(false);
    expect(parsePaths('prompts/**\n# a comment\n  src/retrieval/** , corpus/\n')).toEqual([
      'prompts/**',
      'src/retrieval/**',
      'corpus/',
    ]);
  });

  it('runs when a relevant file, the suite or its cases changed; skips and says why otherwise', () => {
    expect(decideRun({ ...base, changedFiles: ['README.md', 'src/retrieval/rank.ts'] })).toMatchObject({
      run: true,
      matched: ['src/retrieval/rank.ts'],
    });
    expect(decideRun({ ...base, changedFiles: ['eval/app.cases.jsonl'] }).run).toBe(true);
    const skip = decideRun({ ...base, changedFiles: ['README.md', 'docs/x.md'] });
    expect(skip.run).toBe(false);
    expect(skip.reason).toContain('none of the 2 changed files matches');
    expect(skip.reason).toContain('`prompts/**`');
  });

  it('a label forces a run; pushes, no filter and an unreadable file list always run', () => {
    const docsOnly = { ...base, changedFiles: ['README.md'] };
    expect(decideRun({ ...docsOnly, labels: ['eval:run'] })).toMatchObject({ run: true });
    expect(decideRun({ ...docsOnly, labels: ['eval:run'] }).reason).toContain('`eval:run` forces');
    expect(decideRun({ ...docsOnly, pullRequest: false }).run).toBe(true);
    expect(decideRun({ ...docsOnly, paths: [] }).run).toBe(true);
    const err = decideRun({ ...base, changedFiles: new Error('HTTP 403') });
    expect(err.run).toBe(true);
    expect(err.reason).toContain('HTTP 403');
  });
});

// --- against the REST wire format --------------------------------------------------------
let server: Server;
let apiUrl = '';
let changed: Array<{ filename: string; previous_filename?: string }> = [];
const comments: Array<{ id: number; body: string }> = [];
const TOKEN = 'ghs_pathstoken456';

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}` && req.headers.authorization !== `token ${TOKEN}`)
      return json(401, { message: 'Bad credentials' });
    if (req.method === 'GET' && url.pathname === '/repos/o/r/pulls/7/files') {
      const per = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      return json(
        200,
        changed.slice((page - 1) * per, page * per).map((f, i) => ({
          sha: `${i}`.padStart(40, '0'),
          status: f.previous_filename ? 'renamed' : 'modified',
          additions: 1,
          deletions: 1,
          changes: 2,
          blob_url: '',
          raw_url: '',
          contents_url: '',
          patch: '@@ -1 +1 @@',
          ...f,
        })),
      );
    }
    if (req.method === 'GET' && url.pathname === '/repos/o/r/issues/7/comments')
      return json(
        200,
        comments.map((c) => ({ ...c, html_url: `https://github.test/o/r/pull/7#issuecomment-${c.id}` })),
      );
    if (req.method === 'POST' && url.pathname === '/repos/o/r/issues/7/comments') {
      const c = { id: 100 + comments.length, body: JSON.parse(raw).body as string };
      comments.push(c);
      return json(201, { ...c, html_url: `https://github.test/o/r/pull/7#issuecomment-${c.id}` });
    }
    const m = /^\/repos\/o\/r\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (req.method === 'PATCH' && m) {
      const c = comments.find((x) => x.id === Number(m[1]))!;
      c.body = JSON.parse(raw).body;
      return json(200, { ...c, html_url: '' });
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

describe('the PR’s changed files', () => {
  it('reads every page and both names of a rename', async () => {
    changed = Array.from({ length: 150 }, (_, i) => ({ filename: `docs/f${i}.md` }));
    changed.push({ filename: 'prompts/new.txt', previous_filename: 'prompts/old.txt' });
    const files = await listPullRequestFiles({ token: TOKEN, apiUrl, owner: 'o', repo: 'r', number: 7 });
    expect(files).toHaveLength(152);
    expect(files).toContain('prompts/old.txt');
    expect(files).toContain('docs/f149.md');
    await expect(
      listPullRequestFiles({ token: 'wrong', apiUrl, owner: 'o', repo: 'r', number: 7 }),
    ).rejects.toThrow(/HTTP 401/);
    // GitHub lists at most 3000: a list that long may miss the relevant file
    changed = Array.from({ length: 3000 }, (_, i) => ({ filename: `docs/f${i}.md` }));
    await expect(
      listPullRequestFiles({ token: TOKEN, apiUrl, owner: 'o', repo: 'r', number: 7 }),
    ).rejects.toThrow(/3000 files/);
  });
});

describe('eval-gate action with paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragship-eval-paths-'));
  writeFileSync(
    join(dir, 'cases.jsonl'),
    `${['a', 'b', 'c'].map((id) => JSON.stringify({ id, question: `q ${id}?`, must_contain: ['ok'] })).join('\n')}\n`,
  );
  writeFileSync(join(dir, 'target.mjs'), "export default async () => ({ answer: 'ok', sources: [] });\n");
  writeFileSync(
    join(dir, 'suite.yaml'),
    'name: paths-demo\ncases: cases.jsonl\ntarget: { type: module, path: target.mjs }\nmetrics:\n  contains: { case_min: 1 }\n',
  );
  const run = (labels: string[]) =>
    new LocalActionRunner('eval-gate', { source: 'src/actions/eval-gate.ts' }).main({
      eventName: 'pull_request',
      event: {
        pull_request: {
          number: 7,
          head: { sha: 'h'.repeat(40) },
          base: { sha: 'b'.repeat(40) },
          labels: labels.map((name) => ({ name })),
        },
        repository: { default_branch: 'main' },
      },
      inputs: {
        suite: join(dir, 'suite.yaml'),
        paths: 'prompts/**\nsrc/retrieval/**',
        'run-label': 'eval:run',
        'github-token': TOKEN,
        cache: 'false',
        'out-dir': join(dir, `out-${labels.length}`),
      },
      env: { GITHUB_API_URL: apiUrl, GITHUB_REPOSITORY: 'o/r', GITHUB_SHA: 'h'.repeat(40) },
      timeoutMs: 120_000,
    });

  it('skips when only docs changed: passes, the summary and the PR comment say why and how to force a run', async () => {
    changed = [{ filename: 'README.md' }, { filename: 'docs/guide.md' }];
    const r = await run([]);
    expect(r.stderr + printedByRunner(r.stdout) + r.summary).not.toContain(TOKEN);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ run: 'false', skipped: 'true', passed: 'true' });
    expect(r.outputs['results-path']).toBeUndefined();
    expect(r.summary).toContain('paths-demo: skipped');
    expect(r.summary).toContain('none of the 2 changed files matches');
    expect(r.summary).toContain('`eval:run`');
    expect(comments.at(-1)?.body).toContain('skipped');
  }, 180_000);

  it('the label forces the run (the suite is evaluated)', async () => {
    changed = [{ filename: 'README.md' }];
    const r = await run(['eval:run']);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ run: 'true', skipped: 'false', passed: 'true' });
    expect(r.outputs['results-path']).toContain('results-head.jsonl');
    expect(r.stdout).toContain('`eval:run` forces a run');
    // the HTML report: an artifact name for the upload step, linked from the comment/summary
    expect(r.outputs['report-artifact']).toBe('ragship-eval-report-paths-demo');
    expect(r.outputs['html-path']).toMatch(/report\.html$/);
    expect(r.summary).toContain('artifact `ragship-eval-report-paths-demo`');
    expect(comments.at(-1)?.body).toContain('ragship-eval-report-paths-demo');
    expect(r.outputs['baseline-artifact']).toBe('');
  }, 180_000);

  it('a change to the suite’s cases file runs it', async () => {
    changed = [{ filename: relative(process.cwd(), join(dir, 'cases.jsonl')) }];
    const r = await run([]);
    expect(r.outputs).toMatchObject({ run: 'true', passed: 'true' });
  }, 180_000);
});
