import { type Command, Option } from 'commander';
import { readBackupJob, readRestoreJob, readStore } from '../backup/inputs.js';
import { ConfigError } from '../core/errors.js';
import { alias, boolOption, cliReader, collect } from './options.js';
import type { CliContext } from './program.js';

/**
 * Flags are the action inputs (same names, same limits, read by the same functions in
 * src/backup/inputs.ts); secrets come from files or environment variables only:
 * --encryption-passphrase-file or RAGSHIP_ENCRYPTION_PASSPHRASE, AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY (or the SDK chain), --ssh-private-key-file or RAGSHIP_SSH_PRIVATE_KEY,
 * RAGSHIP_ALERT_WEBHOOK, RAGSHIP_METRICS_PUSH_TOKEN, RAGSHIP_METRICS_PUSH_PASSWORD.
 */

/** Where the backups live: every backup verb takes these. */
function storeOptions(cmd: Command): Command {
  cmd
    .requiredOption('--environment <name>', 'environment name (names the key prefix)')
    .requiredOption('--bucket <name>', 'S3-compatible bucket')
    .option('--prefix <prefix>', 'key prefix (default ragship/<environment>)')
    .option('--endpoint <url>', 'S3-compatible endpoint (MinIO, R2, B2)')
    .option('--region <region>', 'bucket region (default us-east-1)')
    .option('--checksum-mode <mode>', 'WHEN_SUPPORTED (default) or WHEN_REQUIRED');
  boolOption(cmd, 'force-path-style', 'path-style URLs (default false)');
  return alias(cmd, 'environment', '--env <name>');
}

/** The store plus where Chroma runs, encryption and alerts: backup and restore. */
function common(cmd: Command): Command {
  storeOptions(cmd)
    .option(
      '--encryption-passphrase-file <path>',
      'encryption passphrase file (or env RAGSHIP_ENCRYPTION_PASSPHRASE)',
    )
    .option('--config <path>', "ragship.yml: the environment's Chroma host and compose project")
    .option('--role <name>', 'role of the environment that runs Chroma (with --config)')
    .option('--chroma-service <name>', 'compose service of Chroma (with --config; default chroma)')
    .option('--host <user@host:port>', 'host running Chroma')
    .option('--ssh-private-key-file <path>', 'deploy private key (or env RAGSHIP_SSH_PRIVATE_KEY)')
    .option('--known-hosts-file <path>', 'known_hosts for the host')
    .option('--host-fingerprints <SHA256:...>', 'pinned host key fingerprint (repeatable)', collect)
    .option('--ssh-proxy <user@host:port>', 'jump host (bastion) the connection goes through')
    .option('--container <name>', 'Chroma container on the host')
    .option('--persist-path <path>', 'persist dir inside the container (default /data)')
    .option('--chroma-port <port>', "Chroma's port inside the container (default 8000)")
    .option('--chroma-url <url>', 'a Chroma URL reachable from here (logical mode)')
    .option('--max-size-gb <n>', 'upper bound of one archive, fixes the part size (default 100)')
    .option('--stop-timeout-seconds <n>', 'docker stop grace period (default 120)')
    .option('--health-timeout-seconds <n>', 'wait for the heartbeat after restart (default 120)')
    .option(
      '--webhook-format <format>',
      'slack, discord or json (webhook URL from env RAGSHIP_ALERT_WEBHOOK)',
    );
  alias(cmd, 'encryption-passphrase-file', '--passphrase-file <path>');
  alias(cmd, 'ssh-private-key-file', '--ssh-key-file <path>');
  return alias(cmd, 'host-fingerprints', '--fingerprint <SHA256:...>', { repeatable: true });
}

export function registerBackup(program: Command, ctx: () => CliContext): void {
  common(
    program
      .command('backup')
      .description(
        'back up Chroma to S3 (streamed, encrypted, manifest last), restore-drill it, prune verified backups',
      ),
  )
    .option('--mode <mode>', 'physical (default) or logical')
    .option('--command <command>', 'backup (default), verify or check-staleness')
    .option('--config-path <dir>', 'app config folder on the host to back up too')
    .option('--min-size-bytes <n>', 'size floor of the dump (default 65536)')
    .option('--on-drift <mode>', 'fail (default) or fuzzy')
    .option('--page-size <n>', 'records per page, logical mode (default 1000)')
    .option('--keep-last <n>', 'verified backups to keep (default 7)')
    .option('--keep-daily <n>', 'daily backups to keep (default 7)')
    .option('--keep-weekly <n>', 'weekly backups to keep (default 4)')
    .option('--keep-monthly <n>', 'monthly backups to keep (default 6)')
    .option('--max-age-hours <n>', 'staleness limit (default 26)')
    .option('--backup-id <id>', 'backup to drill with --command verify (default latest)')
    .option('--chroma-command <cmd>', 'command running the chroma CLI for the drill')
    .option(
      '--metrics-push-url <url>',
      'Pushgateway base URL: push the staleness metrics after a verified backup',
    )
    .option('--metrics-app <name>', 'app label of the pushed metrics (default: app of --config)')
    .option(
      '--metrics-push-username <user>',
      'Pushgateway basic-auth user (password from env RAGSHIP_METRICS_PUSH_PASSWORD)',
    )
    .option(
      '--metrics-push-token-file <path>',
      'Pushgateway bearer token file (or env RAGSHIP_METRICS_PUSH_TOKEN)',
    )
    .option(
      '--metrics-push-password-file <path>',
      'Pushgateway basic-auth password file (or env RAGSHIP_METRICS_PUSH_PASSWORD)',
    )
    .action(async (_opts, cmd: Command) => {
      const i = readBackupJob(cliReader(cmd));
      const { logger, print } = ctx();
      const job = await import('../backup/job.js');
      if (i.command === 'check-staleness') {
        const s = await job.runStaleness(i as Required<typeof i>, logger);
        return print({ ok: true }, s.report.toString());
      }
      if (i.command === 'verify') {
        const d = await job.runDrill(i, logger);
        return print(d.verify.verification, d.report.toString());
      }
      const result = await job.runBackupJob(i, logger);
      print(
        {
          manifest: result.backup?.manifest,
          verification: result.verify?.verification,
          retention: result.retention,
          metrics: result.metrics,
        },
        result.report.toString(),
      );
    });
  const backup = program.commands.find((c) => c.name() === 'backup')!;
  boolOption(backup, 'verify', 'run the restore drill after the backup (default true)');
  boolOption(backup, 'prune', 'apply retention after a verified backup (default true)');

  common(
    program
      .command('restore')
      .description(
        'restore a backup to a host (checked first, safety copy, verified after); --dry-run shows the changes',
      ),
  )
    .option('--backup-id <id>', 'backup id, latest or latest-verified (default latest-verified)')
    .action(async (_opts, cmd: Command) => {
      const i = readRestoreJob(cliReader(cmd));
      const { logger, print } = ctx();
      const { result, report } = await (await import('../backup/job.js')).runRestoreJob(i, logger);
      print(result, report.toString());
    });
  const restore = program.commands.find((c) => c.name() === 'restore')!;
  boolOption(restore, 'dry-run', 'show what would change, change nothing');
  boolOption(restore, 'safety-copy', 'back up the current data first (default true)');
  alias(restore, 'safety-copy', '--no-safety-copy', { invert: true });

  storeOptions(
    program.command('backups').description('list the backups of an environment (committed, verified, size)'),
  ).action(async (_opts, cmd: Command) => {
    const r = cliReader(cmd);
    const store = readStore(r, r.str('environment', { required: true, example: 'production' }));
    const { logger, print } = ctx();
    const { backups, report } = await (await import('../backup/job.js')).listJob(store, logger);
    print(
      backups.map(({ manifest: _m, ...b }) => b),
      report.toString(),
    );
  });
}
