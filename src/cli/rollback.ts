import type { Command } from 'commander';
import { runIdentity } from '../github/run.js';
import { connection, sshOptions } from './deploy.js';
import type { CliContext } from './program.js';

export function registerRollback(program: Command, ctx: () => CliContext): void {
  sshOptions(
    program
      .command('rollback')
      .description('re-apply a recorded release by digest (default: the previous one), no rebuild'),
  )
    .option('--to <previous|release-id|tag|digest>', 'target release', 'previous')
    .option('--reason <text>', 'why (recorded)')
    .option('--block-older-schema', 'fail if the target expects an older schema than the live one')
    .action(async (opts) => {
      const { logger, print } = ctx();
      const r = await (await import('../rollback/run.js')).runRollback(
        {
          ...connection(opts),
          to: opts.to,
          reason: opts.reason,
          blockOnOlderSchema: !!opts.blockOlderSchema,
          ...runIdentity(),
        },
        { logger },
      );
      const { report, ...rest } = r;
      print(rest, report.toString());
    });
  sshOptions(
    program.command('releases').description('list the release log of an environment (active one marked)'),
  ).action(async (opts) => {
    const { logger, print } = ctx();
    const r = await (await import('../rollback/run.js')).listReleases(connection(opts), { logger });
    print(r.records, r.report.toString());
  });
}
