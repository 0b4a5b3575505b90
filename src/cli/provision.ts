import type { Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import { DEFAULT_INPUTS } from '../provision/settings.js';
import { collect, readSecretFile, readTextFile } from './options.js';
import type { CliContext } from './program.js';

const int = (name: string) => (v: string) => {
  if (!/^[0-9]+$/.test(v))
    throw new ConfigError(`--${name}`, `${JSON.stringify(v)} is not a whole number`, 'use digits only');
  return Number(v);
};

export function registerProvision(program: Command, ctx: () => CliContext): void {
  const d = DEFAULT_INPUTS;
  program
    .command('provision')
    .description(
      'idempotently prepare a fresh Debian 12 / Ubuntu 22.04/24.04 host as a hardened deploy target (root or sudo user)',
    )
    .requiredOption(
      '--host <user@host:port>',
      'a host to provision (repeatable; user defaults to root)',
      collect,
    )
    .option('--ssh-key-file <path>', 'private key the run logs in with (or env RAGSHIP_SSH_PRIVATE_KEY)')
    .option('--known-hosts-file <path>', 'known_hosts file for the hosts')
    .option('--fingerprint <SHA256:...>', 'pinned host key fingerprint (repeatable)', collect)
    .option('--connect-timeout <seconds>', 'SSH connect timeout', int('connect-timeout'), 15)
    .option('--deploy-user <name>', 'deploy user (docker group, no sudo)', d.deployUser)
    .option(
      '--deploy-key-file <path>',
      'deploy private key: public half installed, proves the login before sshd hardening (or env RAGSHIP_DEPLOY_PRIVATE_KEY)',
    )
    .option('--deploy-public-key <line>', 'another public key for the deploy user (repeatable)', collect)
    .option('--deploy-key-options <options>', 'authorized_keys options for deploy keys', d.deployKeyOptions)
    .option(
      '--registry-tunnel-port <port>',
      'let the deploy key open this one reverse-tunnel port (registry.tunnel in ragship.yml); 0 = none',
      int('registry-tunnel-port'),
      d.registryTunnelPort,
    )
    .option('--deploy-root <path>', 'deploy root owned by the deploy user', d.deployRoot)
    .option(
      '--admin-user <name>',
      'sudo user created with the provisioning key (needed with --permit-root-login no when connecting as root)',
    )
    .option(
      '--docker-source <source>',
      'distribution (docker.io) or docker (Docker apt repo)',
      d.dockerSource,
    )
    .option('--no-ssh-rate-limit', 'plain ufw allow for SSH instead of limit')
    .option('--no-open-http', 'do not open 80/443')
    .option('--allow-port <port/proto>', 'another port to allow (repeatable)', collect)
    .option('--docker-log-max-size <size>', 'docker log-opts max-size', d.dockerLogMaxSize)
    .option(
      '--docker-log-max-file <n>',
      'docker log-opts max-file',
      int('docker-log-max-file'),
      d.dockerLogMaxFile,
    )
    .option('--journal-max-use <size>', 'journald SystemMaxUse', d.journalMaxUse)
    .option(
      '--journal-retention-days <days>',
      'journald MaxRetentionSec in days',
      int('journal-retention-days'),
      d.journalRetentionDays,
    )
    .option('--permit-root-login <value>', 'no or prohibit-password', d.permitRootLogin)
    .option('--no-harden-ssh', 'leave sshd alone')
    .option('--gpu', 'GPU host: driver check, NVIDIA container toolkit, docker runtime, test container')
    .option('--gpu-install-driver', 'install the NVIDIA driver on Ubuntu when missing')
    .option('--gpu-test-image <image>', 'image for the GPU test container', d.gpuTestImage)
    .option('--step <id>', 'run only this step (repeatable)', collect)
    .option('--dry-run', 'print the plan, change nothing')
    .action(async (opts) => {
      const { logger, print } = ctx();
      const result = await (await import('../provision/run.js')).runProvision(
        {
          hosts: opts.host,
          sshPrivateKey: readSecretFile(opts.sshKeyFile, 'RAGSHIP_SSH_PRIVATE_KEY', 'ssh-key'),
          knownHosts: readTextFile(opts.knownHostsFile, 'known-hosts'),
          fingerprints: opts.fingerprint ?? [],
          connectTimeoutMs: opts.connectTimeout * 1000,
          deployUser: opts.deployUser,
          deployPrivateKey:
            opts.deployKeyFile || process.env.RAGSHIP_DEPLOY_PRIVATE_KEY
              ? readSecretFile(opts.deployKeyFile, 'RAGSHIP_DEPLOY_PRIVATE_KEY', 'deploy-key')
              : '',
          deployPublicKeys: opts.deployPublicKey ?? [],
          deployKeyOptions: opts.deployKeyOptions,
          registryTunnelPort: opts.registryTunnelPort,
          deployRoot: opts.deployRoot,
          adminUser: opts.adminUser ?? '',
          dockerSource: opts.dockerSource,
          sshRateLimit: opts.sshRateLimit,
          openHttp: opts.openHttp,
          allowPorts: opts.allowPort ?? [],
          dockerLogMaxSize: opts.dockerLogMaxSize,
          dockerLogMaxFile: opts.dockerLogMaxFile,
          journalMaxUse: opts.journalMaxUse,
          journalRetentionDays: opts.journalRetentionDays,
          permitRootLogin: opts.permitRootLogin,
          hardenSsh: opts.hardenSsh,
          gpu: !!opts.gpu,
          gpuInstallDriver: !!opts.gpuInstallDriver,
          gpuTestImage: opts.gpuTestImage,
          steps: opts.step ?? [],
          dryRun: !!opts.dryRun,
        },
        logger,
      );
      print(
        { changed: result.changed, dryRun: result.dryRun, hosts: result.hosts },
        result.report.toString(),
      );
      if (result.error) throw result.error;
    });
}
