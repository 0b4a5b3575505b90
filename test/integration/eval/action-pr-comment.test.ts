import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertPrComment } from '../../../src/github/pr-comment.js';
import { type Standin, startLlmStandin } from '../../fixtures/llm-standin/server.mjs';
import { LocalActionRunner } from '../../support/action-runner.js';

// Real parts: the bundled action (actions/eval-gate/dist) run as the runner does, the LLM
// stand-in as the target, and a local HTTP server recording GitHub REST API calls.
interface Recorded {
  method: string;
  path: string;
  body: { body?: string } | undefined;
  auth: string | undefined;
}

function githubApi(): Promise<{
  server: Server;
  url: string;
  requests: Recorded[];
  comments: Array<{ id: number; body: string }>;
}> {
  const requests: Recorded[] = [];
  const comments: Array<{ id: number; body: string }> = [{ id: 1, body: 'an unrelated human comment' }];
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const body = raw ? JSON.parse(raw) : undefined;
    const path = (req.url ?? '').split('?')[0]!;
    requests.push({ method: req.method ?? '', path, body, auth: req.headers.authorization });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const shape = (c: { id: number; body: string }) => ({
      ...c,
      html_url: `https://github.test/o/r/pull/7#issuecomment-${c.id}`,
    });
    if (req.method === 'GET' && path === '/repos/o/r/issues/7/comments')
      return send(200, comments.map(shape));
    if (req.method === 'POST' && path === '/repos/o/r/issues/7/comments') {
      const c = { id: 100 + comments.length, body: body.body };
      comments.push(c);
      return send(201, shape(c));
    }
    const m = /^\/repos\/o\/r\/issues\/comments\/(\d+)$/.exec(path);
    if (req.method === 'PATCH' && m) {
      const c = comments.find((x) => x.id === Number(m[1]));
      if (!c) return send(404, { message: 'Not Found' });
      c.body = body.body;
      return send(200, shape(c));
    }
    send(404, { message: `no route ${req.method} ${path}` });
  });
  return new Promise((resolve) =>
    server.listen(18351, '127.0.0.1', () =>
      resolve({ server, url: 'http://127.0.0.1:18351', requests, comments }),
    ),
  );
}

let api: Awaited<ReturnType<typeof githubApi>>;
let standin: Standin;
const dir = mkdtempSync(join(tmpdir(), 'ragship-eval-action-'));

beforeAll(async () => {
  api = await githubApi();
  standin = await startLlmStandin({ port: 18350 });
  writeFileSync(
    join(dir, 'c.jsonl'),
    `${Array.from({ length: 8 }, (_, i) => JSON.stringify({ id: `c${i}`, question: `question ${i}?`, reference: `answer ${i}` })).join('\n')}\n`,
  );
  writeFileSync(
    join(dir, 'suite.yaml'),
    [
      'name: action-demo',
      'cases: c.jsonl',
      'target:',
      '  type: http',
      `  url: ${standin.url}/chat/completions`,
      '  body: { model: standin-1, messages: [{ role: user, content: "{{question}}" }] }',
      '  response: { answer: "choices[0].message.content", sources: none }',
      'metrics:',
      '  token_f1: {}',
    ].join('\n'),
  );
});
afterAll(async () => {
  await standin?.close();
  await new Promise((r) => api?.server.close(r));
});

describe('PR comment upsert (recorded GitHub REST API)', () => {
  it('creates the comment once, then updates it in place and leaves other comments alone', async () => {
    const opts = {
      token: 'ghs_test',
      owner: 'o',
      repo: 'r',
      issueNumber: 7,
      marker: '<!-- ragship-eval-gate:unit -->',
      baseUrl: api.url,
    };
    const first = await upsertPrComment({ ...opts, body: 'run 1' });
    const second = await upsertPrComment({ ...opts, body: 'run 2' });
    expect(first.action).toBe('created');
    expect(second).toMatchObject({ action: 'updated', id: first.id });
    const ours = api.comments.filter((c) => c.body.includes(opts.marker));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toBe('<!-- ragship-eval-gate:unit -->\nrun 2');
    expect(api.comments.find((c) => c.id === 1)!.body).toBe('an unrelated human comment');
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/o/r/issues/7/comments',
      'POST /repos/o/r/issues/7/comments',
      'GET /repos/o/r/issues/7/comments',
      `PATCH /repos/o/r/issues/comments/${first.id}`,
    ]);
    expect(api.requests[0]!.auth).toBe('token ghs_test');
  });
});

describe('eval-gate action bundle run as the runner does', () => {
  const temp = mkdtempSync(join(tmpdir(), 'ragship-eval-runner-temp-'));
  const common = {
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_SERVER_URL: 'https://github.test',
    GITHUB_RUN_ID: '42',
    RUNNER_TEMP: temp,
  };

  it('on a push to main stores the baseline; on a pull_request compares with it and upserts one PR comment', async () => {
    const push = await new LocalActionRunner('eval-gate').main({
      inputs: { suite: join(dir, 'suite.yaml') },
      eventName: 'push',
      event: {
        ref: 'refs/heads/main',
        repository: { default_branch: 'main', name: 'r', owner: { login: 'o' } },
      },
      env: {
        ...common,
        GITHUB_API_URL: 'http://127.0.0.1:18351',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_SHA: '1111111111111111111111111111111111111111',
      },
    });
    expect(push.exitCode, push.stdout).toBe(0);
    expect(push.outputs.passed).toBe('true');
    expect(push.stdout).toMatch(
      /stored as the baseline ragship-eval-baseline-action-demo-1111111111111111111111111111111111111111-/,
    );

    api.requests.length = 0;
    const prEvent = {
      action: 'synchronize',
      number: 7,
      pull_request: {
        number: 7,
        head: { sha: '2222222222222222222222222222222222222222', ref: 'feature' },
        base: { sha: '1111111111111111111111111111111111111111', ref: 'main' },
      },
      repository: { default_branch: 'main', name: 'r', owner: { login: 'o' } },
    };
    const env = {
      ...common,
      GITHUB_API_URL: 'http://127.0.0.1:18351',
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_SHA: '3333333333333333333333333333333333333333',
    };
    const inputs = { suite: join(dir, 'suite.yaml'), 'github-token': 'ghs_test' };
    const pr1 = await new LocalActionRunner('eval-gate').main({
      inputs,
      eventName: 'pull_request',
      event: prEvent,
      env,
    });
    expect(pr1.exitCode, pr1.stdout).toBe(0);
    expect(pr1.outputs).toMatchObject({
      passed: 'true',
      regressions: '0',
      headline: 'passed — within noise',
    });
    expect(readFileSync(pr1.outputs['report-path']!, 'utf8')).toContain(
      '<!-- ragship-eval-gate:action-demo -->',
    );
    expect(readFileSync(pr1.outputs['junit-path']!, 'utf8')).toContain('tests="8" failures="0" errors="0"');
    expect(pr1.summary).toContain('Eval gate `action-demo`: passed — within noise');
    expect(pr1.summary).toContain('baseline: main 1111111');

    const pr2 = await new LocalActionRunner('eval-gate').main({
      inputs,
      eventName: 'pull_request',
      event: prEvent,
      env,
    });
    expect(pr2.exitCode, pr2.stdout).toBe(0);
    expect(pr2.stdout).toMatch(/cache 8\/8; 0 live calls/);
    const calls = api.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls.filter((c) => c.startsWith('POST'))).toEqual(['POST /repos/o/r/issues/7/comments']);
    expect(calls.filter((c) => c.startsWith('PATCH'))).toHaveLength(1);
    expect(
      api.comments.filter((c) => c.body.includes('<!-- ragship-eval-gate:action-demo -->')),
    ).toHaveLength(1);
  });

  it('fails the step with the reason and still sets the outputs when the gate fails', async () => {
    writeFileSync(
      join(dir, 'strict.yaml'),
      readFileSync(join(dir, 'suite.yaml'), 'utf8')
        .replace('name: action-demo', 'name: strict')
        .replace('token_f1: {}', 'token_f1: { suite_min: 0.99 }'),
    );
    const r = await new LocalActionRunner('eval-gate').main({
      inputs: { suite: join(dir, 'strict.yaml'), comment: 'false' },
      eventName: 'workflow_dispatch',
      event: {},
      env: {
        ...common,
        GITHUB_API_URL: 'http://127.0.0.1:18351',
        GITHUB_SHA: '4444444444444444444444444444444444444444',
      },
    });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.passed).toBe('false');
    expect(
      r.annotations.some(
        (a) => a.level === 'error' && /token_f1 .* is below the threshold 0\.990/.test(a.message),
      ),
    ).toBe(true);
  });
});
