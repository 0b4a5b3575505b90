import type { Command } from 'commander';
import { readProvisionInputs } from '../provision/inputs.js';
import { DEFAULT_INPUTS } from '../provision/settings.js';
import { sshHostOptions } from './host-check.js';
import { alias, boolOption, cliReader, collect } from './options.js';
import type { CliContext } from './program.js';

export function registerProvision(program: Command, ctx: () => CliContext): void {
  const d = DEFAULT_INPUTS;
  const provision = sshHostOptions(
    program
      .command('provision')
      .description(
        'idempotently prepare a fresh Debian 12 / Ubuntu 22.04/24.04 host as a hardened deploy target (root or sudo user)',
      ),
    'a host to provision (user defaults to root)',
  )
    .option('--deploy-user <name>', `deploy user, docker group, no sudo (default ${d.deployUser})`)
    .option(
      '--deploy-private-key-file <path>',
      'deploy private key: public half installed, proves the login before sshd hardening (or env RAGSHIP_DEPLOY_PRIVATE_KEY)',
    )
    .option('--deploy-public-keys <line>', 'another public key for the deploy user (repeatable)', collect)
    .option(
      '--deploy-key-options <options>',
      `authorized_keys options for deploy keys (default ${d.deployKeyOptions})`,
    )
    .option(
      '--registry-tunnel-port <port>',
      'let the deploy key open this one reverse-tunnel port (registry.tunnel in ragship.yml); 0 = none (default)',
    )
    .option('--deploy-root <path>', `deploy root owned by the deploy user (default ${d.deployRoot})`)
    .option(
      '--admin-user <name>',
      'sudo user created with the provisioning key (needed with --permit-root-login no when connecting as root)',
    )
    .option('--docker-source <source>', 'distribution (docker.io, default) or docker (Docker apt repo)')
    .option('--allow-ports <port/proto>', 'another port to allow (repeatable)', collect)
    .option('--docker-log-max-size <size>', `docker log-opts max-size (default ${d.dockerLogMaxSize})`)
    .option('--docker-log-max-file <n>', `docker log-opts max-file (default ${d.dockerLogMaxFile})`)
    .option('--journal-max-use <size>', `journald SystemMaxUse (default ${d.journalMaxUse})`)
    .option(
      '--journal-retention-days <days>',
      `journald MaxRetentionSec in days (default ${d.journalRetentionDays})`,
    )
    .option('--permit-root-login <value>', 'no (default) or prohibit-password')
    .option('--gpu-test-image <image>', `image for the GPU test container (default ${d.gpuTestImage})`)
    .option('--steps <id>', 'run only this step (repeatable)', collect);
  boolOption(provision, 'ssh-rate-limit', 'ufw limit for SSH instead of a plain allow (default true)');
  boolOption(provision, 'open-http', 'open 80/443 (default true)');
  boolOption(provision, 'harden-ssh', 'harden sshd (default true)');
  boolOption(
    provision,
    'gpu',
    'GPU host: driver check, NVIDIA container toolkit, docker runtime, test container',
  );
  boolOption(provision, 'gpu-install-driver', 'install the NVIDIA driver on Ubuntu when missing');
  boolOption(provision, 'dry-run', 'print the plan, change nothing');
  alias(provision, 'deploy-private-key-file', '--deploy-key-file <path>');
  alias(provision, 'deploy-public-keys', '--deploy-public-key <line>', { repeatable: true });
  alias(provision, 'allow-ports', '--allow-port <port/proto>', { repeatable: true });
  alias(provision, 'steps', '--step <id>', { repeatable: true });
  alias(provision, 'ssh-rate-limit', '--no-ssh-rate-limit', { invert: true });
  alias(provision, 'open-http', '--no-open-http', { invert: true });
  alias(provision, 'harden-ssh', '--no-harden-ssh', { invert: true });
  provision.action(async (_opts, cmd: Command) => {
    const inputs = readProvisionInputs(cliReader(cmd));
    const { logger, print } = ctx();
    const result = await (await import('../provision/run.js')).runProvision(inputs, logger);
    print({ changed: result.changed, dryRun: result.dryRun, hosts: result.hosts }, result.report.toString());
    if (result.error) throw result.error;
  });
}
