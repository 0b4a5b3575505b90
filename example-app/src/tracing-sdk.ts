/**
 * The OpenTelemetry SDK half of tracing, loaded only by `startTracing` (dynamic import) when an
 * OTLP endpoint is configured. OTLP/HTTP with JSON bodies (the exporter's default); the
 * exporter reads OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, _HEADERS, _TIMEOUT and _COMPRESSION,
 * the batch processor OTEL_BSP_*, the sampler OTEL_TRACES_SAMPLER[_ARG].
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

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
  return {
    serviceName: String(resource.attributes[ATTR_SERVICE_NAME] ?? o.defaultServiceName),
    shutdown: () => provider.shutdown(),
  };
}
