import { timingSafeEqual } from 'node:crypto';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from './config.js';
import { withDisclaimer } from './disclaimer.js';
import type { Embedder } from './embedding.js';
import { type IngestResult, ingest } from './ingest.js';
import { type Llm, LlmUnavailableError } from './llm.js';
import type { Metrics } from './metrics.js';
import { migrationStatus } from './migrations.js';
import { type QueryResponse, RagService } from './rag.js';
import { redactText } from './redact.js';
import type { Store } from './store.js';
import {
  ATTR,
  endServerSpan,
  inContext,
  logIds,
  type ServerSpan,
  startServerSpan,
  tracingOn,
  withSpan,
} from './tracing.js';

export interface AppDeps {
  cfg: Config;
  store: Store;
  embedder: Embedder;
  llm?: Llm;
  metrics: Metrics;
  logger: Logger;
}

const QueryBody = z.object({
  question: z
    .string()
    .trim()
    .min(1, 'question is empty')
    .max(2000, 'question is longer than 2000 characters'),
  k: z.number().int().min(1).max(50).optional(),
  stream: z.boolean().optional(),
});

const IngestBody = z.object({
  documents: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,127}$/, 'document id must be a lower-case slug'),
        text: z.string().min(1).max(500_000),
        metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      }),
    )
    .min(1)
    .max(1000),
});

declare module 'fastify' {
  interface FastifyRequest {
    rag?: { tokens?: number; costUsd?: number; cached?: boolean; question?: string; model?: string };
    /** The request's server span when tracing is on. */
    otel?: ServerSpan;
  }
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    throw new HttpError(
      400,
      r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  return r.data;
}

export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; rag: RagService }> {
  const { cfg, store, embedder, llm, metrics, logger } = deps;
  const rag = new RagService(cfg, store, embedder, llm, metrics, logger);
  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: cfg.BODY_LIMIT_BYTES,
    trustProxy: cfg.TRUST_PROXY,
    requestTimeout:
      cfg.LLM_TIMEOUT_MS * (cfg.LLM_MAX_RETRIES + 1) * Math.max(1, cfg.endpoints.length) + 10_000,
  });

  // Tracing (only when startTracing() ran with an OTLP endpoint): one SERVER span per request,
  // continuing an incoming W3C traceparent; its ids go into the request's log lines.
  if (tracingOn()) {
    app.addHook('onRequest', async (req) => {
      const s = startServerSpan(req.method, req.routeOptions.url, req.url, req.headers);
      if (!s) return;
      req.otel = s;
      req.log = req.log.child(logIds(s.span));
    });
    app.addHook('onRequestAbort', async (req) => {
      if (req.otel) endServerSpan(req.otel, undefined);
    });
  }

  const allowed = new Set(cfg.CORS_ORIGINS);
  // A preflight from an origin outside the allow-list is refused outright (403), not merely
  // answered without CORS headers, so misconfigured front-ends fail loudly.
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS' && origin && !allowed.has(origin)) {
      return reply.code(403).send({ error: `origin ${origin} is not allowed (CORS_ORIGINS)` });
    }
  });
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'authorization', 'x-user-id', 'x-feature', 'cache-control'],
    maxAge: 600,
  });
  await app.register(helmet, { global: true });
  await app.register(compress, { global: true, threshold: 1024 });
  await app.register(rateLimit, {
    global: true,
    max: cfg.RATE_LIMIT_MAX,
    timeWindow: cfg.RATE_LIMIT_WINDOW_MS,
    addHeadersOnExceeding: {
      'x-ratelimit-limit': true,
      'x-ratelimit-remaining': true,
      'x-ratelimit-reset': true,
    },
    addHeaders: { 'retry-after': true, 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true },
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, seconds);
    const line: Record<string, unknown> = {
      reqId: req.id,
      method: req.method,
      route,
      url: redactText(req.url),
      status,
      latencyMs: Math.round(reply.elapsedTime * 10) / 10,
      ip: req.ip,
    };
    if (req.rag) {
      line.tokens = req.rag.tokens;
      line.costUsd = req.rag.costUsd;
      line.cacheHit = req.rag.cached;
      line.model = req.rag.model;
      if (cfg.LOG_QUESTIONS && req.rag.question) line.question = redactText(req.rag.question);
    }
    req.log.info(line, 'request');
    if (req.otel) {
      endServerSpan(req.otel, status, req.rag ? { [ATTR.cacheHit]: req.rag.cached ?? false } : {});
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message });
    if (err instanceof LlmUnavailableError) {
      metrics.errors.inc({ kind: 'llm_unavailable' });
      req.log.error({ attempts: err.attempts.map(redactText) }, 'all LLM endpoints failed');
      return reply.code(503).header('retry-after', '5').send({ error: 'the language model is unavailable' });
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      metrics.errors.inc({ kind: 'internal' });
      req.log.error({ err: { message: redactText(err.message), stack: err.stack } }, 'request failed');
      return reply.code(500).send({ error: 'internal error' });
    }
    metrics.errors.inc({ kind: `http_${status}` });
    return reply.code(status).send({ error: redactText(err.message) });
  });

  // Warm-up gate: until Chroma answers and migrations are at the expected version, /query and
  // /ingest answer 503 + Retry-After, which nginx treats as "try the next container". A new
  // container of a zero-downtime switch therefore gets traffic only once it can serve it.
  let serving = false;
  let lastCheck = 0;
  const canServe = async (): Promise<boolean> => {
    if (serving) return true;
    if (Date.now() - lastCheck < 500) return false;
    lastCheck = Date.now();
    try {
      serving = (await store.heartbeat()) && (await migrationStatus(store)).pending.length === 0;
    } catch {
      serving = false;
    }
    return serving;
  };
  app.addHook('preHandler', async (req, reply) => {
    const url = req.routeOptions.url;
    if ((url === '/query' || url === '/ingest') && !(await canServe())) {
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ error: 'not ready: Chroma unreachable or migrations pending (see GET /ready)' });
    }
  });

  const noLimit = { config: { rateLimit: false } } as const;
  app.get('/health', noLimit, async () => ({ status: 'ok' }));

  app.get('/ready', noLimit, async (_req, reply) => {
    const checks: Record<string, string> = {};
    let ok = true;
    if (await store.heartbeat()) {
      checks.chroma = 'ok';
      try {
        const s = await migrationStatus(store);
        checks.migrations = s.pending.length === 0 ? `ok (${s.current})` : `pending ${s.pending.join(',')}`;
        ok &&= s.pending.length === 0;
      } catch (e) {
        checks.migrations = `error: ${(e as Error).message}`;
        ok = false;
      }
    } else {
      checks.chroma = 'unreachable';
      ok = false;
    }
    if (cfg.answerMode === 'llm') {
      const up = (await llm?.ping()) ?? false;
      checks.llm = up ? 'ok' : 'unreachable';
      ok &&= up;
    }
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', noLimit, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.post('/query', { bodyLimit: cfg.QUERY_BODY_LIMIT_BYTES }, async (req, reply) => {
    const body = parse(QueryBody, req.body);
    const opts = {
      k: body.k,
      user: header(req, 'x-user-id'),
      feature: header(req, 'x-feature'),
      noCache: /no-cache/i.test(header(req, 'cache-control') ?? ''),
    };
    const note = (r: QueryResponse) => {
      req.rag = {
        tokens: r.usage.totalTokens,
        costUsd: r.costUsd,
        cached: r.cached,
        model: r.model,
        question: body.question,
      };
    };
    if (!body.stream) {
      const r = await inContext(req.otel, () => rag.query(body.question, opts));
      note(r);
      return withDisclaimer(r, body.question);
    }
    return streamQuery(
      req,
      reply,
      async (onDelta) =>
        withDisclaimer(
          await inContext(req.otel, () => rag.query(body.question, { ...opts, onDelta })),
          body.question,
        ),
      note,
    );
  });

  app.post('/ingest', async (req, reply) => {
    authorizeIngest(cfg, req);
    const body = parse(IngestBody, req.body);
    const r: IngestResult = await inContext(req.otel, () =>
      withSpan('rag.ingest', { [ATTR.documents]: body.documents.length }, async (span) => {
        const result = await ingest(store, embedder, body.documents);
        span?.setAttribute(ATTR.chunks, result.chunks);
        return result;
      }),
    );
    await rag.currentIndexVersion(true);
    return reply.code(200).send(r);
  });

  return { app, rag };
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function authorizeIngest(cfg: Config, req: FastifyRequest): void {
  if (!cfg.INGEST_TOKEN) throw new HttpError(403, 'ingest over HTTP is disabled: set INGEST_TOKEN');
  const given = (header(req, 'authorization') ?? '').replace(/^Bearer\s+/i, '');
  const a = Buffer.from(given);
  const b = Buffer.from(cfg.INGEST_TOKEN);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new HttpError(401, 'missing or wrong ingest token');
}

/** Server-sent events: `delta` events with text, then one `done` event with the full response. */
async function streamQuery(
  req: FastifyRequest,
  reply: FastifyReply,
  run: (onDelta: (t: string) => void) => Promise<QueryResponse>,
  note: (r: QueryResponse) => void,
): Promise<void> {
  reply.hijack();
  const headers = { ...reply.getHeaders() } as Record<string, string>;
  delete headers['content-length'];
  reply.raw.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  const send = (event: string, data: unknown) =>
    reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  try {
    const r = await run((text) => send('delta', { text }));
    note(r);
    send('done', r);
  } catch (err) {
    req.log.error({ err: { message: redactText((err as Error).message) } }, 'streamed query failed');
    send('error', {
      error: err instanceof LlmUnavailableError ? 'the language model is unavailable' : 'internal error',
    });
  }
  reply.raw.end();
}
