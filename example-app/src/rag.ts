import type { Logger } from 'pino';
import { extractiveAnswer, type Passage, ragMessages } from './answer.js';
import { AnswerCache } from './cache.js';
import type { Config } from './config.js';
import type { Embedder } from './embedding.js';
import type { Llm } from './llm.js';
import { labelValue, type Metrics } from './metrics.js';
import type { Store } from './store.js';
import { ATTR, withSpan } from './tracing.js';

export interface QueryResponse {
  answer: string;
  /** Retrieved chunks, best first; `score` = cosine similarity (1 − distance). */
  sources: { id: string; score: number; title: string; heading: string; text: string }[];
  model: string;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  costUsd: number;
  cached: boolean;
  indexVersion: string;
  timings: { retrievalMs: number; generationMs: number; totalMs: number };
}

export interface QueryOptions {
  k?: number;
  user?: string;
  feature?: string;
  /** Skip the cache lookup (request header `Cache-Control: no-cache`); the answer is still stored. */
  noCache?: boolean;
  onDelta?: (text: string) => void;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const round = (x: number) => Math.round(x * 1000) / 1000;

export class RagService {
  readonly cache: AnswerCache<QueryResponse>;
  private indexVersion = { value: 'unknown', at: 0 };

  constructor(
    private readonly cfg: Config,
    private readonly store: Store,
    private readonly embedder: Embedder,
    private readonly llm: Llm | undefined,
    private readonly metrics: Metrics,
    readonly logger: Logger,
  ) {
    this.cache = new AnswerCache(cfg.CACHE_MAX_ENTRIES, cfg.CACHE_TTL_MS);
  }

  get model(): string {
    return this.cfg.answerMode === 'llm' ? (this.llm?.endpoints[0]?.model ?? 'llm') : 'extractive';
  }

  /** Collection `index_version`, re-read at most every 2 s so other replicas' ingests invalidate. */
  async currentIndexVersion(force = false): Promise<string> {
    if (force || Date.now() - this.indexVersion.at > 2000) {
      const meta = await this.store.indexMetadata();
      this.indexVersion = { value: `${meta.index_version ?? 'none'}|${meta.embedder ?? ''}`, at: Date.now() };
    }
    return this.indexVersion.value;
  }

  async query(question: string, o: QueryOptions = {}): Promise<QueryResponse> {
    const t0 = process.hrtime.bigint();
    const k = Math.min(o.k ?? this.cfg.TOP_K, this.cfg.MAX_K);
    const user = labelValue(o.user, 'anonymous');
    const feature = labelValue(o.feature, 'default');
    const indexVersion = await this.currentIndexVersion();
    const key = AnswerCache.key({ question, k, indexVersion, model: this.model });
    if (this.cfg.CACHE_ENABLED && !o.noCache) {
      const hit = this.cache.get(key);
      if (hit) {
        this.metrics.cacheHits.inc();
        const r = {
          ...hit,
          cached: true,
          timings: { retrievalMs: 0, generationMs: 0, totalMs: round(ms(t0)) },
        };
        o.onDelta?.(r.answer);
        return r;
      }
      this.metrics.cacheMisses.inc();
    }

    const tr = process.hrtime.bigint();
    const passages = await withSpan(
      'rag.retrieve',
      {
        [ATTR.genAiOperation]: 'retrieval',
        [ATTR.genAiDataSource]: this.store.collectionName,
        [ATTR.dbSystem]: 'chroma',
        [ATTR.dbCollection]: this.store.collectionName,
        [ATTR.dbOperation]: 'query',
        [ATTR.k]: k,
        [ATTR.embedder]: this.embedder.id,
      },
      async (span) => {
        const te = process.hrtime.bigint();
        const [qv = []] = await withSpan(
          'rag.embed',
          { [ATTR.embedder]: this.embedder.id, [ATTR.genAiOperation]: 'embeddings' },
          () => this.embedder.embed([question]),
        );
        span?.setAttribute(ATTR.embeddingMs, round(ms(te)));
        span?.setAttribute(ATTR.genAiEmbeddingDim, qv.length);
        const col = await this.store.collection();
        const res = await col.query({
          queryEmbeddings: [qv],
          nResults: k,
          include: ['documents', 'metadatas', 'distances'],
        });
        const found: Passage[] = (res.ids[0] ?? []).map((id, i) => ({
          id,
          score: round(1 - (res.distances[0]?.[i] ?? 1)),
          text: res.documents[0]?.[i] ?? '',
          title: String(res.metadatas[0]?.[i]?.title ?? ''),
          heading: String(res.metadatas[0]?.[i]?.heading ?? ''),
        }));
        span?.setAttributes({
          [ATTR.hits]: found.length,
          [ATTR.dbReturnedRows]: found.length,
          [ATTR.topScore]: found[0]?.score ?? 0,
        });
        return found;
      },
    );
    const retrievalMs = ms(tr);
    this.metrics.retrievalDuration.observe(retrievalMs / 1000);

    const tg = process.hrtime.bigint();
    const llmMode = this.cfg.answerMode === 'llm' && this.llm !== undefined;
    const g = await withSpan(
      'rag.generate',
      llmMode
        ? {
            [ATTR.answerMode]: 'llm',
            [ATTR.genAiOperation]: 'chat',
            [ATTR.genAiSystem]: 'openai',
            [ATTR.genAiProvider]: 'openai',
            [ATTR.genAiRequestModel]: this.model,
            [ATTR.genAiMaxTokens]: this.cfg.LLM_MAX_TOKENS,
            [ATTR.genAiTemperature]: this.cfg.LLM_TEMPERATURE,
            [ATTR.streaming]: o.onDelta !== undefined,
          }
        : { [ATTR.answerMode]: 'extractive', [ATTR.streaming]: o.onDelta !== undefined },
      async (span) => {
        let r: { answer: string; model: string; promptTokens: number; completionTokens: number };
        if (llmMode && this.llm) {
          const c = await this.llm.chat(ragMessages(question, passages), o.onDelta);
          r = {
            answer: c.text,
            model: c.model,
            promptTokens: c.promptTokens,
            completionTokens: c.completionTokens,
          };
          span?.setAttributes({ [ATTR.genAiResponseModel]: c.model, [ATTR.endpoint]: c.endpoint });
        } else {
          r = {
            answer: extractiveAnswer(question, passages),
            model: this.model,
            promptTokens: 0,
            completionTokens: 0,
          };
          o.onDelta?.(r.answer);
        }
        const cost =
          (r.promptTokens * this.cfg.LLM_PRICE_INPUT_PER_MTOK +
            r.completionTokens * this.cfg.LLM_PRICE_OUTPUT_PER_MTOK) /
          1e6;
        span?.setAttributes({
          [ATTR.genAiInputTokens]: r.promptTokens,
          [ATTR.genAiOutputTokens]: r.completionTokens,
          [ATTR.costUsd]: Math.round(cost * 1e8) / 1e8,
        });
        return { ...r, cost };
      },
    );
    const { answer, model, promptTokens, completionTokens, cost: costUsd } = g;
    const generationMs = ms(tg);
    this.metrics.generationDuration.observe({ model }, generationMs / 1000);
    this.metrics.tokens.inc({ model, user, feature, type: 'prompt' }, promptTokens);
    this.metrics.tokens.inc({ model, user, feature, type: 'completion' }, completionTokens);
    this.metrics.cost.inc({ model, user, feature }, costUsd);

    const response: QueryResponse = {
      answer,
      sources: passages.map((p) => ({
        id: p.id,
        score: p.score,
        title: p.title,
        heading: p.heading,
        text: p.text,
      })),
      model,
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      costUsd: Math.round(costUsd * 1e8) / 1e8,
      cached: false,
      indexVersion,
      timings: { retrievalMs: round(retrievalMs), generationMs: round(generationMs), totalMs: round(ms(t0)) },
    };
    if (this.cfg.CACHE_ENABLED) this.cache.set(key, response);
    return response;
  }
}
