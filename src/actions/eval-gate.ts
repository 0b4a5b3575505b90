import { join, relative, resolve } from 'node:path';
import { context } from '@actions/github';
import { ConfigError, UserError } from '../core/errors.js';
import { Report } from '../core/report.js';
import type { EvalGateInputs } from '../eval/gate.js';
import { readEvalRun } from '../eval/inputs.js';
import { decideRun, parsePaths, renderSkipped } from '../eval/paths-filter.js';
import { commentMarker } from '../eval/report.js';
import { loadSuite } from '../eval/suite.js';
import * as input from '../github/inputs.js';
import { runAction } from '../github/run-action.js';

type Inputs = EvalGateInputs & {
  token: string;
  comment: boolean;
  cache: boolean;
  failOnRegression: boolean;
  paths: string[];
  runLabel: string;
  changesOnly: boolean;
};
const pr = context.payload.pull_request as
  | { number: number; head: { sha: string }; base: { sha: string }; labels?: Array<{ name: string }> }
  | undefined;
const defaultBranch: string = context.payload.repository?.default_branch ?? 'main';
const onDefaultBranch = context.eventName === 'push' && context.ref === `refs/heads/${defaultBranch}`;
const temp = process.env.RUNNER_TEMP ?? '/tmp';

runAction<Inputs>({
  getInputs: () => ({
    suitePath: input.str('suite', { required: true }),
    ...readEvalRun(input.actionInputs, { outDir: join(temp, 'ragship-eval'), saveBaseline: onDefaultBranch }),
    headSha: pr?.head.sha ?? context.sha,
    baseSha: pr?.base.sha,
    judgeApiKey: input.secret('judge-api-key') || undefined,
    runUrl: `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`,
    token: input.secret('github-token'),
    comment: input.bool('comment', true),
    cache: input.bool('cache', true),
    failOnRegression: input.bool('fail-on-regression', true),
    paths: parsePaths(input.multiline('paths')),
    runLabel: runLabel(input.str('run-label')),
    changesOnly: input.bool('changes-only', false),
  }),
  async main(inputs, ctx) {
    const { logger } = ctx;
    const suite = loadSuite(inputs.suitePath);
    const suiteName = suite.config.name;
    // The paths filter: skip the expensive run when nothing it depends on changed.
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    let changedFiles: string[] | Error = [];
    if (pr && inputs.paths.length) {
      const { listPullRequestFiles } = await import('../github/eval-paths.js');
      changedFiles = await listPullRequestFiles({
        token: inputs.token,
        apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
        ...context.repo,
        number: pr.number,
      }).catch((err: Error) => err);
    }
    const decision = decideRun({
      paths: inputs.paths,
      alwaysRelevant: [inputs.suitePath, suite.casesPath].map((p) => relative(workspace, resolve(p))),
      pullRequest: !!pr,
      changedFiles,
      labels: (pr?.labels ?? []).map((l) => l.name),
      forceLabel: inputs.runLabel,
    });
    if (changedFiles instanceof Error) logger.warn(`paths filter: ${changedFiles.message}`);
    logger.info(`eval ${decision.run ? 'runs' : 'skipped'}: ${decision.reason}`);
    ctx.setOutput('run', decision.run);
    ctx.setOutput('skipped', !decision.run);
    if (!decision.run || inputs.changesOnly) {
      if (!decision.run) {
        const note = renderSkipped(suiteName, decision, inputs.runLabel);
        ctx.setOutput('passed', true);
        ctx.setOutput('regressions', 0);
        ctx.setOutput('headline', `skipped — ${decision.reason}`);
        await ctx.writeSummary(new Report().text(note));
        if (pr && inputs.comment && inputs.token) {
          const { upsertPrComment } = await import('../github/pr-comment.js');
          await upsertPrComment({
            token: inputs.token,
            ...context.repo,
            issueNumber: pr.number,
            marker: commentMarker(suiteName),
            body: note,
            baseUrl: process.env.GITHUB_API_URL,
          }).catch((err: Error) => logger.warn(`could not upsert the PR comment: ${err.message}`));
        }
      }
      return;
    }
    // Loaded after the inputs are valid: the Actions cache and artifact clients and the runner
    // are most of the bundle (start-up time).
    const [
      { FolderCache, NoCache },
      { runEvalGate },
      cacheClient,
      { upsertPrComment },
      { ArtifactBaselineStore },
    ] = await Promise.all([
      import('../eval/cache.js'),
      import('../eval/gate.js'),
      import('../github/eval-cache.js'),
      import('../github/pr-comment.js'),
      import('../github/eval-artifacts.js'),
    ]);
    const { ActionsBaselineStore, restoreResponseCache, saveResponseCache } = cacheClient;
    const cacheDir = join(temp, 'ragship-eval-cache');
    const prefix = `ragship-eval-responses-${suiteName}-`;
    if (inputs.cache) await restoreResponseCache(cacheDir, prefix, logger);
    const reportArtifact = `ragship-eval-report-${suiteName}${inputs.shard && inputs.shard.count > 1 ? `-${inputs.shard.index}-of-${inputs.shard.count}` : ''}`;
    const result = await runEvalGate(
      { ...inputs, reportArtifact },
      {
        logger,
        cache: inputs.cache ? new FolderCache(cacheDir) : new NoCache(),
        // main's results: the Actions cache first, then the artifact of main's run (durable).
        baselines: new ArtifactBaselineStore({
          token: inputs.token,
          ...context.repo,
          apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
          defaultBranch,
          dir: join(temp, 'ragship-eval-baseline-artifacts'),
          logger,
          fast: new ActionsBaselineStore(join(temp, 'ragship-eval-baselines'), logger),
        }),
      },
    );
    if (inputs.cache && result.run.cache.misses > 0)
      await saveResponseCache(
        cacheDir,
        `${prefix}${context.runId}-${process.env.GITHUB_RUN_ATTEMPT ?? 1}-${inputs.shard?.index ?? 1}`,
        logger,
      );
    ctx.setOutput('passed', result.passed);
    ctx.setOutput('regressions', result.regressions);
    ctx.setOutput('report-path', result.reportPath);
    ctx.setOutput('json-path', result.jsonPath);
    ctx.setOutput('junit-path', result.junitPath);
    ctx.setOutput('results-path', result.resultsPath);
    ctx.setOutput('headline', result.comparison.gate.headline);
    ctx.setOutput('html-path', result.htmlPath);
    ctx.setOutput('report-artifact', reportArtifact);
    // The workflow uploads results-path under this name (actions/upload-artifact, after this step).
    ctx.setOutput('baseline-artifact', result.baselineArtifact ?? '');
    if (pr && inputs.comment && inputs.token) {
      try {
        const c = await upsertPrComment({
          token: inputs.token,
          ...context.repo,
          issueNumber: pr.number,
          marker: commentMarker(suiteName),
          body: result.markdown,
          baseUrl: process.env.GITHUB_API_URL,
        });
        logger.info(`PR comment ${c.action}: ${c.url}`);
      } catch (err) {
        logger.warn(
          `could not upsert the PR comment (needs pull-requests: write): ${(err as Error).message}`,
        );
      }
    }
    await ctx.writeSummary(new Report().text(result.markdown));
    if (!result.passed && inputs.failOnRegression)
      throw new UserError(
        'eval gate',
        result.comparison.gate.reasons.join('; '),
        'see the job summary for the regressed cases',
      );
  },
});

/** run-label: a GitHub label name (1 to 50 characters, one line); empty = no label forces a run. */
function runLabel(value: string): string {
  if (value && (value.length > 50 || /[\u0000-\u001f]/.test(value)))
    throw new ConfigError(
      "input 'run-label'",
      `${JSON.stringify(value.slice(0, 60))} is not a label name (1 to 50 characters, one line)`,
      'e.g. run-label: eval:run',
    );
  return value.trim();
}
