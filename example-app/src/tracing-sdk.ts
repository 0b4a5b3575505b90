/**
 * The OpenTelemetry SDK half of tracing, loaded only by `startTracing` (dynamic import) when an
 * OTLP endpoint is configured. OTLP/HTTP with JSON bodies (the exporter's default); the
 * exporter reads OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, _HEADERS, _TIMEOUT and _COMPRESSION,
 * the batch processor OTEL_BSP_*, the sampler OTEL_TRACES_SAMPLER[_ARG].
 *
 * Outgoing HTTP: chromadb and openai both call the global `fetch` (undici), so
 * @opentelemetry/instrumentation-undici makes a CLIENT span per request (a child of the active
 * `rag.retrieve` / `rag.generate` span) and injects `traceparent` into it. No header is captured
 * (Authorization / api keys stay out), the query string is reduced to its parameter names and the
 * URL carries no userinfo.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation, type UndiciRequest } from '@opentelemetry/instrumentation-undici';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_FULL,
  ATTR_URL_QUERY,
} from '@opentelemetry/semantic-conventions';

export interface Sdk {
  serviceName: string;
  shutdown(): Promise<void>;
}

export async function startSdk(o: { defaultServiceName: string; serviceVersion: string }): Promise<Sdk> {
  // Later merges win: SDK defaults < the app's name and version < OTEL_RESOURCE_ATTRIBUTES and
  // OTEL_SERVICE_NAME from the environment.
  const env = detectResources({ detectors: [envDetector] });
  const resource = defaultResource()
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: o.defaultServiceName,
        [ATTR_SERVICE_VERSION]: o.serviceVersion,
      }),
    )
    .merge(env);
  await resource.waitForAsyncAttributes?.();
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Global provider, AsyncLocalStorage context manager, W3C trace-context + baggage propagator.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new UndiciInstrumentation({
        // Only requests made inside a traced operation (no orphan root spans from start-up or
        // background work); context still propagates.
        requireParentforSpans: true,
        // Explicitly none: request headers hold the LLM API key (Authorization).
        headersToSpanAttributes: { requestHeaders: [], responseHeaders: [] },
        startSpanHook: safeUrlAttributes,
      }),
    ],
  });
  return {
    serviceName: String(resource.attributes[ATTR_SERVICE_NAME] ?? o.defaultServiceName),
    shutdown: async () => {
      unregister();
      await provider.shutdown();
    },
  };
}

/**
 * Replaces the instrumentation's `url.full` (which would keep userinfo and the query string) by
 * scheme, host and path, and `url.query` by the parameter names with `REDACTED` values.
 */
export function safeUrlAttributes(request: Pick<UndiciRequest, 'origin' | 'path'>): Record<string, string> {
  try {
    const u = new URL(request.path, request.origin);
    const names = [...new Set(u.searchParams.keys())];
    return {
      [ATTR_URL_FULL]: `${u.protocol}//${u.host}${u.pathname}`,
      [ATTR_URL_QUERY]: names.map((n) => `${encodeURIComponent(n)}=REDACTED`).join('&'),
    };
  } catch {
    return { [ATTR_URL_FULL]: '', [ATTR_URL_QUERY]: '' };
  }
}
