import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { baselineKey, FolderBaselineStore } from '../../../src/eval/baseline.js';
import { FolderCache } from '../../../src/eval/cache.js';
import { runEvalGate } from '../../../src/eval/gate.js';
import { readZip } from '../../../src/eval/zip.js';
import { ArtifactBaselineStore } from '../../../src/github/eval-artifacts.js';
import { LocalActionRunner } from '../../support/action-runner.js';
import { writeStreamingZip } from '../../support/zip-writer.js';

// Real parts: a local HTTP server speaking GitHub's REST wire format for artifacts (list by name,
// /zip answering 302 to a second server standing for blob storage, which records whether the
// token was forwarded), ZIPs written the way actions/upload-artifact streams them, runEvalGate
// with a module target.

interface Artifact {
  id: number;
  name: string;
  expired: boolean;
  created_at: string;
  branch: string;
  headRepo: number;
  zip: Buffer;
}
const artifacts: Artifact[] = [];
const requests: Array<{ server: 'api' | 'blob'; path: string; headers: IncomingHttpHeaders }> = [];
let api: Server;
let blob: Server;
let apiUrl = '';
let blobUrl = '';
let forbid = false;
const TOKEN = 'ghs_artifacttoken123';

function listen(s: Server): Promise<string> {
  return new Promise((r) =>
    s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
  );
}

beforeAll(async () => {
  api = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ server: 'api', path: url.pathname, headers: req.headers });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { message: 'Bad credentials' });
    if (forbid)
      return json(403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/actions/artifacts',
      });
    if (url.pathname === '/repos/o/r/actions/artifacts') {
      const name = url.searchParams.get('name');
      const hits = artifacts.filter((a) => !name || a.name === name);
      return json(200, {
        total_count: hits.length,
        artifacts: hits.map((a) => ({
          id: a.id,
          node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
          name: a.name,
          size_in_bytes: a.zip.length,
          url: `${apiUrl}/repos/o/r/actions/artifacts/${a.id}`,
          archive_download_url: `${apiUrl}/repos/o/r/actions/artifacts/${a.id}/zip`,
          expired: a.expired,
          created_at: a.created_at,
          updated_at: a.created_at,
          expires_at: '2027-03-01T00:00:00Z',
          digest: 'sha256:0',
          workflow_run: {
            id: 9000 + a.id,
            repository_id: 1,
            head_repository_id: a.headRepo,
            head_branch: a.branch,
            head_sha: 'f'.repeat(40),
          },
        })),
      });
    }
    const m = /^\/repos\/o\/r\/actions\/artifacts\/(\d+)\/zip$/.exec(url.pathname);
    if (m && artifacts.some((a) => a.id === Number(m[1]))) {
      res.writeHead(302, { location: `${blobUrl}/blob/${m[1]}.zip?sig=abc` });
      return res.end();
    }
    json(404, { message: 'Not Found' });
  });
  blob = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ server: 'blob', path: url.pathname, headers: req.headers });
    const a = artifacts.find((x) => url.pathname === `/blob/${x.id}.zip`);
    if (!a) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': a.zip.length });
    res.end(a.zip);
  });
  apiUrl = await listen(api);
  blobUrl = await listen(blob);
});
afterAll(async () => {
  await Promise.all([api, blob].map((s) => new Promise((r) => s?.close(r))));
});

const dir = mkdtempSync(join(tmpdir(), 'ragship-eval-artifact-'));
const store = (
  logger: MemoryLogger,
  extra: Partial<ConstructorParameters<typeof ArtifactBaselineStore>[0]> = {},
) =>
  new ArtifactBaselineStore({
    token: TOKEN,
    owner: 'o',
    repo: 'r',
    apiUrl,
    defaultBranch: 'main',
    dir: mkdtempSync(join(dir, 'dl-')),
    logger,
    ...extra,
  });

describe('ZIP reader', () => {
  it('reads streamed (data descriptor) deflated entries, as upload-artifact writes them', () => {
    const big = 'x'.repeat(100_000);
    const files = readZip(writeStreamingZip({ 'results-head.jsonl': '{"a":1}\n', 'dir/b.txt': big }));
    expect(files.get('results-head.jsonl')?.toString()).toBe('{"a":1}\n');
    expect(files.get('dir/b.txt')?.toString()).toBe(big);
    expect(() => readZip(Buffer.from('not a zip at all, just some text here'))).toThrow(/not a ZIP/);
  });
});

describe('main’s baseline as a workflow artifact, found through the REST API', () => {
  it('downloads the newest artifact of a run on main; ignores expired ones, other branches and forks; never sends the token to blob storage', async () => {
    artifacts.length = 0;
    requests.length = 0;
    const key = 'ragship-eval-baseline-app-aaaa-0123456789abcdef';
    const mk = (id: number, content: string, over: Partial<Artifact> = {}): Artifact => ({
      id,
      name: key,
      expired: false,
      created_at: `2026-12-0${id}T10:00:00Z`,
      branch: 'main',
      headRepo: 1,
      zip: writeStreamingZip({ 'results-head.jsonl': content }),
      ...over,
    });
    artifacts.push(
      mk(1, 'old main\n'),
      mk(2, 'right one\n'),
      mk(3, 'expired\n', { expired: true }),
      mk(4, 'a PR branch\n', { branch: 'feature' }),
      mk(5, 'a fork named its branch main\n', { headRepo: 77 }),
    );
    const logger = new MemoryLogger();
    const path = await store(logger).load(key);
    expect(path).toBeDefined();
    expect(readFileSync(path!, 'utf8')).toBe('right one\n');
    const list = requests.find((r) => r.server === 'api' && r.path === '/repos/o/r/actions/artifacts');
    expect(list?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(requests.some((r) => r.server === 'api' && r.path === '/repos/o/r/actions/artifacts/2/zip')).toBe(
      true,
    );
    const download = requests.filter((r) => r.server === 'blob');
    expect(download.map((r) => r.path)).toEqual(['/blob/2.zip']);
    expect(download[0]!.headers.authorization).toBeUndefined();
    expect(logger.text()).toContain('artifact 2 of run 9002 on main');
  });

  it('the Actions cache is the fast path: a hit makes no API request', async () => {
    requests.length = 0;
    const fast = new FolderBaselineStore(mkdtempSync(join(dir, 'fast-')));
    const file = join(dir, 'fast.jsonl');
    writeFileSync(file, 'from the cache\n');
    await fast.save('k-fast', file);
    const path = await store(new MemoryLogger(), { fast }).load('k-fast');
    expect(readFileSync(path!, 'utf8')).toBe('from the cache\n');
    expect(requests).toEqual([]);
  });

  it('none found, or a token without actions: read, is "no baseline" with the cause logged', async () => {
    artifacts.length = 0;
    const logger = new MemoryLogger();
    expect(await store(logger).load('ragship-eval-baseline-none')).toBeUndefined();
    expect(logger.text()).toContain('no artifact of that name');
    forbid = true;
    try {
      const l2 = new MemoryLogger();
      expect(await store(l2).load('ragship-eval-baseline-none')).toBeUndefined();
      expect(l2.text()).toMatch(/HTTP 403.*actions: read/);
      expect(l2.text()).not.toContain(TOKEN);
    } finally {
      forbid = false;
    }
  });

  it('a PR run compares with main’s results read from the artifact (the cache having evicted them)', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
    writeFileSync(
      join(dir, 'cases.jsonl'),
      `${ids.map((id) => JSON.stringify({ id, question: `code of ${id}?`, must_contain: [`code-${id}`] })).join('\n')}\n`,
    );
    writeFileSync(
      join(dir, 'target.mjs'),
      "import { readFileSync } from 'node:fs';\nexport default async (c) => ({ answer: JSON.parse(readFileSync(new URL('./answers.json', import.meta.url), 'utf8'))[c.id], sources: [] });\n",
    );
    writeFileSync(
      join(dir, 'suite.yaml'),
      'name: art\ncases: cases.jsonl\ntarget: { type: module, path: target.mjs }\nmetrics:\n  contains: { case_min: 1 }\n',
    );
    const answers = Object.fromEntries(ids.map((id) => [id, `code-${id}`]));
    writeFileSync(join(dir, 'answers.json'), JSON.stringify(answers));
    // main's run: its results file becomes the artifact (as the workflow's upload step does)
    const mainRun = await runEvalGate(
      {
        suitePath: join(dir, 'suite.yaml'),
        outDir: join(dir, 'main'),
        headSha: 'mainsha1',
        saveBaseline: true,
      },
      {
        logger: new MemoryLogger(),
        cache: new FolderCache(join(dir, 'c1')),
        baselines: new FolderBaselineStore(join(dir, 'b1')),
      },
    );
    expect(mainRun.baselineArtifact).toMatch(/^ragship-eval-baseline-art-mainsha1-[0-9a-f]{16}$/);
    artifacts.length = 0;
    artifacts.push({
      id: 7,
      name: mainRun.baselineArtifact!,
      expired: false,
      created_at: '2026-12-03T10:00:00Z',
      branch: 'main',
      headRepo: 1,
      zip: writeStreamingZip({ 'results-head.jsonl': readFileSync(mainRun.resultsPath) }),
    });
    for (let i = 0; i < 7; i++) answers[`c${i}`] = 'wrong';
    writeFileSync(join(dir, 'answers.json'), JSON.stringify(answers));
    const logger = new MemoryLogger();
    const pr = await runEvalGate(
      { suitePath: join(dir, 'suite.yaml'), outDir: join(dir, 'pr'), headSha: 'prsha', baseSha: 'mainsha1' },
      {
        logger,
        cache: new FolderCache(join(dir, 'c2')),
        // an empty cache (evicted) in front of the artifact store
        baselines: store(logger, { fast: new FolderBaselineStore(join(dir, 'evicted')) }),
      },
    );
    expect(pr.baselineSource).toContain('main mainsha');
    expect(pr.comparison.regressedCases.sort()).toEqual(ids.slice(0, 7));
    expect(pr.passed).toBe(false);
    expect(baselineKey('art', 'mainsha1', 'x'.repeat(16))).toMatch(/^ragship-eval-baseline-art-mainsha1-/);
  });
});

describe('eval-gate action: main’s push stores, a PR run finds the artifact', () => {
  it('push to main outputs baseline-artifact; the PR run (empty cache) compares with it and fails on the regression', async () => {
    const d = mkdtempSync(join(dir, 'action-'));
    const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
    writeFileSync(
      join(d, 'cases.jsonl'),
      `${ids.map((id) => JSON.stringify({ id, question: `code of ${id}?`, must_contain: [`code-${id}`] })).join('\n')}\n`,
    );
    writeFileSync(
      join(d, 'target.mjs'),
      "import { readFileSync } from 'node:fs';\nexport default async (c) => ({ answer: JSON.parse(readFileSync(new URL('./answers.json', import.meta.url), 'utf8'))[c.id], sources: [] });\n",
    );
    writeFileSync(
      join(d, 'suite.yaml'),
      'name: art-action\ncases: cases.jsonl\ntarget: { type: module, path: target.mjs }\nmetrics:\n  contains: { case_min: 1 }\n',
    );
    const answers = Object.fromEntries(ids.map((id) => [id, `code-${id}`]));
    writeFileSync(join(d, 'answers.json'), JSON.stringify(answers));
    const mainSha = 'a'.repeat(40);
    const env = { GITHUB_API_URL: apiUrl, GITHUB_REPOSITORY: 'o/r' };
    const inputs = { suite: join(d, 'suite.yaml'), 'github-token': TOKEN, cache: 'false', comment: 'false' };
    const push = await new LocalActionRunner('eval-gate', { source: 'src/actions/eval-gate.ts' }).main({
      eventName: 'push',
      event: { ref: 'refs/heads/main', repository: { default_branch: 'main' } },
      inputs,
      env: { ...env, GITHUB_SHA: mainSha, GITHUB_REF: 'refs/heads/main' },
      timeoutMs: 120_000,
    });
    expect(push.exitCode).toBe(0);
    expect(push.outputs['baseline-artifact']).toMatch(
      new RegExp(`^ragship-eval-baseline-art-action-${mainSha}-[0-9a-f]{16}$`),
    );
    // what the workflow's upload-artifact step does with the outputs
    artifacts.length = 0;
    artifacts.push({
      id: 11,
      name: push.outputs['baseline-artifact']!,
      expired: false,
      created_at: '2026-12-03T12:00:00Z',
      branch: 'main',
      headRepo: 1,
      zip: writeStreamingZip({ 'results-head.jsonl': readFileSync(push.outputs['results-path']!) }),
    });
    for (let i = 0; i < 7; i++) answers[`c${i}`] = 'wrong';
    writeFileSync(join(d, 'answers.json'), JSON.stringify(answers));
    const pr = await new LocalActionRunner('eval-gate', { source: 'src/actions/eval-gate.ts' }).main({
      eventName: 'pull_request',
      event: {
        pull_request: { number: 7, head: { sha: 'b'.repeat(40) }, base: { sha: mainSha }, labels: [] },
        repository: { default_branch: 'main' },
      },
      inputs,
      env: { ...env, GITHUB_SHA: 'c'.repeat(40) },
      timeoutMs: 120_000,
    });
    expect(pr.exitCode).toBe(1);
    expect(pr.stdout).toContain('artifact 11 of run 9011 on main');
    expect(pr.summary).toContain(`main ${mainSha.slice(0, 7)}`);
    expect(pr.summary).not.toContain('No baseline from main');
    expect(pr.outputs.regressions).toBe('7');
    expect(pr.outputs.passed).toBe('false');
  }, 300_000);
});
