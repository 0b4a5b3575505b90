import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { type BaselineStore, baselineArtifactName, baselineKey } from './baseline.js';
import type { CacheStore } from './cache.js';
import { type Comparison, compareResults } from './compare.js';
import { createJudge } from './judge.js';
import { renderJUnit, renderMarkdown } from './report.js';
import { renderHtml } from './report-html.js';
import { loadResults, runsFor } from './results.js';
import { type RunSummary, runSuite } from './runner.js';
import { loadSuite, validateCases } from './suite.js';
import { createTarget } from './target.js';

export interface EvalGateInputs {
  suitePath: string;
  /** Folder for results-*.jsonl, report.md/json, junit.xml. */
  outDir: string;
  shard?: { index: number; count: number };
  /** Override of the suite's target URL (http targets). */
  targetUrl?: string;
  /** The version under test (head sha): the baseline key, and the target identity unless `identity` is given. */
  headSha: string;
  /**
   * The target's version in the response cache key (`--identity`), added to the suite's
   * `identity:`. Defaults to `headSha`, except the CLI's placeholder "local" (no version known):
   * then only the suite's `identity:` counts, and with none, target answers are not reused.
   */
  identity?: string;
  /** Main's sha to compare with (PR base); empty on main itself. */
  baseSha?: string;
  /** Store this run as the baseline for `headSha` (runs on main). */
  saveBaseline?: boolean;
  /** Results file of a baseline evaluated elsewhere (e.g. the merge-base). */
  baselineResults?: string;
  /** When no stored baseline exists: an app of the merge-base to evaluate now. */
  baselineUrl?: string;
  concurrency?: number;
  judgeApiKey?: string;
  runUrl?: string;
  /** Artifact name the workflow uploads report.html under; the report links to it. */
  reportArtifact?: string;
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

export interface EvalGatePorts {
  logger: Logger;
  cache: CacheStore;
  baselines: BaselineStore;
}

export interface EvalGateResult {
  comparison: Comparison;
  run: RunSummary;
  markdown: string;
  reportPath: string;
  /** Self-contained HTML report (main vs PR answers side by side, a chart of the changes). */
  htmlPath: string;
  jsonPath: string;
  junitPath: string;
  resultsPath: string;
  baselineSource: string;
  /** With saveBaseline: the artifact name to upload `resultsPath` under (durable baseline). */
  baselineArtifact?: string;
  passed: boolean;
  regressions: number;
}

/** Runs the suite on the head, finds main's baseline, compares paired by case, writes the reports. */
export async function runEvalGate(inputs: EvalGateInputs, ports: EvalGatePorts): Promise<EvalGateResult> {
  const { logger } = ports;
  const env = inputs.env ?? process.env;
  if (
    inputs.concurrency !== undefined &&
    !(Number.isInteger(inputs.concurrency) && inputs.concurrency >= 1 && inputs.concurrency <= 256)
  )
    throw new ConfigError(
      '--concurrency (input concurrency)',
      `${JSON.stringify(String(inputs.concurrency))} is not a whole number from 1 to 256`,
      "e.g. --concurrency 8, or leave it out for the suite's run.concurrency",
    );
  const suite = loadSuite(inputs.suitePath, env);
  const outDir = resolve(inputs.outDir);
  const count = await validateCases(suite.casesPath, inputs.suitePath.replace(/[^/]+$/, suite.config.cases));
  logger.info(
    `suite ${suite.config.name}: ${count} cases, suite ${suite.suiteHash.slice(0, 12)}, config ${suite.configHash.slice(0, 12)}`,
  );
  const judge = suite.config.judge
    ? createJudge(suite.config.judge, inputs.judgeApiKey ?? env[suite.config.judge.api_key_env], inputs.fetch)
    : undefined;

  const headTarget = await createTarget(suite, {
    url: inputs.targetUrl,
    identity: inputs.identity ?? (inputs.headSha === 'local' ? undefined : inputs.headSha),
    fetch: inputs.fetch,
  });
  if (!headTarget.reusable)
    logger.warn(
      'no target identity (suite `identity:`, --identity or a git sha): every case calls the target, no cached answer is reused',
    );
  await headTarget.preflight?.();
  const resultsPath = join(
    outDir,
    inputs.shard && inputs.shard.count > 1
      ? `results-head-${inputs.shard.index}-of-${inputs.shard.count}.jsonl`
      : 'results-head.jsonl',
  );
  const run = await logger.group(`evaluate ${headTarget.label}`, () =>
    runSuite({
      suite,
      target: headTarget,
      judge,
      cache: ports.cache,
      resultsPath,
      logger,
      shard: inputs.shard,
      concurrency: inputs.concurrency,
      labels: { sha: inputs.headSha, side: 'head' },
    }),
  );
  logger.info(
    `${run.runs} runs: ${run.pass} pass, ${run.fail} fail, ${run.error} error; cache ${run.cache.hits}/${run.cache.hits + run.cache.misses}; ${run.liveCalls} live calls`,
  );

  let baselineArtifact: string | undefined;
  if (inputs.saveBaseline) {
    const key = baselineKey(suite.config.name, inputs.headSha, suite.configHash);
    baselineArtifact = baselineArtifactName(key);
    await ports.baselines.save(key, resultsPath);
    logger.info(`stored as the baseline ${key} (${ports.baselines.description})`);
  }

  let basePath = inputs.baselineResults;
  let baselineSource = basePath ? `results file ${basePath}` : 'none';
  if (!basePath && inputs.baseSha) {
    const key = baselineKey(suite.config.name, inputs.baseSha, suite.configHash);
    basePath = await ports.baselines.load(key);
    if (basePath) baselineSource = `main ${inputs.baseSha.slice(0, 7)} (stored ${key})`;
    else if (inputs.baselineUrl) {
      logger.info(`no stored baseline ${key}: evaluating the merge-base app at ${inputs.baselineUrl}`);
      const baseTarget = await createTarget(suite, {
        url: inputs.baselineUrl,
        identity: inputs.baseSha,
        fetch: inputs.fetch,
      });
      await baseTarget.preflight?.();
      basePath = join(outDir, 'results-base.jsonl');
      await logger.group(`evaluate baseline ${baseTarget.label}`, () =>
        runSuite({
          suite,
          target: baseTarget,
          judge,
          cache: ports.cache,
          resultsPath: basePath!,
          logger,
          concurrency: inputs.concurrency,
          labels: { sha: inputs.baseSha!, side: 'baseline' },
        }),
      );
      baselineSource = `merge-base ${inputs.baseSha.slice(0, 7)} evaluated now (${inputs.baselineUrl})`;
    } else {
      logger.warn(
        `no baseline stored for main ${inputs.baseSha.slice(0, 7)} (key ${key}) and no baseline URL: absolute thresholds only`,
      );
      baselineSource = `none stored for ${inputs.baseSha.slice(0, 7)}`;
    }
  }

  const head = await loadResults(resultsPath);
  const base = basePath ? await loadResults(basePath) : undefined;
  const comparison = compareResults(head, base, suite.config);
  const listed = new Set([...comparison.regressedCases, ...comparison.newErrors].slice(0, 30));
  const shown = new Set(
    [...comparison.regressedCases, ...comparison.newErrors, ...comparison.improvedCases].slice(0, 500),
  );
  const headShown = await runsFor(resultsPath, shown);
  const baseShown = basePath ? await runsFor(basePath, shown) : new Map();
  const markdown = renderMarkdown({
    comparison,
    run,
    headRuns: new Map([...headShown].filter(([id]) => listed.has(id))),
    baseRuns: new Map([...baseShown].filter(([id]) => listed.has(id))),
    baselineSource,
    savedAsBaseline: inputs.saveBaseline,
    runUrl: inputs.runUrl,
    reportArtifact: inputs.reportArtifact,
  });
  const reportPath = join(outDir, 'report.md');
  const jsonPath = join(outDir, 'report.json');
  const htmlPath = join(outDir, 'report.html');
  await writeFile(
    htmlPath,
    renderHtml({
      comparison,
      head,
      base,
      headRuns: headShown,
      baseRuns: baseShown,
      baselineSource,
      runUrl: inputs.runUrl,
    }),
  );
  const junitPath = join(outDir, 'junit.xml');
  await writeFile(reportPath, markdown);
  await writeFile(
    jsonPath,
    `${JSON.stringify({ suiteHash: suite.suiteHash, configHash: suite.configHash, headSha: inputs.headSha, baseSha: inputs.baseSha ?? null, baselineSource, run, ...comparison }, null, 2)}\n`,
  );
  await writeFile(junitPath, renderJUnit(suite.config.name, head.cases.values()));
  logger.info(`gate ${comparison.gate.headline}`);
  return {
    comparison,
    run,
    markdown,
    reportPath,
    htmlPath,
    jsonPath,
    junitPath,
    resultsPath,
    baselineSource,
    baselineArtifact,
    passed: comparison.gate.passed,
    regressions: comparison.regressedCases.length + comparison.newErrors.length,
  };
}
