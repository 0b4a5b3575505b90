import { z } from 'zod';
import { parseRetryAfter, RetryableError } from './backoff.js';
import type { SuiteConfig } from './suite.js';

/**
 * LLM-judged metrics through any OpenAI-compatible endpoint (api.openai.com, vLLM, …) with a
 * strict JSON-schema structured output. Output that does not parse or does not match the
 * schema is a JudgeOutputError: the case ends as an error, never as a pass or a fail
 * (deepeval#3283 scored unparseable judge output as a pass).
 */

export class JudgeOutputError extends Error {
  override readonly name = 'JudgeOutputError';
}

const verdictSchema = z.object({ score: z.number().min(0).max(1), reason: z.string() }).strict();
export type JudgeVerdict = z.infer<typeof verdictSchema>;

const RESPONSE_FORMAT = {
  type: 'json_schema',
  json_schema: {
    name: 'ragship_judgement',
    strict: true,
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['score', 'reason'],
      properties: {
        score: { type: 'number', minimum: 0, maximum: 1 },
        reason: { type: 'string' },
      },
    },
  },
} as const;

export type JudgeMetric = 'faithfulness' | 'answer_relevance';
/** What a judge can be asked: a judged metric, or a case's `llm-rubric` assertion. */
export type JudgeTask = JudgeMetric | 'llm-rubric';

export function judgePrompt(
  metric: JudgeTask,
  input: { question: string; answer: string; contexts: string[]; rubric?: string },
): string {
  if (metric === 'llm-rubric') {
    return [
      'Grade the ANSWER against the RUBRIC: 1 when it fully meets the rubric, 0 when it does not meet it at all.',
      'Reply with JSON {"score": number between 0 and 1, "reason": short string}.',
      '',
      `RUBRIC: ${input.rubric ?? ''}`,
      '',
      `QUESTION: ${input.question}`,
      `ANSWER: ${input.answer}`,
    ].join('\n');
  }
  if (metric === 'faithfulness') {
    return [
      'Rate how faithful the ANSWER is to the CONTEXT: 1 when every claim in the answer is supported by the context, 0 when the answer contradicts it or is unsupported.',
      'Reply with JSON {"score": number between 0 and 1, "reason": short string}.',
      '',
      'CONTEXT:',
      ...input.contexts.map((c, i) => `[${i + 1}] ${c}`),
      '',
      `QUESTION: ${input.question}`,
      `ANSWER: ${input.answer}`,
    ].join('\n');
  }
  return [
    'Rate how relevant the ANSWER is to the QUESTION: 1 when it answers exactly what was asked, 0 when it is off-topic or evasive.',
    'Reply with JSON {"score": number between 0 and 1, "reason": short string}.',
    '',
    `QUESTION: ${input.question}`,
    `ANSWER: ${input.answer}`,
  ].join('\n');
}

/** Parses a judge's message content; anything but the exact schema is a JudgeOutputError. */
export function parseVerdict(content: unknown): JudgeVerdict {
  if (typeof content !== 'string') throw new JudgeOutputError('judge returned no message content');
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch {
    throw new JudgeOutputError(`judge output is not JSON: ${JSON.stringify(content.slice(0, 120))}`);
  }
  const r = verdictSchema.safeParse(raw);
  if (!r.success)
    throw new JudgeOutputError(
      `judge output does not match the schema: ${r.error.issues[0]?.message ?? 'invalid'} in ${content.slice(0, 120)}`,
    );
  return r.data;
}

export interface JudgeCall {
  verdict: JudgeVerdict;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface Judge {
  readonly model: string;
  /** Parameters that change the output: part of the cache key. */
  readonly params: Record<string, unknown>;
  rate(
    metric: JudgeTask,
    input: { question: string; answer: string; contexts: string[]; rubric?: string },
  ): Promise<JudgeCall>;
}

export function createJudge(
  config: NonNullable<SuiteConfig['judge']>,
  apiKey: string | undefined,
  doFetch: typeof fetch = fetch,
): Judge {
  const url = `${config.base_url.replace(/\/+$/, '')}/chat/completions`;
  return {
    model: config.model,
    params: {
      model: config.model,
      temperature: config.temperature,
      max_tokens: config.max_tokens,
      format: RESPONSE_FORMAT.json_schema.name,
    },
    async rate(metric, input) {
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
          },
          body: JSON.stringify({
            model: config.model,
            temperature: config.temperature,
            max_tokens: config.max_tokens,
            messages: [
              { role: 'system', content: 'You are a strict evaluator. Output only the requested JSON.' },
              { role: 'user', content: judgePrompt(metric, input) },
            ],
            response_format: RESPONSE_FORMAT,
          }),
          signal: AbortSignal.timeout(config.timeout_ms),
        });
      } catch (err) {
        throw new RetryableError(`judge ${url}: ${(err as Error).message}`);
      }
      const text = await res.text();
      if (res.status === 429 || res.status >= 500) {
        throw new RetryableError(
          `judge ${url} answered ${res.status}`,
          res.status,
          parseRetryAfter(res.headers.get('retry-after')),
        );
      }
      if (!res.ok) throw new JudgeOutputError(`judge ${url} answered ${res.status}: ${text.slice(0, 200)}`);
      let body: {
        choices?: Array<{ message?: { content?: unknown } }>;
        usage?: { prompt_tokens?: number; completion_tokens?: number };
      };
      try {
        body = JSON.parse(text);
      } catch {
        throw new JudgeOutputError(`judge response is not JSON: ${text.slice(0, 120)}`);
      }
      const verdict = parseVerdict(body.choices?.[0]?.message?.content);
      const promptTokens = body.usage?.prompt_tokens ?? 0;
      const completionTokens = body.usage?.completion_tokens ?? 0;
      const costUsd =
        (promptTokens * config.price_input_per_mtok + completionTokens * config.price_output_per_mtok) / 1e6;
      return { verdict, promptTokens, completionTokens, costUsd };
    },
  };
}
