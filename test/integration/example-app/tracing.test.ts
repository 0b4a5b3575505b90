/**
 * Optional OpenTelemetry traces of the example app. The app runs as its own process
 * (`node --import tsx src/main.ts serve`, as `npm run dev`), so startup, the dynamic SDK import,
 * W3C propagation over real HTTP and the graceful shutdown are the real ones. Real parts:
 * Chroma 1.0.5 from npm and the OpenAI-compatible LLM stand-in. No collector can run here, so
 * the test listens as one: an OTLP/HTTP receiver on 127.0.0.1 that decodes exactly what the
 * app's exporter (@opentelemetry/exporter-trace-otlp-http, OTLP/JSON by default) sends.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../example-app/src/config.js';
import { startChroma } from '../../../example-app/src/demo.js';
import { ingest, readCorpus } from '../../../example-app/src/ingest.js';
import { migrate } from '../../../example-app/src/migrations.js';
import { createRuntime } from '../../../example-app/src/runtime.js';
import { ATTR, tracesEndpoint } from '../../../example-app/src/tracing.js';
import { type Standin, startLlmStandin } from '../../fixtures/llm-standin/server.mjs';
import { startProcess, waitForHttp } from '../../support/process.js';

const RECEIVER_PORT = 19101;
/** Accepts TCP connections and never answers: a hung collector. */
const BLACKHOLE_PORT = 19102;
const CHROMA_PORT = 19110;
const STANDIN_PORT = 19111;
/** Records each LLM request's headers, then forwards it to the stand-in. */
const LLM_RECORDER_PORT = 19112;
const APP_DIR = new URL('../../../example-app/', import.meta.url).pathname;
const PROBE = new URL('./otel-module-probe.mjs', import.meta.url).href;
const COLLECTION = 'it-tracing';
const OTLP_SECRET = 'otlp-header-secret-3f9a1c7e';
const LLM_API_KEY = 'sk-llm-key-secret-9d2e4b7a1c';

// ---------------------------------------------------------------- OTLP/HTTP JSON receiver

type AnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
};
type KeyValue = { key: string; value: AnyValue };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: KeyValue[];
  events?: { name: string; attributes?: KeyValue[] }[];
  status?: { code?: number; message?: string };
}
interface ExportRequest {
  resourceSpans: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans: { scope?: { name: string }; spans: OtlpSpan[] }[];
  }[];
}
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: ExportRequest;
}

function value(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}
const attrs = (kvs: KeyValue[] = []) => Object.fromEntries(kvs.map((kv) => [kv.key, value(kv.value)]));

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code: number; message?: string };
  resource: Record<string, unknown>;
}

const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

class Receiver {
  readonly requests: Received[] = [];
  private server?: Server;

  async start(port: number): Promise<void> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        let buf = Buffer.concat(parts);
        if (req.headers['content-encoding'] === 'gzip') buf = gunzipSync(buf);
        const raw = buf.toString('utf8');
        if (req.method !== 'POST' || !/json/.test(req.headers['content-type'] ?? '')) {
          res.writeHead(415).end();
          return;
        }
        this.requests.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  spans(): Span[] {
    return this.requests.flatMap((r) =>
      r.body.resourceSpans.flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) =>
          ss.spans.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind,
            attributes: attrs(s.attributes),
            events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
            status: { code: s.status?.code ?? 0, message: s.status?.message },
            resource: attrs(rs.resource?.attributes),
          })),
        ),
      ),
    );
  }

  /** The finished trace whose server span matches, with every span of that trace. */
  async trace(match: (server: Span) => boolean, children = 0, timeoutMs = 10_000): Promise<Span[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const server = this.spans().find((s) => s.kind === SPAN_KIND_SERVER && match(s));
      if (server) {
        const all = this.spans().filter((s) => s.traceId === server.traceId);
        if (all.length >= children + 1) return all;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `no matching trace exported within ${timeoutMs} ms; got ${this.spans().length} spans`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  payload(): string {
    return this.requests.map((r) => r.raw).join('\n');
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

// ---------------------------------------------------------------- LLM header recorder

/** A pass-through proxy in front of the LLM stand-in that keeps the headers of every request. */
class LlmRecorder {
  readonly seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  private server?: Server;

  async start(port: number, target: string): Promise<string> {
    const t = new URL(target);
    this.server = createServer((req, res) => {
      this.seen.push({ path: req.url ?? '', headers: req.headers });
      const up = httpRequest(
        {
          host: t.hostname,
          port: t.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: t.host },
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.writeHead(502).end());
      req.pipe(up);
    });
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${port}${t.pathname === '/' ? '' : t.pathname}`;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

// ---------------------------------------------------------------- the app as a process

interface App {
  url: string;
  proc: ChildProcess;
  lines: () => string[];
  probeOut: string;
  stop: () => Promise<{ code: number | null; ms: number }>;
}

let chroma: Awaited<ReturnType<typeof startChroma>>;
let standin: Standin;
let dataDir: string;
const receiver = new Receiver();
const llmRecorder = new LlmRecorder();
let llmRecorderUrl: string;
let blackhole: TcpServer;
const held: Socket[] = [];
const running: App[] = [];

async function startApp(port: number, env: Record<string, string>): Promise<App> {
  const probeOut = join(dataDir, `probe-${port}.txt`);
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const p = startProcess(process.execPath, ['--import', PROBE, '--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: APP_DIR,
    env: {
      ...base,
      OTEL_MODULE_PROBE_OUT: probeOut,
      PORT: String(port),
      HOST: '127.0.0.1',
      CHROMA_URL: chroma.url,
      CHROMA_COLLECTION: COLLECTION,
      LLM_ENDPOINTS: standin.url,
      LLM_MODEL: 'standin-1',
      LLM_MAX_RETRIES: '1',
      LLM_RETRY_MAX_WAIT_MS: '200',
      RATE_LIMIT_MAX: '1000',
      LOG_LEVEL: 'info',
      ...env,
    },
    // The tests read every log line of the app (trace ids, redaction), not just the tail.
    keepChars: Number.POSITIVE_INFINITY,
  });
  const { proc } = p;
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/ready`, p, 60_000);
  const app: App = {
    url,
    proc,
    probeOut,
    lines: () => p.log().split('\n').filter(Boolean),
    stop: async () => {
      const t0 = Date.now();
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await once(proc, 'exit');
      }
      return { code: proc.exitCode, ms: Date.now() - t0 };
    },
  };
  running.push(app);
  return app;
}

async function query(app: App, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
  return { status: res.status, text: await res.text() };
}

function loadedOtelModules(app: App): string[] {
  try {
    return readFileSync(app.probeOut, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const SDK_MODULE =
  /@opentelemetry\/(sdk-trace|exporter-|otlp-|resources|context-async-hooks|core|instrumentation)/;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ragship-tracing-it-'));
  await receiver.start(RECEIVER_PORT);
  blackhole = createTcpServer((s) => {
    held.push(s);
    s.on('error', () => {});
  });
  blackhole.listen(BLACKHOLE_PORT, '127.0.0.1');
  await once(blackhole, 'listening');
  chroma = await startChroma(CHROMA_PORT, join(dataDir, 'chroma'));
  standin = await startLlmStandin({ port: STANDIN_PORT, host: '127.0.0.1' });
  llmRecorderUrl = await llmRecorder.start(LLM_RECORDER_PORT, standin.url);
  const rt = createRuntime(
    loadConfig({ CHROMA_URL: chroma.url, CHROMA_COLLECTION: COLLECTION, LOG_LEVEL: 'silent' }),
  );
  await migrate({ ...rt, batchSize: 1000 });
  await ingest(rt.store, rt.embedder, readCorpus(join(APP_DIR, 'corpus')));
});

afterAll(async () => {
  for (const a of running) await a.stop();
  for (const s of held) s.destroy();
  await new Promise((r) => blackhole?.close(r));
  await receiver.close();
  await llmRecorder.close();
  await standin?.close();
  await chroma?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('example app tracing: configuration', () => {
  it('is off unless a non-empty OTLP endpoint is set, and follows the OTLP endpoint rules', () => {
    expect(tracesEndpoint({})).toBeUndefined();
    // compose passes `${OTEL_EXPORTER_OTLP_ENDPOINT:-}`: empty must mean off.
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBeUndefined();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/' })).toBe(
      'http://otel:4318/v1/traces',
    );
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces',
      }),
    ).toBe('http://tempo:4318/v1/traces');
    expect(
      tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBeUndefined();
    expect(
      tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBeUndefined();
  });

  it('uses the semantic-convention attribute names of @opentelemetry/semantic-conventions', async () => {
    // The example app's own copy (example-app/node_modules), as the app would import it.
    const fromApp = createRequire(join(APP_DIR, 'package.json'));
    const stable = fromApp('@opentelemetry/semantic-conventions');
    const incubating = fromApp('@opentelemetry/semantic-conventions/incubating');
    expect(ATTR.httpMethod).toBe(stable.ATTR_HTTP_REQUEST_METHOD);
    expect(ATTR.httpRoute).toBe(stable.ATTR_HTTP_ROUTE);
    expect(ATTR.httpStatus).toBe(stable.ATTR_HTTP_RESPONSE_STATUS_CODE);
    expect(ATTR.urlPath).toBe(stable.ATTR_URL_PATH);
    expect(ATTR.errorType).toBe(stable.ATTR_ERROR_TYPE);
    expect(ATTR.dbSystem).toBe(incubating.ATTR_DB_SYSTEM_NAME);
    expect(ATTR.dbCollection).toBe(incubating.ATTR_DB_COLLECTION_NAME);
    expect(ATTR.dbOperation).toBe(incubating.ATTR_DB_OPERATION_NAME);
    expect(ATTR.dbReturnedRows).toBe(incubating.ATTR_DB_RESPONSE_RETURNED_ROWS);
    expect(ATTR.genAiOperation).toBe(incubating.ATTR_GEN_AI_OPERATION_NAME);
    expect(ATTR.genAiSystem).toBe(incubating.ATTR_GEN_AI_SYSTEM);
    expect(ATTR.genAiProvider).toBe(incubating.ATTR_GEN_AI_PROVIDER_NAME);
    expect(ATTR.genAiRequestModel).toBe(incubating.ATTR_GEN_AI_REQUEST_MODEL);
    expect(ATTR.genAiResponseModel).toBe(incubating.ATTR_GEN_AI_RESPONSE_MODEL);
    expect(ATTR.genAiInputTokens).toBe(incubating.ATTR_GEN_AI_USAGE_INPUT_TOKENS);
    expect(ATTR.genAiOutputTokens).toBe(incubating.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS);
    expect(ATTR.genAiDataSource).toBe(incubating.ATTR_GEN_AI_DATA_SOURCE_ID);
    expect(incubating.GEN_AI_OPERATION_NAME_VALUE_RETRIEVAL).toBe('retrieval');
  });
});

describe('example app tracing: off (no endpoint)', () => {
  it('sends nothing, loads no OpenTelemetry SDK module and writes no trace_id', async () => {
    const sent0 = receiver.requests.length;
    const app = await startApp(19120, {});
    const r = await query(app, { question: 'How long is the warranty on the Heron H1?' });
    expect(r.status, r.text).toBe(200);
    const { code } = await app.stop();
    expect(code).toBe(0);
    expect(receiver.requests.length).toBe(sent0);
    const loaded = loadedOtelModules(app);
    // The probe works: the API is loaded (prom-client and the app import it)…
    expect(loaded.some((p) => p.includes('@opentelemetry/api'))).toBe(true);
    // …but nothing of the SDK or the exporter.
    expect(loaded.filter((p) => SDK_MODULE.test(p))).toEqual([]);
    const requestLine = app.lines().find((l) => l.includes('"route":"/query"'));
    expect(requestLine).toBeDefined();
    expect(requestLine).not.toContain('trace_id');
  });
});

describe('example app tracing: on (OTLP/HTTP to a receiver)', () => {
  let app: App;
  const question =
    'What is the list price of the Heron H1? Reach me at jane.doe@example.com, key sk-proj-AbCdEfGh1234567890XyZ';

  beforeAll(async () => {
    app = await startApp(19121, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${RECEIVER_PORT}`,
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${OTLP_SECRET}`,
      OTEL_SERVICE_NAME: 'northwind-rag',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=it,team=search',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      LOG_QUESTIONS: 'true',
      // Through the header recorder, with a key: the client spans must not carry it.
      LLM_ENDPOINTS: llmRecorderUrl,
      OPENAI_API_KEY: LLM_API_KEY,
    });
  });

  it('exports a SERVER span for /query with rag.retrieve and rag.generate children of one trace', async () => {
    const r = await query(app, { question }, { 'x-user-id': 'u-7', 'cache-control': 'no-cache' });
    expect(r.status, r.text).toBe(200);
    const body = JSON.parse(r.text);
    const spans = await receiver.trace((s) => s.attributes[ATTR.httpRoute] === '/query', 3);

    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
    expect(server.name).toBe('POST /query');
    expect(server.parentSpanId).toBe('');
    expect(server.attributes).toMatchObject({
      [ATTR.httpMethod]: 'POST',
      [ATTR.httpRoute]: '/query',
      [ATTR.httpStatus]: 200,
      [ATTR.urlPath]: '/query',
      [ATTR.cacheHit]: false,
    });
    expect(server.status.code).not.toBe(STATUS_ERROR);
    expect(server.resource).toMatchObject({
      'service.name': 'northwind-rag',
      'service.version': '0.1.0',
      'deployment.environment.name': 'it',
      team: 'search',
      'telemetry.sdk.language': 'nodejs',
    });

    const retrieve = spans.find((s) => s.name === 'rag.retrieve')!;
    expect(retrieve.kind).toBe(SPAN_KIND_INTERNAL);
    expect(retrieve.parentSpanId).toBe(server.spanId);
    expect(retrieve.attributes).toMatchObject({
      [ATTR.genAiOperation]: 'retrieval',
      [ATTR.dbSystem]: 'chroma',
      [ATTR.dbCollection]: COLLECTION,
      [ATTR.dbOperation]: 'query',
      [ATTR.k]: 4,
      [ATTR.hits]: 4,
      [ATTR.embedder]: 'hash-v1-1024',
    });
    expect(retrieve.attributes[ATTR.embeddingMs]).toBeGreaterThan(0);
    const embed = spans.find((s) => s.name === 'rag.embed')!;
    expect(embed.parentSpanId).toBe(retrieve.spanId);

    const generate = spans.find((s) => s.name === 'rag.generate')!;
    expect(generate.parentSpanId).toBe(server.spanId);
    expect(generate.attributes).toMatchObject({
      [ATTR.genAiOperation]: 'chat',
      [ATTR.genAiSystem]: 'openai',
      [ATTR.genAiRequestModel]: 'standin-1',
      [ATTR.genAiResponseModel]: 'standin-1',
      [ATTR.genAiInputTokens]: body.usage.promptTokens,
      [ATTR.genAiOutputTokens]: body.usage.completionTokens,
      [ATTR.retries]: 0,
      [ATTR.streaming]: false,
    });
    expect(body.usage.promptTokens).toBeGreaterThan(0);
    expect(generate.attributes[ATTR.costUsd]).toBeCloseTo(body.costUsd, 8);
    expect(generate.status.code).not.toBe(STATUS_ERROR);

    // The exporter sent OTLP/JSON to /v1/traces with the configured header.
    const req = receiver.requests.find((q) => q.raw.includes(server.spanId))!;
    expect(req.path).toBe('/v1/traces');
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(req.headers.authorization).toBe(`Bearer ${OTLP_SECRET}`);

    // The request's log line carries the trace id.
    const line = app
      .lines()
      .map((l) => JSON.parse(l))
      .find((l) => l.route === '/query' && l.msg === 'request');
    expect(line.trace_id).toBe(server.traceId);
    expect(line.span_id).toBe(server.spanId);
  });

  it('exports CLIENT spans for the Chroma and LLM calls and sends traceparent to the LLM', async () => {
    const seen0 = llmRecorder.seen.length;
    const traceId = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee5';
    const r = await query(
      app,
      { question: 'What is the warranty on the Kestrel K2?' },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'cache-control': 'no-cache' },
    );
    expect(r.status, r.text).toBe(200);
    // SERVER, rag.retrieve, rag.embed, rag.generate and at least one Chroma and one LLM call.
    const spans = await receiver.trace((s) => s.traceId === traceId, 5);
    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
    const retrieve = spans.find((s) => s.name === 'rag.retrieve')!;
    const generate = spans.find((s) => s.name === 'rag.generate')!;
    const clients = spans.filter((s) => s.kind === SPAN_KIND_CLIENT);
    const chromaPort = Number(new URL(chroma.url).port);

    // Chroma: the collection query, under rag.retrieve.
    const toChroma = clients.filter((s) => s.attributes['server.port'] === chromaPort);
    expect(toChroma.length).toBeGreaterThan(0);
    for (const c of toChroma) {
      expect(c.parentSpanId).toBe(retrieve.spanId);
      expect(c.attributes).toMatchObject({
        [ATTR.httpMethod]: expect.stringMatching(/^(GET|POST)$/),
        'server.address': '127.0.0.1',
        [ATTR.httpStatus]: 200,
      });
    }
    expect(toChroma.some((c) => c.attributes[ATTR.httpMethod] === 'POST')).toBe(true);

    // The LLM: one chat completion, under rag.generate.
    const toLlm = clients.filter((s) => s.attributes['server.port'] === LLM_RECORDER_PORT);
    expect(toLlm).toHaveLength(1);
    const llm = toLlm[0]!;
    expect(llm.parentSpanId).toBe(generate.spanId);
    expect(llm.name).toBe('POST');
    expect(llm.attributes).toMatchObject({
      [ATTR.httpMethod]: 'POST',
      'server.address': '127.0.0.1',
      'server.port': LLM_RECORDER_PORT,
      [ATTR.httpStatus]: 200,
      'url.query': '',
    });
    expect(String(llm.attributes['url.full'])).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*chat\/completions$/);
    // No header captured as an attribute.
    for (const c of clients) {
      expect(Object.keys(c.attributes).filter((k) => k.startsWith('http.request.header'))).toEqual([]);
    }

    // The LLM endpoint got the key and a traceparent of this trace, naming the client span.
    const sent = llmRecorder.seen.slice(seen0).filter((q) => q.path.endsWith('/chat/completions'));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.authorization).toBe(`Bearer ${LLM_API_KEY}`);
    expect(sent[0]?.headers.traceparent).toBe(`00-${server.traceId}-${llm.spanId}-01`);
  });

  it('continues an incoming W3C traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const r = await query(
      app,
      { question: 'What is the restocking fee for returned robots?' },
      { traceparent: `00-${traceId}-${parent}-01` },
    );
    expect(r.status, r.text).toBe(200);
    const spans = await receiver.trace((s) => s.traceId === traceId, 3);
    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
    expect(server.parentSpanId).toBe(parent);
    expect(spans.find((s) => s.name === 'rag.retrieve')?.parentSpanId).toBe(server.spanId);
    expect(spans.find((s) => s.name === 'rag.generate')?.parentSpanId).toBe(server.spanId);
  });

  it('marks a cache hit on the server span, with no retrieval or generation under it', async () => {
    const q = { question: 'What are the phone support hours?' };
    expect((await query(app, q)).status).toBe(200);
    const traceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
    const r = await query(app, q, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(JSON.parse(r.text).cached).toBe(true);
    const spans = await receiver.trace((s) => s.traceId === traceId);
    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
    expect(server.attributes[ATTR.cacheHit]).toBe(true);
    await new Promise((res) => setTimeout(res, 400));
    expect(
      receiver
        .spans()
        .filter((s) => s.traceId === traceId)
        .map((s) => s.name),
    ).toEqual(['POST /query']);
  });

  it('records a streamed answer with the streaming flag', async () => {
    const traceId = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2';
    const r = await query(
      app,
      { question: 'What is the Kestrel K2 IP rating?', stream: true },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'cache-control': 'no-cache' },
    );
    expect(r.text).toMatch(/^event: done$/m);
    const spans = await receiver.trace((s) => s.traceId === traceId, 3);
    const generate = spans.find((s) => s.name === 'rag.generate')!;
    expect(generate.attributes[ATTR.streaming]).toBe(true);
    expect(generate.attributes[ATTR.genAiOutputTokens]).toBeGreaterThan(0);
    expect(spans.find((s) => s.kind === SPAN_KIND_SERVER)?.attributes[ATTR.httpStatus]).toBe(200);
  });

  it('marks rag.generate with ERROR status when every LLM attempt fails, and the server span 503', async () => {
    const traceId = 'ccccccccccccccccccccccccccccccc3';
    // LLM_MAX_RETRIES=1: two attempts on the only endpoint, both 503.
    standin.setBehaviour({ fail: { count: 2, status: 503 } });
    const r = await query(
      app,
      { question: 'How much does the Wren W3 cost?' },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'cache-control': 'no-cache' },
    );
    expect(r.status, r.text).toBe(503);
    const spans = await receiver.trace((s) => s.traceId === traceId, 3);
    const generate = spans.find((s) => s.name === 'rag.generate')!;
    expect(generate.status.code).toBe(STATUS_ERROR);
    expect(generate.attributes[ATTR.errorType]).toBe('LlmUnavailableError');
    expect(generate.attributes[ATTR.retries]).toBe(1);
    expect(generate.attributes[ATTR.fallbacks]).toBe(1);
    expect(generate.events.map((e) => e.name)).toEqual(['llm.retry', 'llm.fallback']);
    expect(generate.events[0]?.attributes[ATTR.errorType]).toBe('503');
    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
    expect(server.attributes[ATTR.httpStatus]).toBe(503);
    expect(server.status.code).toBe(STATUS_ERROR);
    expect(spans.find((s) => s.name === 'rag.retrieve')?.status.code).not.toBe(STATUS_ERROR);
  });

  it('never exports question text, PII or the OTLP header secret, and never logs the secret', () => {
    const payload = receiver.payload();
    expect(payload.length).toBeGreaterThan(0);
    for (const needle of [
      'jane.doe@example.com',
      'sk-proj-AbCdEfGh1234567890XyZ',
      'list price of the Heron',
      'restocking fee',
      'phone support hours',
      'Kestrel K2 IP rating',
      'warranty on the Kestrel',
      OTLP_SECRET,
      LLM_API_KEY,
    ]) {
      expect(payload, needle).not.toContain(needle);
    }
    // The LLM calls were traced (so the check above covers client spans) and had the key.
    expect(receiver.spans().some((s) => s.attributes['server.port'] === LLM_RECORDER_PORT)).toBe(true);
    expect(llmRecorder.seen.some((q) => q.headers.authorization === `Bearer ${LLM_API_KEY}`)).toBe(true);
    const log = app.lines().join('\n');
    expect(log).toContain('tracing on: OTLP/HTTP exporter');
    expect(log).not.toContain(OTLP_SECRET);
    expect(log).not.toContain(LLM_API_KEY);
    // LOG_QUESTIONS=true still redacts the logged question.
    expect(log).not.toContain('jane.doe@example.com');
  });

  it('loaded the SDK and exporter (the probe of the off test sees them when they are there)', () => {
    const loaded = loadedOtelModules(app).join('\n');
    expect(loaded).toMatch(/@opentelemetry\/sdk-trace-node/);
    expect(loaded).toMatch(/@opentelemetry\/exporter-trace-otlp-http/);
    expect(loaded).toMatch(/@opentelemetry\/instrumentation-undici/);
  });
});

describe('example app tracing: shutdown', () => {
  it('flushes spans still waiting in the batch on SIGTERM', async () => {
    // A 60 s batch delay: nothing is exported before the shutdown flush.
    const app = await startApp(19122, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${RECEIVER_PORT}`,
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });
    const traceId = 'ddddddddddddddddddddddddddddddd4';
    const r = await query(
      app,
      { question: 'What is the meal per diem in Europe?' },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    expect(r.status).toBe(200);
    await new Promise((res) => setTimeout(res, 500));
    expect(receiver.spans().filter((s) => s.traceId === traceId)).toEqual([]);
    const { code } = await app.stop();
    expect(code).toBe(0);
    const names = receiver
      .spans()
      .filter((s) => s.traceId === traceId && s.kind !== SPAN_KIND_CLIENT)
      .map((s) => s.name)
      .sort();
    expect(names).toEqual(['POST /query', 'rag.embed', 'rag.generate', 'rag.retrieve']);
    expect(app.lines().join('\n')).toMatch(/"flush":"flushed"/);
  });

  it('finishes within TRACING_SHUTDOWN_TIMEOUT_MS when the collector accepts but never answers', async () => {
    const app = await startApp(19123, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${BLACKHOLE_PORT}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      TRACING_SHUTDOWN_TIMEOUT_MS: '1500',
    });
    const held0 = held.length;
    expect((await query(app, { question: 'How many countries does Northwind ship to?' })).status).toBe(200);
    const { code, ms } = await app.stop();
    expect(code).toBe(0);
    // The exporter did try (a connection reached the hung collector) and the stop waited for
    // the bound, not for the exporter's 60 s timeout.
    expect(held.length).toBeGreaterThan(held0);
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(6000);
    expect(app.lines().join('\n')).toMatch(/"flush":"timeout"/);
  });
});
