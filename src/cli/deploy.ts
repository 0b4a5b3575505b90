import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { configAt } from '../deploy/action-support.js';
import { parseDotenv } from '../deploy/env-file.js';
import { runIdentity } from '../github/run.js';
import { collect, readSecretFile, readTextFile } from './options.js';
import type { CliContext } from './program.js';

export function sshOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--env <name>', 'environment from ragship.yml')
    .option('--config <path>', 'ragship.yml path', 'ragship.yml')
    .option('--ssh-key-file <path>', 'deploy private key (or env RAGSHIP_SSH_PRIVATE_KEY)')
    .option('--known-hosts-file <path>', 'known_hosts file for the hosts')
    .option('--fingerprint <SHA256:...>', 'pinned host key fingerprint (repeatable)', collect)
    .option('--registry-password-file <path>', 'registry password (or env RAGSHIP_REGISTRY_PASSWORD)')
    .option(
      '--ssh-proxy <user@host:port>',
      'jump host (bastion) for every SSH connection, its host key verified like the hosts’ (wins over ssh.proxy in ragship.yml)',
    );
}

export function connection(opts: Record<string, string | string[] | undefined>) {
  const registry =
    opts.registryPasswordFile || process.env.RAGSHIP_REGISTRY_PASSWORD
      ? readSecretFile(
          opts.registryPasswordFile as string | undefined,
          'RAGSHIP_REGISTRY_PASSWORD',
          'registry-password',
        )
      : undefined;
  return {
    config: configAt(process.cwd(), opts.config as string),
    environment: opts.env as string,
    sshPrivateKey: readSecretFile(
      opts.sshKeyFile as string | undefined,
      'RAGSHIP_SSH_PRIVATE_KEY',
      'ssh-key',
    ),
    knownHosts: readTextFile(opts.knownHostsFile as string | undefined, 'known-hosts'),
    fingerprints: (opts.fingerprint as string[] | undefined) ?? [],
    registryPassword: registry,
    sshProxy: opts.sshProxy as string | undefined,
  };
}

export function registerDeploy(program: Command, ctx: () => CliContext): void {
  sshOptions(
    program
      .command('deploy')
      .description(
        'deploy an image by digest to an environment (preflight, lock, migrate, zero-downtime switch, health gate)',
      ),
  )
    .requiredOption('--image <repo@sha256:…>', 'image to deploy (digest preferred)')
    .option(
      '--env-file <path>',
      'runtime env of the app as a dotenv file (secrets; never pass them as flags)',
    )
    .option('--git-sha <sha>', 'commit recorded in the release log')
    .option('--schema-version <v>', 'schema version this release expects')
    .option('--dry-run', 'preflight and render only')
    .action(async (opts) => {
      const { logger, print } = ctx();
      const r = await (await import('../deploy/run.js')).runDeploy(
        {
          ...connection(opts),
          image: opts.image,
          env: opts.envFile ? parseDotenv(readTextFile(opts.envFile, 'env-file'), opts.envFile) : {},
          // Compose files and files: are read from the folder of ragship.yml (as `config check`).
          repoDir: dirname(resolve(opts.config)),
          gitSha: opts.gitSha,
          schemaVersion: opts.schemaVersion,
          dryRun: !!opts.dryRun,
          ...runIdentity(),
        },
        { logger },
      );
      const { report, ...rest } = r;
      print(rest, report.toString());
    });
}
