import client from 'prom-client';

/** One registry per app instance (tests build several apps in one process). */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    httpDuration: new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    retrievalDuration: new client.Histogram({
      name: 'rag_retrieval_duration_seconds',
      help: 'Embedding + vector search latency',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    generationDuration: new client.Histogram({
      name: 'rag_generation_duration_seconds',
      help: 'Answer generation latency by model',
      labelNames: ['model'] as const,
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    tokens: new client.Counter({
      name: 'llm_tokens_total',
      help: 'LLM tokens by model, user, feature and type (prompt|completion)',
      labelNames: ['model', 'user', 'feature', 'type'] as const,
      registers: [registry],
    }),
    cost: new client.Counter({
      name: 'llm_cost_usd_total',
      help: 'LLM cost in USD by model, user and feature',
      labelNames: ['model', 'user', 'feature'] as const,
      registers: [registry],
    }),
    llmRequests: new client.Counter({
      name: 'llm_requests_total',
      help: 'LLM calls by endpoint index and outcome (ok|retry|fallback|error)',
      labelNames: ['endpoint', 'outcome'] as const,
      registers: [registry],
    }),
    errors: new client.Counter({
      name: 'app_errors_total',
      help: 'Errors by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    cacheHits: new client.Counter({
      name: 'rag_cache_hits_total',
      help: 'Answer cache hits',
      registers: [registry],
    }),
    cacheMisses: new client.Counter({
      name: 'rag_cache_misses_total',
      help: 'Answer cache misses',
      registers: [registry],
    }),
  };
  return m;
}
export type Metrics = ReturnType<typeof createMetrics>;

/** Header values become label values: bounded grammar, else `other`, to keep cardinality sane. */
export function labelValue(v: unknown, fallback: string): string {
  if (typeof v !== 'string' || v === '') return fallback;
  return /^[A-Za-z0-9_.-]{1,64}$/.test(v) ? v : 'other';
}
