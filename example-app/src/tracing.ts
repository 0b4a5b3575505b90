/**
 * Optional OpenTelemetry traces. Off unless OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (non-empty): then `startTracing` loads the SDK and the
 * OTLP/HTTP exporter with a dynamic import (`./tracing-sdk.js`). When off nothing but the
 * OpenTelemetry API (already a dependency of prom-client) is loaded, no span objects are made
 * and `withSpan` is a plain call.
 *
 * Rule as for logs: no question text, answer text or header values in span attributes.
 */

import { readFileSync } from 'node:fs';
import {
  type Attributes,
  type Context,
  context,
  type DiagLogger,
  DiagLogLevel,
  diag,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { Logger } from 'pino';
import { redactText } from './redact.js';

export const SERVICE_NAME = 'ragship-example-app';

/**
 * Attribute names. Semantic-convention names where they exist (HTTP, error, DB and GenAI —
 * the GenAI and DB ones are still "incubating", so they are copied here as the
 * semantic-conventions package recommends; test/integration/example-app/tracing.test.ts checks
 * them against the package); `rag.*` for what the conventions do not cover.
 */
export const ATTR = {
  httpMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpStatus: 'http.response.status_code',
  urlPath: 'url.path',
  urlScheme: 'url.scheme',
  errorType: 'error.type',
  dbSystem: 'db.system.name',
  dbCollection: 'db.collection.name',
  dbOperation: 'db.operation.name',
  dbReturnedRows: 'db.response.returned_rows',
  genAiOperation: 'gen_ai.operation.name',
  genAiSystem: 'gen_ai.system',
  genAiProvider: 'gen_ai.provider.name',
  genAiRequestModel: 'gen_ai.request.model',
  genAiResponseModel: 'gen_ai.response.model',
  genAiMaxTokens: 'gen_ai.request.max_tokens',
  genAiTemperature: 'gen_ai.request.temperature',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',
  genAiDataSource: 'gen_ai.data_source.id',
  genAiEmbeddingDim: 'gen_ai.embeddings.dimension.count',
  cacheHit: 'rag.cache.hit',
  k: 'rag.retrieve.k',
  hits: 'rag.retrieve.hits',
  topScore: 'rag.retrieve.top_score',
  embeddingMs: 'rag.embedding.duration_ms',
  embedder: 'rag.embedder',
  costUsd: 'rag.cost_usd',
  retries: 'rag.llm.retries',
  fallbacks: 'rag.llm.fallbacks',
  endpoint: 'rag.llm.endpoint',
  streaming: 'rag.stream',
  answerMode: 'rag.answer_mode',
  documents: 'rag.ingest.documents',
  chunks: 'rag.ingest.chunks',
} as const;

/** The traces endpoint, or undefined when tracing is off (unset/empty, OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none). */
export function tracesEndpoint(env: Record<string, string | undefined> = process.env): string | undefined {
  const v = (name: string) => {
    const s = env[name]?.trim();
    return s ? s : undefined;
  };
  if (v('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  if (v('OTEL_TRACES_EXPORTER')?.toLowerCase() === 'none') return undefined;
  const specific = v('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (specific) return specific;
  const base = v('OTEL_EXPORTER_OTLP_ENDPOINT');
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

let tracer: Tracer | undefined;

/** True once `startTracing` has installed the SDK. */
export function tracingOn(): boolean {
  return tracer !== undefined;
}

export interface Tracing {
  /** Flush pending spans and stop the exporter; resolves within `timeoutMs` whatever the collector does. */
  shutdown(timeoutMs: number): Promise<'flushed' | 'timeout' | 'failed'>;
}

/** Logs what the endpoint is without credentials, query or path secrets. */
function describeEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** OpenTelemetry's own warnings (export failures…) to pino, redacted, messages only. */
function diagTo(logger: Logger): DiagLogger {
  const text = (msg: string, args: unknown[]) =>
    redactText(
      [msg, ...args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : ''))]
        .filter(Boolean)
        .join(' ')
        .slice(0, 500),
    );
  const none = () => {};
  return {
    error: (m, ...a) => logger.warn({ component: 'otel' }, text(m, a)),
    warn: (m, ...a) => logger.warn({ component: 'otel' }, text(m, a)),
    info: none,
    debug: none,
    verbose: none,
  };
}

/**
 * Starts tracing when an OTLP endpoint is configured; otherwise returns undefined and loads
 * nothing. Service name: OTEL_SERVICE_NAME, else `ragship-example-app`; OTEL_RESOURCE_ATTRIBUTES
 * and OTEL_EXPORTER_OTLP_HEADERS (never logged) are read by the SDK.
 */
export async function startTracing(
  logger: Logger,
  env: Record<string, string | undefined> = process.env,
): Promise<Tracing | undefined> {
  const endpoint = tracesEndpoint(env);
  if (!endpoint) return undefined;
  diag.setLogger(diagTo(logger), DiagLogLevel.WARN);
  const { startSdk } = await import('./tracing-sdk.js');
  const sdk = await startSdk({ defaultServiceName: SERVICE_NAME, serviceVersion: appVersion() });
  tracer = trace.getTracer(SERVICE_NAME, appVersion());
  logger.info(
    {
      endpoint: describeEndpoint(endpoint),
      serviceName: sdk.serviceName,
      headers: env.OTEL_EXPORTER_OTLP_HEADERS || env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ? 'set' : 'none',
    },
    'tracing on: OTLP/HTTP exporter',
  );
  return {
    async shutdown(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), timeoutMs);
        timer.unref();
      });
      const done = sdk.shutdown().then(
        () => 'flushed' as const,
        () => 'failed' as const,
      );
      const result = await Promise.race([done, timeout]);
      clearTimeout(timer);
      tracer = undefined;
      return result;
    },
  };
}

let version: string | undefined;
function appVersion(): string {
  if (version === undefined) {
    try {
      version = String(
        JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version ?? 'unknown',
      );
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

/**
 * Runs `fn` inside a child span of the active one (ended when `fn` settles; an exception sets
 * ERROR status and `error.type`). With tracing off, `fn(undefined)` and nothing else.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span | undefined) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  if (!tracer) return fn(undefined);
  return tracer.startActiveSpan(name, { attributes, kind }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      markError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** ERROR status with the error's class name; the message is redacted (it may quote user input). */
export function markError(span: Span, err: unknown): void {
  const type = err instanceof Error ? err.name || err.constructor.name : 'Error';
  span.setAttribute(ATTR.errorType, type);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: redactText(err instanceof Error ? err.message : String(err)).slice(0, 300),
  });
}

export interface ServerSpan {
  span: Span;
  ctx: Context;
  ended: boolean;
}

/** A SERVER span continuing the caller's W3C `traceparent` (if any). Undefined when tracing is off. */
export function startServerSpan(
  method: string,
  route: string | undefined,
  path: string,
  headers: Record<string, string | string[] | undefined>,
): ServerSpan | undefined {
  if (!tracer) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const attributes: Attributes = {
    [ATTR.httpMethod]: method,
    [ATTR.urlScheme]: 'http',
    [ATTR.urlPath]: redactText(path.split('?')[0] ?? ''),
  };
  if (route) attributes[ATTR.httpRoute] = route;
  const span = tracer.startSpan(
    route ? `${method} ${route}` : method,
    { kind: SpanKind.SERVER, attributes },
    parent,
  );
  return { span, ctx: trace.setSpan(parent, span), ended: false };
}

export function endServerSpan(s: ServerSpan, status: number | undefined, extra: Attributes = {}): void {
  if (s.ended) return;
  s.ended = true;
  if (status !== undefined) s.span.setAttribute(ATTR.httpStatus, status);
  s.span.setAttributes(extra);
  if (status === undefined || status >= 500) {
    s.span.setAttribute(ATTR.errorType, status === undefined ? 'aborted' : String(status));
    s.span.setStatus({ code: SpanStatusCode.ERROR });
  }
  s.span.end();
}

/** Runs `fn` with the request's server span active (so `withSpan` children attach to it). */
export function inContext<T>(s: ServerSpan | undefined, fn: () => T): T {
  return s ? context.with(s.ctx, fn) : fn();
}

/** `trace_id`/`span_id` of a span for log lines. */
export function logIds(span: Span): { trace_id: string; span_id: string } {
  const c = span.spanContext();
  return { trace_id: c.traceId, span_id: c.spanId };
}

/** pino mixin: ids of the active span, for log lines written inside a traced operation. */
export function activeLogIds(): Record<string, string> {
  if (!tracer) return {};
  const span = trace.getSpan(context.active());
  return span ? logIds(span) : {};
}
