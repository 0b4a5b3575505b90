import type { Command } from 'commander';
import type { CliContext } from './program.js';

/** `ragship config check`: ragship.yml and the files it names, validated with no connection. */
export function registerConfig(program: Command, ctx: () => CliContext): void {
  const config = program.command('config').description('check ragship.yml without connecting to any host');
  config
    .command('check')
    .description(
      'validate ragship.yml and every file it references (compose files, services, files:) with no SSH; deploy runs the same check first',
    )
    .option('--environment <name>', 'check this environment only (default: all)')
    .option('--config <path>', 'ragship.yml path (relative to --working-directory when given)', 'ragship.yml')
    .option(
      '--working-directory <dir>',
      "folder the compose files and files: are read from (default: the ragship.yml's folder)",
    )
    .action(async (opts) => {
      const { print } = ctx();
      const { checkConfigFile } = await import('../config/check.js');
      const r = checkConfigFile({
        config: opts.config,
        workingDirectory: opts.workingDirectory,
        environment: opts.environment,
      });
      const text = [
        `ragship.yml ok: ${r.configPath} (files read from ${r.dir})`,
        ...r.checked.map((c) => `  ✓ ${c}`),
        ...r.warnings.map((w) => `  ! ${w}`),
        'Checked by a deploy once connected (not here):',
        ...r.needsConnection.map((c) => `  - ${c}`),
      ].join('\n');
      print({ ok: true, ...r }, text);
    });
}
