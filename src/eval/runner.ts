import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { containsAll, exactMatch, normalizedMatch, regexMatch, rougeL, tokenF1 } from './answer-metrics.js';
import { type AssertionResult, evaluateAssertion } from './assertions.js';
import { AdaptiveLimiter } from './backoff.js';
import { type CacheStore, cacheKey } from './cache.js';
import { jsonLinesWriter } from './jsonl-writer.js';
import { type Judge, type JudgeMetric, JudgeOutputError } from './judge.js';
import { Progress } from './progress.js';
import { retrievalScores } from './retrieval-metrics.js';
import {
  caseHash,
  type EvalCase,
  inShard,
  JUDGE_METRICS,
  type LoadedSuite,
  type MetricName,
  readCases,
} from './suite.js';
import type { Target, TargetResponse } from './target.js';

export type Outcome = 'pass' | 'fail' | 'error';

/** First line of a results file. */
export interface ResultsMeta {
  type: 'meta';
  suite: string;
  suiteHash: string;
  configHash: string;
  shard: { index: number; count: number };
  target: string;
  k: number;
  repeats: number;
  minPasses: number;
  startedAt: string;
  /** Free-form labels: git sha, ref, "head"/"baseline". */
  labels: Record<string, string>;
}

/** One line per (case, repeat). */
export interface RunRecord {
  type: 'run';
  id: string;
  /** Hash of the case's content (suite.caseHash): edited cases are not paired with main's. */
  caseHash?: string;
  repeat: number;
  tags: string[];
  outcome: Outcome;
  metrics: Partial<Record<MetricName, number | null>>;
  /** Metrics below their case_min. */
  failed: string[];
  /** Judge metrics and assertions that errored (the case's other results are kept). */
  metricErrors?: string[];
  /** Results of the suite's and the case's `assert:` entries, in that order. */
  assertions?: AssertionResult[];
  error?: string;
  answer?: string;
  sources?: string[];
  /** The answering attempt only: queueing and back-off waits before retries are not in it. */
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  /** Full price of the case (target + judge), whether the answers came live or from the cache. */
  costUsd: number;
  /** What this run paid: calls answered from the cache cost nothing. */
  liveCostUsd: number;
  /** The target response came from the cache. */
  cached: boolean;
  /** Calls that went to the network (target + judge), retries included. */
  liveCalls: number;
}

export interface RunSummary {
  resultsPath: string;
  runs: number;
  pass: number;
  fail: number;
  error: number;
  cache: { hits: number; misses: number };
  /** Network calls made (target + judge), retries included: 0 on a fully cached re-run. */
  liveCalls: number;
  throttled: number;
  retries: number;
  durationMs: number;
  /** Full-price cost of the suite (cached answers at the price they cost when fetched). */
  costUsd: number;
  /** Cost of the calls made by this run. */
  liveCostUsd: number;
}

export interface RunOptions {
  suite: LoadedSuite;
  target: Target;
  judge?: Judge;
  cache: CacheStore;
  resultsPath: string;
  logger: Logger;
  shard?: { index: number; count: number };
  concurrency?: number;
  labels?: Record<string, string>;
  /** Without a terminal, a progress line every this many ms (default 5 s); on a terminal a live bar. */
  progressEveryMs?: number;
}

/** Deterministic per-case metrics from a target response. */
export function scoreResponse(
  c: EvalCase,
  r: TargetResponse,
  suite: LoadedSuite,
): Partial<Record<MetricName, number | null>> {
  const wanted = suite.config.metrics;
  const k = suite.config.retrieval.k;
  const ret = retrievalScores(r.sources, c.relevant_sources, k);
  const ref = c.reference;
  const all: Partial<Record<MetricName, number | null>> = {
    'hit@k': ret.hit,
    'recall@k': ret.recall,
    'precision@k': ret.precision,
    mrr: ret.mrr,
    'ndcg@k': ret.ndcg,
    exact_match: ref ? exactMatch(r.answer, ref) : null,
    normalized_match: ref ? normalizedMatch(r.answer, ref) : null,
    contains: c.must_contain.length ? containsAll(r.answer, c.must_contain) : null,
    regex: c.must_match !== undefined ? regexMatch(r.answer, c.must_match) : null,
    token_f1: ref ? tokenF1(r.answer, ref) : null,
    rouge_l: ref ? rougeL(r.answer, ref) : null,
  };
  const out: Partial<Record<MetricName, number | null>> = {};
  for (const name of Object.keys(wanted) as MetricName[])
    if (!JUDGE_METRICS.includes(name as JudgeMetric)) out[name] = all[name] ?? null;
  return out;
}

/** Runs every case (× repeats) of the suite's shard, streaming one JSON line per run. */
export async function runSuite(options: RunOptions): Promise<RunSummary> {
  const { suite, target, judge, cache, logger } = options;
  const cfg = suite.config;
  const shard = options.shard ?? { index: 1, count: 1 };
  const concurrency = options.concurrency ?? cfg.run.concurrency;
  const started = performance.now();
  const { write, close } = jsonLinesWriter(options.resultsPath);
  const meta: ResultsMeta = {
    type: 'meta',
    suite: cfg.name,
    suiteHash: suite.suiteHash,
    configHash: suite.configHash,
    shard,
    target: target.label,
    k: cfg.retrieval.k,
    repeats: cfg.run.repeats,
    minPasses: cfg.run.min_passes,
    startedAt: new Date().toISOString(),
    labels: options.labels ?? {},
  };
  await write(meta);

  const targetLimiter = new AdaptiveLimiter(concurrency);
  const judgeLimiter = new AdaptiveLimiter(concurrency);
  const retry = { maxRetries: cfg.run.max_retries, maxBackoffMs: cfg.run.max_backoff_ms };
  const summary: RunSummary = {
    resultsPath: options.resultsPath,
    runs: 0,
    pass: 0,
    fail: 0,
    error: 0,
    cache: { hits: 0, misses: 0 },
    liveCalls: 0,
    throttled: 0,
    retries: 0,
    durationMs: 0,
    costUsd: 0,
    liveCostUsd: 0,
  };
  const judgeMetrics = JUDGE_METRICS.filter((m) => cfg.metrics[m]);

  async function* jobs(): AsyncGenerator<{ c: EvalCase; repeat: number }> {
    for await (const c of readCases(suite.casesPath)) {
      if (!inShard(c.id, shard)) continue;
      for (let repeat = 0; repeat < cfg.run.repeats; repeat++) yield { c, repeat };
    }
  }

  async function runOne(c: EvalCase, repeat: number): Promise<RunRecord> {
    const record: RunRecord = {
      type: 'run',
      id: c.id,
      caseHash: caseHash(c),
      repeat,
      tags: c.tags,
      outcome: 'error',
      metrics: {},
      failed: [],
      latencyMs: 0,
      promptTokens: 0,
      completionTokens: 0,
      costUsd: 0,
      liveCostUsd: 0,
      cached: false,
      liveCalls: 0,
    };
    // The repeat index is in the key: each repeat is a fresh sample, not the first one replayed (promptfoo#360).
    const tKey = cacheKey({
      kind: 'target',
      target: target.identity,
      question: c.question,
      vars: c.vars,
      id: c.id,
      repeat,
    });
    let response: TargetResponse;
    // Without a version identity an answer cannot be tied to the app that gave it: never reused.
    const hit = target.reusable ? await cache.get(tKey) : undefined;
    if (hit !== undefined) {
      const saved = JSON.parse(hit) as { response: TargetResponse; latencyMs: number };
      response = saved.response;
      record.latencyMs = saved.latencyMs;
      record.cached = true;
      summary.cache.hits++;
    } else {
      summary.cache.misses++;
      let attemptMs = 0;
      try {
        const r = await targetLimiter.run(async () => {
          record.liveCalls++;
          const t0 = performance.now();
          const v = await target.call(c);
          attemptMs = performance.now() - t0;
          return v;
        }, retry);
        response = r.value;
      } catch (err) {
        record.error = `target: ${errorMessage(err)}`;
        return record;
      }
      record.latencyMs = Math.round(attemptMs);
      record.liveCostUsd += response.costUsd;
      if (target.reusable) await cache.put(tKey, JSON.stringify({ response, latencyMs: record.latencyMs }));
    }
    record.answer = response.answer;
    record.sources = response.sources;
    record.promptTokens = response.promptTokens;
    record.completionTokens = response.completionTokens;
    record.costUsd = response.costUsd;
    record.metrics = scoreResponse(c, response, suite);

    if (judge) {
      for (const metric of judgeMetrics) {
        const input = { question: c.question, answer: response.answer, contexts: response.contexts };
        const jKey = cacheKey({ kind: 'judge', metric, params: judge.params, ...input, repeat });
        const jHit = await cache.get(jKey);
        let score: number;
        if (jHit !== undefined) {
          const saved = JSON.parse(jHit) as {
            score: number;
            promptTokens?: number;
            completionTokens?: number;
            costUsd?: number;
          };
          score = saved.score;
          // Full price counts the judge call a cached verdict once cost (live cost: nothing).
          record.promptTokens += saved.promptTokens ?? 0;
          record.completionTokens += saved.completionTokens ?? 0;
          record.costUsd += saved.costUsd ?? 0;
          summary.cache.hits++;
        } else {
          summary.cache.misses++;
          try {
            const r = await judgeLimiter.run(() => {
              record.liveCalls++;
              return judge.rate(metric, input);
            }, retry);
            score = r.value.verdict.score;
            record.promptTokens += r.value.promptTokens;
            record.completionTokens += r.value.completionTokens;
            record.costUsd += r.value.costUsd;
            record.liveCostUsd += r.value.costUsd;
            await cache.put(
              jKey,
              JSON.stringify({
                score,
                reason: r.value.verdict.reason,
                promptTokens: r.value.promptTokens,
                completionTokens: r.value.completionTokens,
                costUsd: r.value.costUsd,
              }),
            );
          } catch (err) {
            // The judge's failure is this metric's error: the case's deterministic metrics stand.
            const reason = `${err instanceof JudgeOutputError ? 'judge output' : 'judge'} (${metric}): ${errorMessage(err)}`;
            record.error = record.error ? `${record.error}; ${reason}` : reason;
            record.metricErrors = [...(record.metricErrors ?? []), metric];
            record.metrics[metric] = null;
            continue;
          }
        }
        record.metrics[metric] = score;
      }
    }
    const asserts = [...cfg.assert, ...c.assert];
    if (asserts.length) {
      const rubric = judge
        ? async (text: string) => {
            const input = { question: c.question, answer: response.answer, contexts: [], rubric: text };
            const key = cacheKey({
              kind: 'judge',
              metric: 'llm-rubric',
              params: judge.params,
              ...input,
              repeat,
            });
            const saved = await cache.get(key);
            if (saved !== undefined) {
              const v = JSON.parse(saved) as { score: number; reason: string; costUsd?: number };
              record.costUsd += v.costUsd ?? 0;
              summary.cache.hits++;
              return v;
            }
            summary.cache.misses++;
            const r = await judgeLimiter.run(() => {
              record.liveCalls++;
              return judge.rate('llm-rubric', input);
            }, retry);
            record.promptTokens += r.value.promptTokens;
            record.completionTokens += r.value.completionTokens;
            record.costUsd += r.value.costUsd;
            record.liveCostUsd += r.value.costUsd;
            const v = { ...r.value.verdict, costUsd: r.value.costUsd };
            await cache.put(key, JSON.stringify(v));
            return v;
          }
        : undefined;
      record.assertions = [];
      for (const a of asserts) {
        const r = await evaluateAssertion(a, {
          output: response.answer,
          sources: response.sources,
          latencyMs: record.latencyMs,
          costUsd: record.costUsd,
          case: c,
          suitePath: suite.path,
          rubric,
        });
        record.assertions.push(r);
        if (r.error) {
          const reason = `assert ${a.type}: ${r.error}`;
          record.error = record.error ? `${record.error}; ${reason}` : reason;
          record.metricErrors = [...(record.metricErrors ?? []), `assert:${a.type}`];
        } else if (!r.pass && !record.failed.includes(`assert:${a.type}`))
          record.failed.push(`assert:${a.type}`);
      }
    }
    for (const [name, spec] of Object.entries(cfg.metrics)) {
      const v = record.metrics[name as MetricName];
      if (spec.case_min !== undefined && v !== null && v !== undefined && v < spec.case_min)
        record.failed.push(name);
    }
    // A deterministic failure decides the case; otherwise an errored judge metric leaves it open.
    record.outcome = record.failed.length ? 'fail' : record.metricErrors ? 'error' : 'pass';
    return record;
  }

  let total = 0;
  for await (const c of readCases(suite.casesPath)) if (inShard(c.id, shard)) total += cfg.run.repeats;
  const progress = new Progress({
    total,
    logger,
    counts: summary,
    label: options.labels?.side === 'baseline' ? 'eval baseline' : 'eval',
    everyMs: options.progressEveryMs,
  });
  const source = jobs();
  const worker = async () => {
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      const { c, repeat } = next.value;
      const record = await runOne(c, repeat);
      summary.runs++;
      summary[record.outcome]++;
      summary.liveCalls += record.liveCalls;
      summary.costUsd += record.costUsd;
      summary.liveCostUsd += record.liveCostUsd;
      await write(record);
      progress.tick();
    }
  };
  progress.start();
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    progress.stop();
    await close();
  }
  summary.throttled = targetLimiter.stats.throttled + judgeLimiter.stats.throttled;
  summary.retries = targetLimiter.stats.retries + judgeLimiter.stats.retries;
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}
