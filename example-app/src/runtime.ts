import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { type Embedder, HashingEmbedder, RemoteEmbedder } from './embedding.js';
import { Llm } from './llm.js';
import { createMetrics, type Metrics } from './metrics.js';
import { REDACT_PATHS } from './redact.js';
import { Store } from './store.js';
import { activeLogIds, tracesEndpoint } from './tracing.js';

export interface Runtime {
  cfg: Config;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  embedder: Embedder;
  llm?: Llm;
}

export function createLogger(cfg: Config, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: cfg.LOG_LEVEL,
      base: { service: 'ragship-example-app' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // trace_id/span_id on lines written inside a traced operation (only with tracing on).
      ...(tracesEndpoint() ? { mixin: activeLogIds } : {}),
    },
    destination,
  );
}

/** Wires config → logger, metrics, Chroma store, embedder and LLM fallback client. */
export function createRuntime(cfg: Config, destination?: pino.DestinationStream): Runtime {
  const logger = createLogger(cfg, destination);
  const metrics = createMetrics();
  const store = new Store(cfg.CHROMA_URL, cfg.CHROMA_COLLECTION);
  const llm =
    cfg.endpoints.length > 0
      ? new Llm({
          endpoints: cfg.endpoints,
          timeoutMs: cfg.LLM_TIMEOUT_MS,
          maxRetries: cfg.LLM_MAX_RETRIES,
          retryMaxWaitMs: cfg.LLM_RETRY_MAX_WAIT_MS,
          maxTokens: cfg.LLM_MAX_TOKENS,
          temperature: cfg.LLM_TEMPERATURE,
          logger,
          metrics,
        })
      : undefined;
  if (cfg.EMBEDDINGS === 'openai' && !llm) {
    throw new Error('EMBEDDINGS=openai needs LLM_ENDPOINTS or OPENAI_BASE_URL');
  }
  const embedder: Embedder =
    cfg.EMBEDDINGS === 'openai' && llm
      ? new RemoteEmbedder(llm, cfg.EMBEDDING_MODEL)
      : new HashingEmbedder(cfg.EMBEDDING_DIM);
  return { cfg, logger, metrics, store, embedder, llm };
}
