import type { Command } from 'commander';
import { collect, readSecretFile, readTextFile } from './options.js';
import type { CliContext } from './program.js';

export function registerHostCheck(program: Command, ctx: () => CliContext): void {
  program
    .command('host-check')
    .description('connect to hosts with a verified host key and report docker, compose and free disk')
    .requiredOption('--host <user@host:port>', 'a host to check (repeatable)', collect)
    .option('--ssh-key-file <path>', 'deploy private key (or env RAGSHIP_SSH_PRIVATE_KEY)')
    .option('--known-hosts-file <path>', 'known_hosts file for the hosts')
    .option('--fingerprint <SHA256:...>', 'pinned host key fingerprint (repeatable)', collect)
    .option('--connect-timeout <seconds>', 'SSH connect timeout', '15')
    .action(async (opts) => {
      const { logger, print } = ctx();
      const result = await (await import('../preflight/host-check-run.js')).runHostCheck(
        {
          hosts: opts.host,
          sshPrivateKey: readSecretFile(opts.sshKeyFile, 'RAGSHIP_SSH_PRIVATE_KEY', 'ssh-key'),
          knownHosts: readTextFile(opts.knownHostsFile, 'known-hosts'),
          fingerprints: opts.fingerprint ?? [],
          connectTimeoutMs: Number(opts.connectTimeout) * 1000,
        },
        logger,
      );
      print(result.facts, result.report.toString());
    });
}
