import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { readConnection, readDeployOnly } from '../deploy/inputs.js';
import { runIdentity } from '../github/run.js';
import { alias, boolOption, cliReader, collect } from './options.js';
import type { CliContext } from './program.js';

/** The parsed flags of a command → the command (for its hidden old spellings). */
const COMMAND_OF = new WeakMap<object, Command>();

/**
 * The flags of every verb that works on an environment's hosts, named as the inputs of
 * actions/deploy: --environment, --config, --ssh-private-key-file, --known-hosts-file,
 * --host-fingerprints, --registry-username, --registry-password-file. Old spellings (--env,
 * --fingerprint, --ssh-key-file) still work.
 */
export function sshOptions(cmd: Command): Command {
  cmd
    .requiredOption('--environment <name>', 'environment from ragship.yml')
    .option('--config <path>', 'ragship.yml path (default ragship.yml)')
    .option('--ssh-private-key-file <path>', 'deploy private key (or env RAGSHIP_SSH_PRIVATE_KEY)')
    .option('--known-hosts-file <path>', 'known_hosts file for the hosts')
    .option('--host-fingerprints <SHA256:...>', 'pinned host key fingerprint (repeatable)', collect)
    .option('--registry-username <user>', 'registry user for pulls on the hosts')
    .option('--registry-password-file <path>', 'registry password (or env RAGSHIP_REGISTRY_PASSWORD)')
    .option(
      '--ssh-proxy <user@host:port>',
      'jump host (bastion) for every SSH connection, its host key verified like the hosts’ (wins over ssh.proxy in ragship.yml)',
    );
  alias(cmd, 'environment', '--env <name>');
  alias(cmd, 'ssh-private-key-file', '--ssh-key-file <path>');
  alias(cmd, 'host-fingerprints', '--fingerprint <SHA256:...>', { repeatable: true });
  cmd.hook('preAction', (c) => {
    COMMAND_OF.set(c.opts(), c);
  });
  return cmd;
}

/** The connection inputs of an environment verb, read by the same function as the actions'. */
export function connection(optsOrCommand: object) {
  const cmd = isCommand(optsOrCommand) ? optsOrCommand : COMMAND_OF.get(optsOrCommand);
  if (!cmd) throw new Error('connection(): flags of a command without sshOptions');
  return readConnection(cliReader(cmd), process.cwd());
}

function isCommand(value: object): value is Command {
  return typeof (value as Command).opts === 'function' && typeof (value as Command).parse === 'function';
}

/** --lock-wait-seconds, as the action input. */
export function lockWaitOption(cmd: Command): Command {
  return cmd.option(
    '--lock-wait-seconds <n>',
    "wait this long for another run's deploy lock (default: lock.wait of ragship.yml)",
  );
}

export function registerDeploy(program: Command, ctx: () => CliContext): void {
  const deploy = sshOptions(
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
    .option(
      '--on-failure <switch-back|keep>',
      'when a later host fails its health gate: switch the hosts already switched back to the previous release (switch-back), or leave them on the new one (keep); default: onFailure of the environment in ragship.yml',
    );
  boolOption(deploy, 'dry-run', 'preflight and render only');
  lockWaitOption(deploy).action(async (_opts, cmd: Command) => {
    const r = cliReader(cmd);
    const inputs = {
      ...readConnection(r, process.cwd()),
      ...readDeployOnly(r),
      // Compose files and files: are read from the folder of ragship.yml (as `config check`).
      repoDir: dirname(resolve(r.str('config', { default: 'ragship.yml' }))),
      ...runIdentity(),
    };
    const { logger, print } = ctx();
    const result = await (await import('../deploy/run.js')).runDeploy(inputs, { logger });
    const { report, ...rest } = result;
    print(rest, report.toString());
  });
}
