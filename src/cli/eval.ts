import type { Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import { FolderBaselineStore } from '../eval/baseline.js';
import { FolderCache, NoCache } from '../eval/cache.js';
import { readEvalRun } from '../eval/inputs.js';
import { mergeResults } from '../eval/results.js';
import { alias, boolOption, cliReader } from './options.js';
import type { CliContext } from './program.js';

export function registerEval(program: Command, ctx: () => CliContext): void {
  const evalCmd = program
    .command('eval')
    .description('run an eval suite, compare with a baseline paired by case, and gate on real regressions')
    .argument('<suite>', 'suite YAML file, e.g. eval/example-app.suite.yaml')
    .option('--target-url <url>', "override the suite's target URL")
    .option('--out-dir <dir>', 'folder for results, report.md/json and junit.xml (default .ragship/eval)')
    .option('--cache-dir <dir>', 'response cache folder', '.ragship/eval-cache')
    .option('--no-cache', 'call the target and judge for every case')
    .option('--baselines-dir <dir>', 'folder of stored baselines', '.ragship/eval-baselines')
    .option('--sha <sha>', 'version under test (cache key, baseline key)', process.env.GITHUB_SHA ?? 'local')
    .option('--base-sha <sha>', 'compare with the stored baseline of this sha')
    .option('--baseline-results <results.jsonl>', 'compare with this results file')
    .option('--baseline-url <url>', 'evaluate this (merge-base) app as the baseline when none is stored')
    .option('--shard <i/n>', 'run only shard i of n')
    .option('--concurrency <n>', 'parallel target calls, 1 to 256 (default: the suite)')
    .option(
      '--identity <version>',
      "the target's version in the answer-cache key (default: --sha; with --sha local only the suite's identity:)",
    );
  boolOption(evalCmd, 'save-baseline', 'store this run as the baseline of --sha');
  // The first spelling of --baseline-results, before the flags took the eval-gate action's input
  // names. (`--out` is not kept: on `eval` it shadowed `eval merge --out`, which never parsed.)
  alias(evalCmd, 'baseline-results', '--baseline <results.jsonl>');
  evalCmd.action(async (suite: string, opts, cmd: Command) => {
    const identity = parseIdentity(opts.identity);
    const run = readEvalRun(cliReader(cmd), { outDir: '.ragship/eval', saveBaseline: false });
    const { logger, print } = ctx();
    const result = await (await import('../eval/gate.js')).runEvalGate(
      {
        suitePath: suite,
        ...run,
        headSha: opts.sha,
        baseSha: opts.baseSha,
        identity,
      },
      {
        logger,
        cache: opts.cache === false ? new NoCache() : new FolderCache(opts.cacheDir),
        baselines: new FolderBaselineStore(opts.baselinesDir),
      },
    );
    print(
      {
        passed: result.passed,
        regressions: result.regressions,
        headline: result.comparison.gate.headline,
        reportPath: result.reportPath,
        htmlPath: result.htmlPath,
        jsonPath: result.jsonPath,
        junitPath: result.junitPath,
        resultsPath: result.resultsPath,
        rows: result.comparison.rows,
        run: result.run,
      },
      result.markdown,
    );
    if (!result.passed) process.exitCode = 1;
  });
  evalCmd
    .command('merge')
    .description('merge shard results (ragship eval --shard i/n) into one results file')
    .argument('<shards...>', 'results files of every shard')
    .requiredOption('--out <file>', 'merged results file')
    .action(async (shards: string[], opts) => {
      const { print } = ctx();
      const r = await mergeResults(shards, opts.out);
      print({ ...r, out: opts.out }, `merged ${r.shards} shards, ${r.runs} runs → ${opts.out}`);
    });
}

/** --identity: one line naming the target's version (a sha, a tag, a model name). */
function parseIdentity(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!value.trim() || value.length > 200 || /[\u0000-\u001f]/.test(value))
    throw new ConfigError(
      '--identity',
      `${JSON.stringify(value)} is not one line of 1 to 200 characters`,
      'give the version of the target answering, e.g. --identity v1.4.2 or --identity "$(git rev-parse HEAD)"',
    );
  return value;
}
