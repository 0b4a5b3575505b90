import { ConfigError } from '../core/errors.js';
import { jsonLinesWriter } from './jsonl-writer.js';
import type { Outcome, ResultsMeta, RunRecord } from './runner.js';
import { fileLines, type MetricName } from './suite.js';

/** One case over its repeats: passes when at least `minPasses` repeats passed (k-of-n). */
export interface CaseSummary {
  id: string;
  /** Content hash of the case (absent in files written before it was recorded). */
  caseHash?: string;
  tags: string[];
  outcome: Outcome;
  passes: number;
  runs: number;
  errors: number;
  /** Mean over the repeats that did not error; null when none or not applicable. */
  metrics: Partial<Record<MetricName, number | null>>;
  failed: string[];
  error?: string;
  latencyMs: number;
  costUsd: number;
  tokens: number;
}

export interface ResultSet {
  meta: ResultsMeta;
  cases: Map<string, CaseSummary>;
  runs: number;
  /** Full price (cached answers at what they cost when fetched): what cost gates compare. */
  costUsd: number;
  /** What this run paid. */
  liveCostUsd: number;
  promptTokens: number;
  completionTokens: number;
  /** Live (not cached) run latencies, for p50/p95. */
  latencies: number[];
  cachedRuns: number;
}

export async function* readLines(path: string): AsyncGenerator<{ line: number; value: unknown }> {
  let n = 0;
  for await (const text of fileLines(path)) {
    n++;
    if (!text.trim()) continue;
    try {
      yield { line: n, value: JSON.parse(text) };
    } catch (err) {
      throw new ConfigError(
        `${path}:${n}`,
        `is not a JSON line: ${(err as Error).message}`,
        'results files are written by `ragship eval`; do not edit them',
      );
    }
  }
}

/** Streams a results file into per-case summaries (answers are not kept in memory). */
export async function loadResults(path: string): Promise<ResultSet> {
  let meta: ResultsMeta | undefined;
  const acc = new Map<
    string,
    { s: CaseSummary; sums: Map<string, { sum: number; n: number }>; okRuns: number }
  >();
  const set = {
    runs: 0,
    costUsd: 0,
    liveCostUsd: 0,
    promptTokens: 0,
    completionTokens: 0,
    latencies: [] as number[],
    cachedRuns: 0,
  };
  try {
    for await (const { line, value } of readLines(path)) {
      const v = value as { type?: string };
      if (v.type === 'meta') {
        if (meta)
          throw new ConfigError(
            `${path}:${line}`,
            'has a second meta line',
            'merge shard files with `ragship eval merge`',
          );
        meta = value as ResultsMeta;
        continue;
      }
      if (v.type !== 'run') continue;
      const r = value as RunRecord;
      set.runs++;
      set.costUsd += r.costUsd;
      // files written before the split: a cached run cost nothing live
      set.liveCostUsd += r.liveCostUsd ?? (r.cached ? 0 : r.costUsd);
      set.promptTokens += r.promptTokens;
      set.completionTokens += r.completionTokens;
      if (r.cached) set.cachedRuns++;
      else if (r.outcome !== 'error') set.latencies.push(r.latencyMs);
      let a = acc.get(r.id);
      if (!a) {
        a = {
          s: {
            id: r.id,
            ...(r.caseHash ? { caseHash: r.caseHash } : {}),
            tags: r.tags,
            outcome: 'error',
            passes: 0,
            runs: 0,
            errors: 0,
            metrics: {},
            failed: [],
            latencyMs: 0,
            costUsd: 0,
            tokens: 0,
          },
          sums: new Map(),
          okRuns: 0,
        };
        acc.set(r.id, a);
      }
      const s = a.s;
      s.runs++;
      s.costUsd += r.costUsd;
      s.tokens += r.promptTokens + r.completionTokens;
      const addMetrics = () => {
        for (const [name, val] of Object.entries(r.metrics)) {
          const m = a!.sums.get(name) ?? { sum: 0, n: 0 };
          if (val !== null && val !== undefined) {
            m.sum += val;
            m.n++;
          }
          a!.sums.set(name, m);
        }
      };
      if (r.outcome === 'error') {
        s.errors++;
        s.error ??= r.error;
        // a judge error keeps the run's deterministic metrics (a target error has none)
        addMetrics();
        continue;
      }
      if (r.outcome === 'pass') s.passes++;
      for (const f of r.failed) if (!s.failed.includes(f)) s.failed.push(f);
      a.okRuns++;
      s.latencyMs += (r.latencyMs - s.latencyMs) / a.okRuns;
      addMetrics();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ConfigError(path, 'does not exist', 'run `ragship eval` first');
    throw err;
  }
  if (!meta) throw new ConfigError(path, 'has no meta line', 'results files are written by `ragship eval`');
  const cases = new Map<string, CaseSummary>();
  for (const [id, a] of acc) {
    const s = a.s;
    for (const [name, m] of a.sums) s.metrics[name as MetricName] = m.n ? m.sum / m.n : null;
    // Errors that could have changed a fail into a pass leave the case undetermined: an error.
    if (s.passes >= meta.minPasses) s.outcome = 'pass';
    else if (a.okRuns === 0 || s.passes + s.errors >= meta.minPasses) s.outcome = 'error';
    else s.outcome = 'fail';
    cases.set(id, s);
  }
  return { meta, cases, ...set };
}

/** The recorded runs of some case ids (answers, sources) — a second streaming pass for the report. */
export async function runsFor(path: string, ids: ReadonlySet<string>): Promise<Map<string, RunRecord>> {
  const out = new Map<string, RunRecord>();
  if (ids.size === 0) return out;
  for await (const { value } of readLines(path)) {
    const r = value as RunRecord;
    if (r.type === 'run' && ids.has(r.id) && !out.has(r.id)) out.set(r.id, r);
  }
  return out;
}

/**
 * Merges shard files (`shard: i/n` from a matrix) into one results file. Fails when shards
 * come from different suites/configs, when one is missing or repeated, or when a run repeats.
 */
export async function mergeResults(
  paths: readonly string[],
  outPath: string,
): Promise<{ runs: number; shards: number }> {
  if (paths.length === 0)
    throw new ConfigError('merge', 'no shard files given', 'pass every shard results file');
  const metas: Array<{ path: string; meta: ResultsMeta }> = [];
  for (const path of paths) {
    for await (const { value } of readLines(path)) {
      if ((value as { type?: string }).type !== 'meta')
        throw new ConfigError(
          path,
          'does not start with a meta line',
          'pass results files written by `ragship eval`',
        );
      metas.push({ path, meta: value as ResultsMeta });
      break;
    }
  }
  const first = metas[0]!.meta;
  const seen = new Set<number>();
  for (const { path, meta } of metas) {
    if (meta.suiteHash !== first.suiteHash || meta.configHash !== first.configHash) {
      throw new ConfigError(
        path,
        `comes from another suite or config (${meta.suiteHash.slice(0, 8)}/${meta.configHash.slice(0, 8)} vs ${first.suiteHash.slice(0, 8)}/${first.configHash.slice(0, 8)})`,
        'merge shards of one run only',
      );
    }
    if (meta.shard.count !== first.shard.count)
      throw new ConfigError(
        path,
        `is shard ${meta.shard.index}/${meta.shard.count}, others are of ${first.shard.count}`,
        'merge shards of one run only',
      );
    if (seen.has(meta.shard.index))
      throw new ConfigError(
        path,
        `repeats shard ${meta.shard.index}/${meta.shard.count}`,
        'pass each shard once',
      );
    seen.add(meta.shard.index);
  }
  const missing = Array.from({ length: first.shard.count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length)
    throw new ConfigError(
      'merge',
      `shard(s) ${missing.map((i) => `${i}/${first.shard.count}`).join(', ')} missing`,
      'wait for every matrix job and pass all shard files',
    );

  const { write, close } = jsonLinesWriter(outPath);
  await write({
    ...first,
    shard: { index: 1, count: 1 },
    labels: { ...first.labels, mergedFrom: String(paths.length) },
  });
  const runKeys = new Set<string>();
  let runs = 0;
  for (const path of paths) {
    for await (const { line, value } of readLines(path)) {
      const r = value as RunRecord;
      if (r.type !== 'run') continue;
      const key = `${r.id}\u0000${r.repeat}`;
      if (runKeys.has(key))
        throw new ConfigError(
          `${path}:${line}`,
          `case ${r.id} repeat ${r.repeat} is also in another shard`,
          'shards must not overlap',
        );
      runKeys.add(key);
      runs++;
      await write(r);
    }
  }
  await close();
  return { runs, shards: paths.length };
}
