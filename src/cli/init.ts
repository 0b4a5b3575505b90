import type { Command } from 'commander';
import { collect } from './options.js';
import type { CliContext } from './program.js';

/** `ragship init [dir]`: a first ragship.yml and the workflow callers from an app folder. */
export function registerInit(program: Command, ctx: () => CliContext): void {
  program
    .command('init')
    .description(
      'write ragship.yml and .github/workflows callers from an app folder (compose file, Dockerfile, nginx config); TODOs mark what it cannot tell',
    )
    .argument('[dir]', 'the app folder', '.')
    .option(
      '--host <user@host:port>',
      'deploy host of every environment (repeatable; default: a TODO placeholder)',
      collect,
    )
    .option(
      '--environment <name>',
      'environment to write (repeatable; default: staging and production)',
      collect,
    )
    .option('--no-workflows', 'write ragship.yml only')
    .option('--force', 'overwrite existing files')
    .action(async (dir: string, opts) => {
      const { print } = ctx();
      const { runInit } = await import('../init/init.js');
      const r = runInit({
        dir,
        hosts: opts.host,
        environments: opts.environment,
        force: !!opts.force,
        workflows: opts.workflows,
      });
      const d = r.detected;
      const text = [
        `${d.compose}: switched service ${d.service}${d.port ? ` on port ${d.port}` : ''}${d.proxy ? `, proxy ${d.proxy.service}` : ''}${d.migrate ? `, migrate ${d.migrate}` : ''}${d.healthPath ? `, health ${d.healthPath} (${d.healthFrom})` : ''}`,
        ...r.written.map((f) => `wrote ${f}`),
        ...r.skipped.map((f) => `kept ${f} (exists; --force overwrites it)`),
        ...r.todos.map((t) => `TODO ${t}`),
        'Next: ragship config check',
      ].join('\n');
      print({ ok: true, ...r }, text);
    });
}
