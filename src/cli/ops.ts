import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, UserError } from '../core/errors.js';
import { costReport, parsePrometheusText, summariseCost } from '../ops/cost.js';
import type { SleepAction } from '../ops/sleep.js';
import { connection, sshOptions } from './deploy.js';
import type { CliContext } from './program.js';

async function metricsText(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(15_000) });
    if (!res.ok)
      throw new UserError('metrics', `${source} answered ${res.status}`, 'check the URL (the app /metrics)');
    return res.text();
  }
  try {
    return readFileSync(source, 'utf8');
  } catch (e) {
    throw new UserError('metrics', `cannot read ${source}: ${(e as Error).message}`, 'pass a URL or a file');
  }
}

export function registerOps(program: Command, ctx: () => CliContext): void {
  for (const action of ['sleep', 'wake'] as SleepAction[]) {
    sshOptions(
      program
        .command(action)
        .description(
          action === 'sleep'
            ? 'stop a non-production environment over SSH (containers and volumes kept; refuses production)'
            : 'start a slept environment again (same release, same containers)',
        ),
    ).action(async (opts) => {
      const { logger, print } = ctx();
      const { report, ...rest } = await (await import('../ops/sleep.js')).runSleep(
        { ...connection(opts), action },
        { logger },
      );
      print(rest, report.toString());
    });
  }
  program
    .command('cost-report')
    .description('LLM tokens and USD per user, feature and model from Prometheus text (the app /metrics)')
    .requiredOption('--metrics <url|file>', 'the app /metrics URL or a saved scrape')
    .option('--baseline <file>', 'an earlier scrape: report the spend since then')
    .option('--budget-usd <n>', 'budget for the period: exit 1 when exceeded')
    .action(async (opts) => {
      const { print } = ctx();
      const budget = opts.budgetUsd === undefined ? undefined : Number(opts.budgetUsd);
      if (budget !== undefined && !(budget >= 0))
        throw new ConfigError('--budget-usd', 'must be a number ≥ 0', 'e.g. --budget-usd 20');
      const current = parsePrometheusText(await metricsText(opts.metrics));
      const baseline = opts.baseline ? parsePrometheusText(await metricsText(opts.baseline)) : [];
      const summary = summariseCost(current, baseline, budget);
      print(summary, costReport(summary).toString());
      if (summary.overBudget) process.exitCode = 1;
    });
}
