import type { Command } from 'commander';
import { sshHostInputs } from '../preflight/ssh-host-inputs.js';
import { alias, cliReader, collect } from './options.js';
import type { CliContext } from './program.js';

/**
 * The flags of the verbs that reach hosts given on the command line (host-check, provision),
 * named as the inputs of their actions: --hosts, --ssh-private-key-file, --known-hosts-file,
 * --host-fingerprints, --connect-timeout-seconds. Old spellings (--host, --ssh-key-file,
 * --fingerprint, --connect-timeout) still work.
 */
export function sshHostOptions(cmd: Command, what: string): Command {
  cmd
    .requiredOption('--hosts <user@host:port>', `${what} (repeatable or comma-separated)`, collect)
    .option('--ssh-private-key-file <path>', 'private key to log in with (or env RAGSHIP_SSH_PRIVATE_KEY)')
    .option('--known-hosts-file <path>', 'known_hosts file for the hosts')
    .option('--host-fingerprints <SHA256:...>', 'pinned host key fingerprint (repeatable)', collect)
    .option('--connect-timeout-seconds <n>', 'SSH connect timeout, 1-300 (default 15)')
    .option('--ssh-proxy <user@host:port>', 'jump host (bastion) every connection goes through');
  alias(cmd, 'hosts', '--host <user@host:port>', { repeatable: true });
  alias(cmd, 'ssh-private-key-file', '--ssh-key-file <path>');
  alias(cmd, 'host-fingerprints', '--fingerprint <SHA256:...>', { repeatable: true });
  return alias(cmd, 'connect-timeout-seconds', '--connect-timeout <seconds>');
}

export function registerHostCheck(program: Command, ctx: () => CliContext): void {
  sshHostOptions(
    program
      .command('host-check')
      .description('connect to hosts with a verified host key and report docker, compose and free disk'),
    'a host to check',
  ).action(async (_opts, cmd: Command) => {
    const inputs = sshHostInputs(cliReader(cmd));
    const { logger, print } = ctx();
    const result = await (await import('../preflight/host-check-run.js')).runHostCheck(inputs, logger);
    print(result.facts, result.report.toString());
  });
}
