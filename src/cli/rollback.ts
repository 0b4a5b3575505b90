import type { Command } from 'commander';
import { runIdentity } from '../deploy/action-support.js';
import { readConnection, readRollbackOnly } from '../deploy/inputs.js';
import { connection, lockWaitOption, sshOptions } from './deploy.js';
import { alias, boolOption, cliReader } from './options.js';
import type { CliContext } from './program.js';

export function registerRollback(program: Command, ctx: () => CliContext): void {
  const rollback = sshOptions(
    program
      .command('rollback')
      .description('re-apply a recorded release by digest (default: the previous one), no rebuild'),
  )
    .option('--to <previous|release-id|tag|digest>', 'target release (default previous)')
    .option('--reason <text>', 'why (recorded)');
  boolOption(
    rollback,
    'allow-older-schema',
    'allow a target that expects an older schema than the live one (default true)',
  );
  // The old spelling of --allow-older-schema false.
  alias(rollback, 'allow-older-schema', '--block-older-schema', { invert: true });
  lockWaitOption(rollback).action(async (_opts, cmd: Command) => {
    const r = cliReader(cmd);
    const inputs = { ...readConnection(r, process.cwd()), ...readRollbackOnly(r), ...runIdentity() };
    const { logger, print } = ctx();
    const result = await (await import('../rollback/run.js')).runRollback(inputs, { logger });
    const { report, ...rest } = result;
    print(rest, report.toString());
  });
  sshOptions(
    program.command('releases').description('list the release log of an environment (active one marked)'),
  ).action(async (opts) => {
    const inputs = connection(opts);
    const { logger, print } = ctx();
    const r = await (await import('../rollback/run.js')).listReleases(inputs, { logger });
    print(r.records, r.report.toString());
  });
}
