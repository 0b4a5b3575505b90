import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/** Every setting comes from the environment; `loadConfig` fails with one line per problem. */
export const ConfigSchema = z
  .object({
    PORT: int(8080, 1),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Log the (redacted) question text; off by default. */
    LOG_QUESTIONS: bool.default(false),
    CHROMA_URL: z.url().default('http://127.0.0.1:8000'),
    CHROMA_COLLECTION: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$/, 'must be 3-63 chars of [a-zA-Z0-9._-]')
      .default('northwind-handbook'),
    /** `hash`: local deterministic feature hashing (no keys); `openai`: EMBEDDING_MODEL on the LLM endpoints. */
    EMBEDDINGS: z.enum(['hash', 'openai']).default('hash'),
    EMBEDDING_MODEL: z.string().default('text-embedding-3-small'),
    EMBEDDING_DIM: int(1024, 16),
    /** Comma-separated OpenAI-compatible base URLs, first is primary (e.g. http://vllm:8000/v1,https://api.openai.com/v1). */
    LLM_ENDPOINTS: list,
    /** Used when LLM_ENDPOINTS is empty. */
    OPENAI_BASE_URL: z.string().optional(),
    OPENAI_API_KEY: z.string().default(''),
    /** Comma-separated API keys per endpoint (same order); missing entries use OPENAI_API_KEY. */
    LLM_API_KEYS: list,
    LLM_MODEL: z.string().default('gpt-4o-mini'),
    /** Comma-separated model per endpoint (same order); missing entries use LLM_MODEL. */
    LLM_MODELS: list,
    /** `extractive` quotes passages (no LLM); `llm` generates; `auto` = llm when endpoints exist. */
    ANSWER_MODE: z.enum(['auto', 'extractive', 'llm']).default('auto'),
    LLM_TIMEOUT_MS: int(30_000, 100),
    LLM_MAX_RETRIES: int(2),
    LLM_RETRY_MAX_WAIT_MS: int(10_000),
    LLM_MAX_TOKENS: int(400, 1),
    LLM_TEMPERATURE: z.coerce.number().min(0).max(2).default(0),
    /** USD per million tokens, for the cost fields and counters. */
    LLM_PRICE_INPUT_PER_MTOK: z.coerce.number().min(0).default(0.15),
    LLM_PRICE_OUTPUT_PER_MTOK: z.coerce.number().min(0).default(0.6),
    TOP_K: int(4, 1),
    MAX_K: int(20, 1),
    CACHE_ENABLED: bool.default(true),
    CACHE_TTL_MS: int(300_000),
    CACHE_MAX_ENTRIES: int(1000, 1),
    CORS_ORIGINS: list,
    RATE_LIMIT_MAX: int(60, 1),
    RATE_LIMIT_WINDOW_MS: int(60_000, 1000),
    BODY_LIMIT_BYTES: int(1_048_576, 1024),
    QUERY_BODY_LIMIT_BYTES: int(16_384, 256),
    /** Trust X-Forwarded-For from the reverse proxy (nginx) for client IPs. */
    TRUST_PROXY: bool.default(false),
    /** Upper bound for flushing spans at shutdown (tracing on: OTEL_EXPORTER_OTLP_ENDPOINT set). */
    TRACING_SHUTDOWN_TIMEOUT_MS: int(5000, 100),
    /** Protects POST /ingest; empty = ingest over HTTP disabled. */
    INGEST_TOKEN: z.string().default(''),
  })
  .superRefine((c, ctx) => {
    if (c.ANSWER_MODE === 'llm' && c.LLM_ENDPOINTS.length === 0 && !c.OPENAI_BASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['LLM_ENDPOINTS'],
        message: 'ANSWER_MODE=llm needs LLM_ENDPOINTS or OPENAI_BASE_URL',
      });
    }
    for (const u of c.LLM_ENDPOINTS) {
      if (!/^https?:\/\/[^\s]+$/.test(u)) {
        ctx.addIssue({ code: 'custom', path: ['LLM_ENDPOINTS'], message: `not an http(s) URL: ${u}` });
      }
    }
  });

export type Config = z.infer<typeof ConfigSchema> & {
  /** Resolved endpoint list (LLM_ENDPOINTS, else OPENAI_BASE_URL). */
  endpoints: { baseURL: string; apiKey: string; model: string }[];
  answerMode: 'extractive' | 'llm';
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(env)'}: ${i.message} (see example-app/README.md)`,
      ),
    );
  }
  const c = parsed.data;
  const urls = c.LLM_ENDPOINTS.length > 0 ? c.LLM_ENDPOINTS : c.OPENAI_BASE_URL ? [c.OPENAI_BASE_URL] : [];
  const endpoints = urls.map((baseURL, i) => ({
    baseURL: baseURL.replace(/\/+$/, ''),
    apiKey: c.LLM_API_KEYS[i] || c.OPENAI_API_KEY || 'unused',
    model: c.LLM_MODELS[i] || c.LLM_MODEL,
  }));
  const answerMode = c.ANSWER_MODE === 'auto' ? (endpoints.length > 0 ? 'llm' : 'extractive') : c.ANSWER_MODE;
  return { ...c, endpoints, answerMode };
}
