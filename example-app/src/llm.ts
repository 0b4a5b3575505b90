import { trace } from '@opentelemetry/api';
import OpenAI from 'openai';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';
import { ATTR, tracingOn } from './tracing.js';

export interface Endpoint {
  baseURL: string;
  apiKey: string;
  model: string;
}

export interface ChatResult {
  text: string;
  model: string;
  endpoint: number;
  promptTokens: number;
  completionTokens: number;
}

export interface LlmOptions {
  endpoints: Endpoint[];
  timeoutMs: number;
  maxRetries: number;
  retryMaxWaitMs: number;
  maxTokens: number;
  temperature: number;
  logger: Logger;
  metrics?: Metrics;
  sleep?: (ms: number) => Promise<void>;
}

export class LlmUnavailableError extends Error {
  constructor(readonly attempts: string[]) {
    super(`every LLM endpoint failed: ${attempts.join('; ')}`);
    this.name = 'LlmUnavailableError';
  }
}

type Decision = { kind: 'retry'; waitMs: number } | { kind: 'next' } | { kind: 'fatal' };

/**
 * OpenAI-compatible calls over a fallback list of endpoints (vLLM first, hosted API second…).
 * Per endpoint: a 429 waits for Retry-After (capped) and retries, a 5xx or timeout retries
 * with backoff, then the next endpoint is tried; a refused connection or 401/403/404 goes to
 * the next endpoint at once; 400/422 is the caller's fault and fails immediately.
 */
export class Llm {
  private readonly clients: OpenAI[];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: LlmOptions) {
    this.clients = o.endpoints.map(
      (e) => new OpenAI({ baseURL: e.baseURL, apiKey: e.apiKey, timeout: o.timeoutMs, maxRetries: 0 }),
    );
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get endpoints(): Endpoint[] {
    return this.o.endpoints;
  }

  async chat(
    messages: OpenAI.ChatCompletionMessageParam[],
    onDelta?: (text: string) => void,
  ): Promise<ChatResult> {
    return this.withFallback(async (client, ep, i) => {
      if (!onDelta) {
        const r = await client.chat.completions.create({
          model: ep.model,
          messages,
          max_tokens: this.o.maxTokens,
          temperature: this.o.temperature,
        });
        return {
          text: r.choices[0]?.message?.content ?? '',
          model: r.model || ep.model,
          endpoint: i,
          promptTokens: r.usage?.prompt_tokens ?? 0,
          completionTokens: r.usage?.completion_tokens ?? 0,
        };
      }
      const stream = await client.chat.completions.create({
        model: ep.model,
        messages,
        max_tokens: this.o.maxTokens,
        temperature: this.o.temperature,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let model = ep.model;
      let promptTokens = 0;
      let completionTokens = 0;
      for await (const chunk of stream) {
        if (chunk.model) model = chunk.model;
        const d = chunk.choices[0]?.delta?.content;
        if (d) {
          text += d;
          onDelta(d);
        }
        if (chunk.usage) {
          promptTokens = chunk.usage.prompt_tokens;
          completionTokens = chunk.usage.completion_tokens;
        }
      }
      return { text, model, endpoint: i, promptTokens, completionTokens };
    });
  }

  async embed(model: string, input: string[]): Promise<number[][]> {
    return this.withFallback(async (client) => {
      const r = await client.embeddings.create({ model, input });
      return r.data.sort((a, b) => a.index - b.index).map((d) => d.embedding);
    });
  }

  /** Reachability of the endpoints for /ready: true when any answers GET /models. */
  async ping(): Promise<boolean> {
    for (const c of this.clients) {
      try {
        await c.models.list({ timeout: 2000 });
        return true;
      } catch {
        /* try the next */
      }
    }
    return false;
  }

  private async withFallback<T>(call: (client: OpenAI, ep: Endpoint, i: number) => Promise<T>): Promise<T> {
    const attempts: string[] = [];
    // The active span (rag.generate / rag.embed) gets retry and fallback counts and one event
    // per failed attempt (endpoint index and status only: messages may quote the input).
    const span = tracingOn() ? trace.getActiveSpan() : undefined;
    let retries = 0;
    let fallbacks = 0;
    const note = (event: 'llm.retry' | 'llm.fallback' | 'llm.error', i: number, err: unknown) => {
      if (!span) return;
      span.addEvent(event, { [ATTR.endpoint]: i, [ATTR.errorType]: errorType(err) });
      span.setAttributes({ [ATTR.retries]: retries, [ATTR.fallbacks]: fallbacks });
    };
    for (const [i, client] of this.clients.entries()) {
      const ep = this.o.endpoints[i] as Endpoint;
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await call(client, ep, i);
          span?.setAttributes({ [ATTR.retries]: retries, [ATTR.fallbacks]: fallbacks });
          this.o.metrics?.llmRequests.inc({ endpoint: String(i), outcome: 'ok' });
          return r;
        } catch (err) {
          const d = this.decide(err, attempt);
          const msg = `endpoint ${i} (${ep.baseURL}) attempt ${attempt + 1}: ${describe(err)}`;
          attempts.push(msg);
          if (d.kind === 'fatal') {
            note('llm.error', i, err);
            this.o.metrics?.llmRequests.inc({ endpoint: String(i), outcome: 'error' });
            throw err;
          }
          if (d.kind === 'retry') {
            retries++;
            note('llm.retry', i, err);
            this.o.metrics?.llmRequests.inc({ endpoint: String(i), outcome: 'retry' });
            this.o.logger.warn(
              { endpoint: i, waitMs: d.waitMs },
              `LLM call failed, retrying: ${describe(err)}`,
            );
            await this.sleep(d.waitMs);
            continue;
          }
          fallbacks++;
          note('llm.fallback', i, err);
          this.o.metrics?.llmRequests.inc({ endpoint: String(i), outcome: 'fallback' });
          this.o.logger.warn({ endpoint: i }, `LLM endpoint given up, trying the next: ${describe(err)}`);
          break;
        }
      }
    }
    throw new LlmUnavailableError(attempts);
  }

  private decide(err: unknown, attempt: number): Decision {
    const canRetry = attempt < this.o.maxRetries;
    if (err instanceof OpenAI.APIConnectionTimeoutError)
      return canRetry ? backoff(attempt) : { kind: 'next' };
    if (err instanceof OpenAI.APIConnectionError) return { kind: 'next' };
    if (err instanceof OpenAI.APIError) {
      const s = err.status ?? 0;
      if (s === 429) {
        if (!canRetry) return { kind: 'next' };
        const ra = retryAfterMs(err.headers);
        return { kind: 'retry', waitMs: Math.min(ra ?? 200 * 2 ** attempt, this.o.retryMaxWaitMs) };
      }
      if (s >= 500 || s === 408) return canRetry ? backoff(attempt) : { kind: 'next' };
      if (s === 401 || s === 403 || s === 404) return { kind: 'next' };
      return { kind: 'fatal' };
    }
    // Stream cut mid-way or an unknown failure: do not repeat partial output, but keep serving.
    return { kind: 'next' };
  }
}

function backoff(attempt: number): Decision {
  return { kind: 'retry', waitMs: Math.min(200 * 2 ** attempt, 5000) };
}

export function retryAfterMs(headers: Headers | Record<string, string> | undefined): number | undefined {
  if (!headers) return undefined;
  const get = (n: string) =>
    typeof (headers as Headers).get === 'function'
      ? (headers as Headers).get(n)
      : (headers as Record<string, string>)[n];
  const ms = get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const v = get('retry-after');
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** `429`, `503`, `timeout`, `connection` or the error class: no message text. */
function errorType(err: unknown): string {
  if (err instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
  if (err instanceof OpenAI.APIConnectionError) return 'connection';
  if (err instanceof OpenAI.APIError) return String(err.status ?? 'api_error');
  return err instanceof Error ? err.name : 'Error';
}

function describe(err: unknown): string {
  if (err instanceof OpenAI.APIError) return `${err.status ?? 'connection'} ${err.message}`.slice(0, 200);
  return err instanceof Error ? err.message.slice(0, 200) : String(err);
}
