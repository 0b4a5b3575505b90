import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { describeIssue } from '../config/issues.js';
import { ConfigError } from '../core/errors.js';
import { assertionSchema } from './assertions.js';

/**
 * The suite file (YAML) and its cases (JSONL). Every validation error names the file, the
 * line and the key, e.g. `eval/app.suite.yaml:12 metrics.hit@k.case_min: expected number`.
 */

export const RETRIEVAL_METRICS = ['hit@k', 'recall@k', 'precision@k', 'mrr', 'ndcg@k'] as const;
export const ANSWER_METRICS = [
  'exact_match',
  'normalized_match',
  'contains',
  'regex',
  'token_f1',
  'rouge_l',
] as const;
export const JUDGE_METRICS = ['faithfulness', 'answer_relevance'] as const;
export const METRIC_NAMES = [...RETRIEVAL_METRICS, ...ANSWER_METRICS, ...JUDGE_METRICS] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

const metricSpec = z
  .object({
    /** A case fails when its value is below this. */
    case_min: z.number().min(0).max(1).optional(),
    /** The gate fails when the suite mean is below this. */
    suite_min: z.number().min(0).max(1).optional(),
  })
  .strict();

const responseMap = z
  .object({
    answer: z.string().default('answer'),
    sources: z.string().default('sources'),
    /** When sources are objects: the field holding the id (and the optional text). */
    source_id: z.string().default('id'),
    source_text: z.string().default('text'),
    prompt_tokens: z.string().default('usage.prompt_tokens'),
    completion_tokens: z.string().default('usage.completion_tokens'),
    cost_usd: z.string().default('cost_usd'),
  })
  .strict();

const httpTarget = z
  .object({
    type: z.literal('http'),
    url: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
    method: z.enum(['POST', 'GET', 'PUT']).default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
    /** JSON body; "{{question}}", "{{id}}", "{{vars.NAME}}" are filled from the case. */
    body: z.unknown().default({ question: '{{question}}' }),
    timeout_ms: z.number().int().min(100).max(600_000).default(60_000),
    /** Part of the cache key: the app version (git sha, image digest). Never reuse answers across versions. */
    identity: z.string().default(''),
    response: responseMap.default(responseMap.parse({})),
  })
  .strict();

const moduleTarget = z
  .object({
    type: z.literal('module'),
    /** A JS module (relative to the suite file) exporting `async (case) => ({ answer, sources, … })`. */
    path: z.string().min(1),
    export: z.string().default('default'),
    identity: z.string().default(''),
    timeout_ms: z.number().int().min(100).max(600_000).default(60_000),
  })
  .strict();

export const suiteSchema = z
  .object({
    version: z.literal(1).default(1),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (max 64)'),
    description: z.string().default(''),
    cases: z.string().min(1),
    target: z.discriminatedUnion('type', [httpTarget, moduleTarget]),
    retrieval: z
      .object({ k: z.number().int().min(1).max(1000).default(5) })
      .strict()
      .default({ k: 5 }),
    metrics: z
      .partialRecord(z.enum(METRIC_NAMES), metricSpec)
      .refine((m) => Object.keys(m).length > 0, 'name at least one metric'),
    /** Assertions applied to every case (cases add their own under `assert:`). */
    assert: z.array(assertionSchema).default([]),
    judge: z
      .object({
        base_url: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
        model: z.string().min(1),
        api_key_env: z.string().default('OPENAI_API_KEY'),
        temperature: z.number().min(0).max(2).default(0),
        max_tokens: z.number().int().min(16).max(4096).default(300),
        /** USD per 1M tokens, for the cost column. */
        price_input_per_mtok: z.number().min(0).default(0),
        price_output_per_mtok: z.number().min(0).default(0),
        timeout_ms: z.number().int().min(100).max(600_000).default(60_000),
      })
      .strict()
      .optional(),
    run: z
      .object({
        concurrency: z.number().int().min(1).max(256).default(4),
        max_retries: z.number().int().min(0).max(20).default(5),
        /** Ceiling for one back-off wait (Retry-After above it is capped). */
        max_backoff_ms: z.number().int().min(0).max(600_000).default(30_000),
        repeats: z.number().int().min(1).max(20).default(1),
        /** k-of-n: a case passes when at least this many repeats pass. */
        min_passes: z.number().int().min(1).max(20).default(1),
      })
      .strict()
      .default({ concurrency: 4, max_retries: 5, max_backoff_ms: 30_000, repeats: 1, min_passes: 1 }),
    gate: z
      .object({
        alpha: z.number().gt(0).lt(1).default(0.05),
        /** A significant drop smaller than this (absolute, on a 0–1 scale) does not fail. */
        margin: z.number().min(0).max(1).default(0.02),
        min_pass_rate: z.number().min(0).max(1).default(0),
        /** Errored cases / cases; above it the run fails whatever the scores. */
        max_error_rate: z.number().min(0).max(1).default(0.05),
        max_cost_usd: z.number().min(0).optional(),
        max_cost_increase_pct: z.number().min(0).optional(),
        /** Resamples for the bootstrap interval (the interval only; p-values come from exact tests). */
        bootstrap_samples: z.number().int().min(100).max(100_000).default(2000),
        /** Random sign patterns when a metric has more than 30 changed cases (exact below). */
        permutation_samples: z.number().int().min(1000).max(1_000_000).default(10_000),
        /** Fewer changed cases than this: "not enough evidence", never "regressed" by significance. */
        min_nonzero_pairs: z.number().int().min(1).max(1000).default(6),
        seed: z.number().int().default(1),
      })
      .strict()
      .default({
        alpha: 0.05,
        margin: 0.02,
        min_pass_rate: 0,
        max_error_rate: 0.05,
        bootstrap_samples: 2000,
        permutation_samples: 10_000,
        min_nonzero_pairs: 6,
        seed: 1,
      }),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.run.min_passes > s.run.repeats) {
      ctx.addIssue({
        code: 'custom',
        path: ['run', 'min_passes'],
        message: `is ${s.run.min_passes} but run.repeats is ${s.run.repeats}`,
      });
    }
    s.assert.forEach((a, i) => {
      if (a.type === 'llm-rubric' && !s.judge)
        ctx.addIssue({ code: 'custom', path: ['assert', i], message: 'llm-rubric needs a `judge:` section' });
    });
    for (const m of JUDGE_METRICS) {
      if (s.metrics[m] && !s.judge)
        ctx.addIssue({ code: 'custom', path: ['metrics', m], message: 'needs a `judge:` section' });
    }
  });

export type SuiteConfig = z.infer<typeof suiteSchema>;

export const caseSchema = z
  .object({
    /** Stable id (letters, digits, `. _ : / # -`, max 128, unique in the file): pairs the case with main's. */
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}$/, 'letters, digits and . _ : / # - (max 128)'),
    /** The question, filled into the target's body as `{{question}}`. */
    question: z.string().min(1),
    /** The expected answer (exact and normalized match, token F1, ROUGE-L). */
    reference: z.string().default(''),
    /** Source ids the retriever should return (hit@k, recall@k, precision@k, MRR, nDCG@k). */
    relevant_sources: z.array(z.string().min(1)).default([]),
    /** Grouping in the report only: not part of the case's content hash. */
    tags: z.array(z.string()).default([]),
    /** Substrings the answer must contain (the `contains` metric). */
    must_contain: z.array(z.string().min(1)).default([]),
    /** A regular expression the answer must match, case-insensitive (the `regex` metric). */
    must_match: z.string().optional(),
    /** Extra template values for the target's body, `{{vars.NAME}}`. */
    vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    /** Assertions for this case (added to the suite's). */
    assert: z.array(assertionSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.must_match !== undefined) {
      try {
        new RegExp(c.must_match, 'iu');
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['must_match'],
          message: `is not a valid regular expression: ${(err as Error).message}`,
        });
      }
    }
  });

export type EvalCase = z.infer<typeof caseSchema>;

export interface LoadedSuite {
  config: SuiteConfig;
  /** Absolute path of the suite file. */
  path: string;
  /** Absolute path of the cases file. */
  casesPath: string;
  /** sha256 of the cases file bytes. */
  suiteHash: string;
  /** sha256 of everything in the config that changes results (not URLs, identity or concurrency). */
  configHash: string;
}

export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

/** `${VAR}` and `${VAR:-default}` in string values, from the given environment. */
export function interpolateEnv(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_m, name: string, fallback?: string) => {
        const v = env[name];
        return v !== undefined && v !== '' ? v : (fallback ?? '');
      },
    );
  }
  if (Array.isArray(value)) return value.map((v) => interpolateEnv(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env)]));
  }
  return value;
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with sorted keys: the same config always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function configHashOf(config: SuiteConfig): string {
  const { target, judge, run } = config;
  const targetPart =
    target.type === 'http'
      ? { type: target.type, method: target.method, body: target.body, response: target.response }
      : { type: target.type, path: target.path, export: target.export };
  return sha256(
    canonicalJson({
      target: targetPart,
      retrieval: config.retrieval,
      metrics: config.metrics,
      assert: config.assert,
      judge: judge
        ? { model: judge.model, temperature: judge.temperature, max_tokens: judge.max_tokens }
        : null,
      repeats: run.repeats,
      min_passes: run.min_passes,
    }),
  );
}

/** Parses suite YAML text; `file` is used in messages and to resolve the cases path. */
export function parseSuite(
  text: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
): LoadedSuite {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new ConfigError(
      `${file}${line ? `:${line}` : ''}`,
      `is not valid YAML: ${e.message.split('\n')[0]}`,
      'fix the YAML syntax',
    );
  }
  const raw = interpolateEnv(doc.toJS(), env);
  const result = suiteSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.slice(0, 10).map((issue) => {
      // Point at the deepest key that exists in the file.
      let line: number | undefined;
      for (let n = issue.path.length; n >= 0 && line === undefined; n--) {
        const node = doc.getIn(issue.path.slice(0, n) as Array<string | number>, true) as
          | { range?: [number, number, number] }
          | undefined;
        if (node?.range) line = lineCounter.linePos(node.range[0]).line;
        else if (n > 0) {
          // a map key that exists: look at the pair's key
          const parent = doc.getIn(issue.path.slice(0, n - 1) as Array<string | number>, true) as
            | { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> }
            | undefined;
          const pair = parent?.items?.find((p) => p.key?.value === issue.path[n - 1]);
          if (pair?.key?.range) line = lineCounter.linePos(pair.key.range[0]).line;
        }
      }
      const d = describeIssue(suiteSchema, issue, raw, 'docs/guides/eval-gate.md')[0]!;
      return `${file}:${line ?? 1} ${d.path}: ${d.problem} — ${d.fix}`;
    });
    throw new ConfigError(
      lines[0]!.split(' ')[0]!,
      `${lines.length > 1 ? `${lines.length} problems:\n` : ''}${lines.join('\n')}`,
      'see docs/guides/eval-gate.md for the suite format',
    );
  }
  const config = result.data;
  const path = resolve(file);
  const casesPath = resolve(dirname(path), config.cases);
  let casesBytes: Buffer;
  try {
    casesBytes = readFileSync(casesPath);
  } catch (err) {
    throw new ConfigError(
      `${file} cases`,
      `cannot read ${casesPath}: ${(err as Error).message}`,
      'give the cases file path relative to the suite file',
    );
  }
  return { config, path, casesPath, suiteHash: sha256(casesBytes), configHash: configHashOf(config) };
}

export function loadSuite(file: string, env: Record<string, string | undefined> = process.env): LoadedSuite {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      file,
      `cannot be read: ${(err as Error).message}`,
      'give the path of a suite YAML file',
    );
  }
  return parseSuite(text, file, env);
}

/** Validates one JSONL line; errors name the file, line and key. */
export function parseCaseLine(line: string, file: string, lineNo: number): EvalCase {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new ConfigError(
      `${file}:${lineNo}`,
      `is not valid JSON: ${(err as Error).message}`,
      'one JSON object per line',
    );
  }
  const result = caseSchema.safeParse(raw);
  if (!result.success) {
    const d = describeIssue(caseSchema, result.error.issues[0]!, raw, 'docs/guides/eval-gate.md')[0]!;
    const id = (raw as { id?: unknown })?.id;
    throw new ConfigError(
      `${file}:${lineNo} ${d.path}`,
      `${d.problem}${typeof id === 'string' ? ` (case ${id})` : ''}`,
      d.fix,
    );
  }
  return result.data;
}

/**
 * Streams the cases file line by line (memory does not grow with the file); duplicate ids fail.
 * Blank lines and lines starting with // are skipped.
 */
export async function* readCases(path: string, label = path): AsyncGenerator<EvalCase & { line: number }> {
  const seen = new Map<string, number>();
  let lineNo = 0;
  for await (const line of fileLines(path)) {
    lineNo++;
    const t = line.trim();
    if (!t || t.startsWith('//')) continue;
    const c = parseCaseLine(t, label, lineNo);
    const prev = seen.get(c.id);
    if (prev !== undefined)
      throw new ConfigError(
        `${label}:${lineNo} id`,
        `${JSON.stringify(c.id)} repeats the id on line ${prev}`,
        'give every case a unique id',
      );
    seen.set(c.id, lineNo);
    yield { ...c, line: lineNo };
  }
}

/** Validates every case before anything runs; returns the count. */
export async function validateCases(path: string, label = path): Promise<number> {
  let n = 0;
  for await (const _ of readCases(path, label)) n++;
  if (n === 0) throw new ConfigError(label, 'has no cases', 'add one JSON object per line');
  return n;
}

/**
 * The content of a case that can change its result (tags and line number excluded): a
 * baseline case is compared only with a head case of the same id AND the same content hash.
 */
export function caseHash(c: EvalCase): string {
  const { tags: _tags, line: _line, ...content } = c as EvalCase & { line?: number };
  return sha256(canonicalJson(content)).slice(0, 16);
}

/** Stable shard membership by id hash, so adding a case does not reshuffle the others. */
export function inShard(id: string, shard: { index: number; count: number }): boolean {
  if (shard.count <= 1) return true;
  return Number.parseInt(sha256(id).slice(0, 8), 16) % shard.count === shard.index - 1;
}

/** Parses "i/n" (1-based). */
export function parseShard(text: string | undefined, where = 'shard'): { index: number; count: number } {
  if (!text) return { index: 1, count: 1 };
  const m = /^([0-9]{1,4})\/([0-9]{1,4})$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new ConfigError(
      where,
      `${JSON.stringify(text)} is not i/n with 1 ≤ i ≤ n`,
      'e.g. 2/4 for the second of four shards',
    );
  }
  return { index, count };
}

/**
 * Lines of a text file with real back-pressure: nothing is read ahead beyond one 64 KiB chunk
 * while the consumer is busy (readline's async iterator buffers every line of the file when
 * the consumer is slower than the disk).
 */
export async function* fileLines(path: string): AsyncGenerator<string> {
  const { createReadStream } = await import('node:fs');
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    const parts = (rest + (chunk as string)).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) yield line.endsWith('\r') ? line.slice(0, -1) : line;
  }
  if (rest) yield rest;
}
