/**
 * Example app against real parts: Chroma 1.0.5 from npm (example-app/node_modules) and the
 * OpenAI-compatible LLM stand-in (test/fixtures/llm-standin). HTTP goes through Fastify's
 * inject (the full plugin chain: CORS, rate limit, body limits, compression, error handler).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, ConfigError, loadConfig } from '../../../example-app/src/config.js';
import { startChroma } from '../../../example-app/src/demo.js';
import { readCorpus } from '../../../example-app/src/ingest.js';
import { MIGRATIONS, type Migration, migrate, migrationStatus } from '../../../example-app/src/migrations.js';
import { createRuntime } from '../../../example-app/src/runtime.js';
import { buildApp } from '../../../example-app/src/server.js';
import { type Standin, startLlmStandin } from '../../fixtures/llm-standin/server.mjs';

const CHROMA_PORT = 18010;
const STANDIN_PORT = 18011;
/** Nothing listens here: the first LLM endpoint refuses connections. */
const DEAD_PORT = 18019;
const CORPUS = new URL('../../../example-app/corpus', import.meta.url).pathname;

let chroma: Awaited<ReturnType<typeof startChroma>>;
let standin: Standin;
let dataDir: string;

function config(env: Record<string, string>): Config {
  return loadConfig({ CHROMA_URL: chroma.url, LOG_LEVEL: 'info', INGEST_TOKEN: 'ingest-secret', ...env });
}

async function appWith(env: Record<string, string>) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const rt = createRuntime(config(env), sink);
  await migrate({ ...rt, batchSize: 1000 });
  const { app, rag } = await buildApp(rt);
  await app.ready();
  return { app, rag, rt, lines };
}

async function ingestCorpus(app: Awaited<ReturnType<typeof appWith>>['app']) {
  const res = await app.inject({
    method: 'POST',
    url: '/ingest',
    headers: { authorization: 'Bearer ingest-secret' },
    payload: { documents: readCorpus(CORPUS) },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function metric(app: Awaited<ReturnType<typeof appWith>>['app'], line: RegExp): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const m = text.split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').at(-1)) : 0;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ragship-example-it-'));
  chroma = await startChroma(CHROMA_PORT, dataDir);
  standin = await startLlmStandin({ port: STANDIN_PORT, host: '127.0.0.1' });
});

afterAll(async () => {
  await standin?.close();
  await chroma?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('example app: configuration', () => {
  it('rejects invalid env with one clear line per problem', () => {
    expect(() => loadConfig({ PORT: 'abc', CHROMA_URL: 'not a url' })).toThrowError(ConfigError);
    expect(() => loadConfig({ PORT: 'abc', CHROMA_URL: 'not a url' })).toThrowError(/PORT:.*\n.*CHROMA_URL:/);
    expect(() => loadConfig({ ANSWER_MODE: 'llm' })).toThrowError(/LLM_ENDPOINTS: ANSWER_MODE=llm needs/);
    expect(() => loadConfig({ LLM_ENDPOINTS: 'ftp://x' })).toThrowError(/not an http\(s\) URL: ftp:\/\/x/);
  });
});

describe('example app: migrations recorded in Chroma', () => {
  it('migrates a fresh database to the latest version and a re-run is a no-op', async () => {
    const rt = createRuntime(config({ CHROMA_COLLECTION: 'mig-fresh', LOG_LEVEL: 'silent' }));
    const first = await migrate({ ...rt, batchSize: 1000 });
    expect(first.ran).toEqual(MIGRATIONS.map((m) => m.version));
    expect(first.status.current).toBe(first.status.expected);
    const again = await migrate({ ...rt, batchSize: 1000 });
    expect(again.ran).toEqual([]);
    expect(again.status.current).toBe(first.status.current);
  });

  it('a failing migration throws and leaves the recorded version unchanged', async () => {
    const rt = createRuntime(config({ CHROMA_COLLECTION: 'mig-fail', LOG_LEVEL: 'silent' }));
    await migrate({ ...rt, batchSize: 1000 });
    const broken: Migration = {
      version: '9999',
      name: 'always fails',
      up: async () => {
        throw new Error('boom');
      },
    };
    await expect(migrate({ ...rt, batchSize: 1000 }, [...MIGRATIONS, broken])).rejects.toThrow('boom');
    const s = await migrationStatus(rt.store, [...MIGRATIONS, broken]);
    expect(s.current).toBe(MIGRATIONS.at(-1)!.version);
    expect(s.pending).toEqual(['9999']);
  });

  it('the re-embedding migration rewrites every record in batches smaller than the collection', async () => {
    const rt = createRuntime(
      config({ CHROMA_COLLECTION: 'mig-reembed', LOG_LEVEL: 'silent', EMBEDDING_DIM: '512' }),
    );
    await migrate({ ...rt, batchSize: 1000 });
    const { ingest } = await import('../../../example-app/src/ingest.js');
    await ingest(rt.store, rt.embedder, readCorpus(CORPUS));
    // A new embedder (different dimension would need a new collection; same dim, new id).
    const rt2 = createRuntime(
      config({ CHROMA_COLLECTION: 'mig-reembed', LOG_LEVEL: 'silent', EMBEDDING_DIM: '512' }),
    );
    const { reembed } = await import('../../../example-app/src/migrations.js');
    const other = { id: 'hash-v1-512-alt', embed: (t: string[]) => rt2.embedder.embed(t) };
    const changed = await reembed({ ...rt2, embedder: other, batchSize: 7 });
    expect(changed).toBe(98);
    const col = await rt2.store.collection();
    const all = await col.get({ include: ['metadatas'] });
    expect(new Set(all.metadatas.map((m) => m?.embedder))).toEqual(new Set(['hash-v1-512-alt']));
  });
});

describe('example app: extractive mode (no LLM) over real Chroma', () => {
  let t: Awaited<ReturnType<typeof appWith>>;
  beforeAll(async () => {
    t = await appWith({
      CHROMA_COLLECTION: 'it-extractive',
      CORS_ORIGINS: 'https://app.northwind.example',
      RATE_LIMIT_MAX: '1000',
    });
    const r = await ingestCorpus(t.app);
    expect(r).toMatchObject({ documents: 20, chunks: 98 });
  });
  afterAll(() => t.app.close());

  it.each([
    ['How long is the warranty on the Heron H1?', 'warranty#standard-warranty'],
    ['What is the restocking fee for returned robots?', 'returns#restocking-fee'],
    ['What are the phone support hours?', 'support#support-hours'],
    ['How much does the Wren W3 cost?', 'wren-w3#pricing'],
    ['What is the meal per diem in Europe?', 'travel-expenses#per-diem'],
  ])('query %j returns source %s first, with scores, usage, cost and timings', async (question, id) => {
    const res = await t.app.inject({ method: 'POST', url: '/query', payload: { question } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.sources[0].id).toBe(id);
    expect(body.sources).toHaveLength(4);
    expect(body.sources[0].score).toBeGreaterThan(body.sources[3].score);
    expect(body.answer).toContain(`[${id}]`);
    expect(body.usage).toEqual({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
    expect(body.costUsd).toBe(0);
    expect(body.timings.totalMs).toBeGreaterThanOrEqual(body.timings.retrievalMs);
  });

  it('honours k and serves a repeated question from the cache (hit counter moves)', async () => {
    const hits0 = await metric(t.app, /^rag_cache_hits_total /);
    const q = { question: 'How many countries does Northwind ship to?', k: 2 };
    const a = (await t.app.inject({ method: 'POST', url: '/query', payload: q })).json();
    const b = (
      await t.app.inject({
        method: 'POST',
        url: '/query',
        payload: { ...q, question: 'how many countries does northwind ship to' },
      })
    ).json();
    expect(a.sources).toHaveLength(2);
    expect(a.cached).toBe(false);
    expect(b.cached).toBe(true);
    expect(b.sources.map((s: { id: string }) => s.id)).toEqual(a.sources.map((s: { id: string }) => s.id));
    expect(await metric(t.app, /^rag_cache_hits_total /)).toBe(hits0 + 1);
  });

  it('re-ingesting is idempotent by chunk id and invalidates the cache', async () => {
    const q = { question: 'What is the Fleet API rate limit?' };
    await t.app.inject({ method: 'POST', url: '/query', payload: q });
    const r = await ingestCorpus(t.app);
    expect(r).toMatchObject({ chunks: 98, removed: 0 });
    const col = await t.rt.store.collection();
    expect(await col.count()).toBe(98);
    const after = (await t.app.inject({ method: 'POST', url: '/query', payload: q })).json();
    expect(after.cached).toBe(false);
  });

  it('refuses ingest without the token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/ingest',
      payload: { documents: [{ id: 'x', text: '# X' }] },
    });
    expect(res.statusCode).toBe(401);
  });

  it('refuses a CORS preflight from a foreign origin and allows the listed one', async () => {
    const preflight = (origin: string) =>
      t.app.inject({
        method: 'OPTIONS',
        url: '/query',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const foreign = await preflight('https://evil.example');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const ok = await preflight('https://app.northwind.example');
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.northwind.example');
  });

  it('rejects an oversized /query body with 413 and an empty question with 400', async () => {
    const big = await t.app.inject({
      method: 'POST',
      url: '/query',
      payload: { question: 'x'.repeat(20_000) },
    });
    expect(big.statusCode).toBe(413);
    const empty = await t.app.inject({ method: 'POST', url: '/query', payload: { question: '  ' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toMatch(/question is empty/);
  });

  it('sends security headers and exposes health, readiness and request metrics by route', async () => {
    const h = await t.app.inject({ method: 'GET', url: '/health' });
    expect(h.statusCode).toBe(200);
    expect(h.headers['x-content-type-options']).toBe('nosniff');
    const r = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().checks.migrations).toMatch(/^ok/);
    expect(
      await metric(
        t.app,
        /^http_request_duration_seconds_count\{method="POST",route="\/query",status="200"\}/,
      ),
    ).toBeGreaterThan(0);
  });
});

describe('example app: rate limit', () => {
  it('answers 429 with Retry-After once a client exceeds RATE_LIMIT_MAX', async () => {
    const t = await appWith({ CHROMA_COLLECTION: 'it-extractive', RATE_LIMIT_MAX: '3' });
    const codes: number[] = [];
    let retryAfter: string | string[] | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/query',
        payload: { question: `warranty ${i}` },
      });
      codes.push(res.statusCode);
      retryAfter = res.headers['retry-after'];
    }
    expect(codes).toEqual([200, 200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    await t.app.close();
  });
});

describe('example app: LLM mode against the OpenAI-compatible stand-in', () => {
  let t: Awaited<ReturnType<typeof appWith>>;
  const question =
    'What is the list price of the Heron H1? My email is jane.doe@example.com, key sk-proj-AbCdEfGh1234567890XyZ and token Bearer abcDEF123456789xyz';
  beforeAll(async () => {
    t = await appWith({
      CHROMA_COLLECTION: 'it-extractive',
      // First endpoint refuses connections; the second is the stand-in.
      LLM_ENDPOINTS: `http://127.0.0.1:${DEAD_PORT}/v1,${standin.url}`,
      LLM_MODEL: 'standin-1',
      LLM_RETRY_MAX_WAIT_MS: '2000',
      LOG_QUESTIONS: 'true',
      RATE_LIMIT_MAX: '1000',
    });
  });
  afterAll(() => t.app.close());

  it('falls back to the second endpoint when the first refuses connections, with usage and cost', async () => {
    const chat0 = standin.stats.chat;
    const res = await t.app.inject({
      method: 'POST',
      url: '/query',
      payload: { question },
      headers: { 'x-user-id': 'u-42', 'x-feature': 'search' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.model).toBe('standin-1');
    expect(body.sources[0].id).toBe('heron-h1#pricing');
    expect(body.usage.promptTokens).toBeGreaterThan(0);
    expect(body.usage.completionTokens).toBeGreaterThan(0);
    expect(body.costUsd).toBeGreaterThan(0);
    expect(standin.stats.chat).toBe(chat0 + 1);
    expect(await metric(t.app, /^llm_requests_total\{endpoint="0",outcome="fallback"\}/)).toBe(1);
    expect(
      await metric(
        t.app,
        /^llm_tokens_total\{model="standin-1",user="u-42",feature="search",type="prompt"\}/,
      ),
    ).toBe(body.usage.promptTokens);
    expect(
      await metric(t.app, /^llm_cost_usd_total\{model="standin-1",user="u-42",feature="search"\}/),
    ).toBeCloseTo(body.costUsd, 8);
  });

  it('retries a 429 from the LLM after Retry-After and still answers', async () => {
    const limited0 = standin.stats.rateLimited;
    standin.setBehaviour({ rateLimit: { count: 1, retryAfterSeconds: 1 } });
    const started = Date.now();
    const res = await t.app.inject({
      method: 'POST',
      url: '/query',
      payload: { question: 'How long does a Heron H1 firmware update take?' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(standin.stats.rateLimited).toBe(limited0 + 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await metric(t.app, /^llm_requests_total\{endpoint="1",outcome="retry"\}/)).toBe(1);
  });

  it('streams server-sent delta events and a final done event with sources', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/query',
      payload: { question: 'What is the Kestrel K2 IP rating?', stream: true },
    });
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    expect(res.body).toMatch(/^event: delta\n/m);
    const done = res.body.split('event: done\ndata: ')[1];
    expect(JSON.parse((done ?? '').trim()).sources[0].id).toMatch(/^kestrel-k2#/);
  });

  it('logs every request without the email, key or token that were in the question', async () => {
    const log = t.lines.join('');
    expect(log).toContain('"route":"/query"');
    expect(log).toContain('[REDACTED_EMAIL]');
    expect(log).not.toContain('jane.doe@example.com');
    expect(log).not.toContain('sk-proj-AbCdEfGh1234567890XyZ');
    expect(log).not.toContain('abcDEF123456789xyz');
    const line = JSON.parse(t.lines.find((l) => l.includes('"route":"/query"') && l.includes('"tokens"'))!);
    expect(line).toMatchObject({ status: 200, model: 'standin-1', cacheHit: false });
    expect(line.costUsd).toBeGreaterThan(0);
  });
});
