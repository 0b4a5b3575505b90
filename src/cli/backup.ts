import type { Command } from 'commander';
import {
  type InputReader,
  oneOf,
  readChromaCommand,
  readConfigSource,
  readMetricsPush,
  readRetention,
  readSource,
  readStore,
} from '../backup/inputs.js';
import { ConfigError } from '../core/errors.js';
import { secrets } from '../core/redact.js';
import { collect, readSecretFile, readTextFile } from './options.js';
import type { CliContext } from './program.js';

/**
 * Flags mirror the action inputs (same names); secrets come from files or environment
 * variables only: RAGSHIP_BACKUP_PASSPHRASE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or the
 * SDK chain), RAGSHIP_SSH_PRIVATE_KEY, RAGSHIP_ALERT_WEBHOOK, RAGSHIP_METRICS_PUSH_TOKEN,
 * RAGSHIP_METRICS_PUSH_PASSWORD.
 */
function reader(opts: Record<string, unknown>): InputReader {
  const flag = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const raw = (name: string) => {
    const v = opts[flag(name)];
    return v === undefined ? '' : String(v);
  };
  const secretSources: Record<string, [string, string]> = {
    'ssh-private-key': ['sshKeyFile', 'RAGSHIP_SSH_PRIVATE_KEY'],
    'encryption-passphrase': ['passphraseFile', 'RAGSHIP_BACKUP_PASSPHRASE'],
    'aws-access-key-id': ['', 'AWS_ACCESS_KEY_ID'],
    'aws-secret-access-key': ['', 'AWS_SECRET_ACCESS_KEY'],
    'aws-session-token': ['', 'AWS_SESSION_TOKEN'],
    'webhook-url': ['', 'RAGSHIP_ALERT_WEBHOOK'],
    'metrics-push-token': ['metricsPushTokenFile', 'RAGSHIP_METRICS_PUSH_TOKEN'],
    'metrics-push-password': ['metricsPushPasswordFile', 'RAGSHIP_METRICS_PUSH_PASSWORD'],
  };
  return {
    str: (name, o = {}) => {
      const v = raw(name) || o.default || '';
      if (!v && o.required) throw new ConfigError(`--${name}`, 'is required', `pass --${name}`);
      return v;
    },
    secret: (name, o = {}) => {
      const [fileFlag, env] = secretSources[name] ?? ['', ''];
      const file = fileFlag ? (opts[fileFlag] as string | undefined) : undefined;
      if (o.required || file) return readSecretFile(file, env, name);
      const v = process.env[env] ?? '';
      secrets.add(v);
      return v;
    },
    bool: (name, fallback) => {
      const v = raw(name);
      return v === '' ? fallback : ['true', '1', 'yes'].includes(v);
    },
    int: (name, fallback, range = {}) => {
      const v = raw(name);
      if (v === '') return fallback;
      const n = Number(v);
      if (
        !Number.isInteger(n) ||
        (range.min !== undefined && n < range.min) ||
        (range.max !== undefined && n > range.max)
      )
        throw new ConfigError(
          `--${name}`,
          `${v} is not a whole number in range`,
          `use ${range.min ?? '-∞'}–${range.max ?? '∞'}`,
        );
      return n;
    },
    list: (name) => (opts[flag(name)] as string[] | undefined) ?? [],
    multiline: (name) =>
      name === 'known-hosts'
        ? readTextFile(opts.knownHostsFile as string | undefined, 'known-hosts')
        : raw(name),
  };
}

/** Where the backups live: every backup verb takes these. */
function storeOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--environment <name>', 'environment name (names the key prefix)')
    .requiredOption('--bucket <name>', 'S3-compatible bucket')
    .option('--prefix <prefix>', 'key prefix (default ragship/<environment>)')
    .option('--endpoint <url>', 'S3-compatible endpoint (MinIO, R2, B2)')
    .option('--region <region>', 'bucket region', 'us-east-1')
    .option('--force-path-style <bool>', 'path-style URLs', 'false')
    .option('--checksum-mode <mode>', 'WHEN_SUPPORTED or WHEN_REQUIRED', 'WHEN_SUPPORTED');
}

/** The store plus where Chroma runs, encryption and alerts: backup and restore. */
function common(cmd: Command): Command {
  return storeOptions(cmd)
    .option('--passphrase-file <path>', 'encryption passphrase file (or env RAGSHIP_BACKUP_PASSPHRASE)')
    .option('--config <path>', "ragship.yml: the environment's Chroma host and compose project")
    .option('--role <name>', 'role of the environment that runs Chroma (with --config)')
    .option('--chroma-service <name>', 'compose service of Chroma (with --config)', 'chroma')
    .option('--host <user@host:port>', 'host running Chroma')
    .option('--ssh-key-file <path>', 'deploy private key (or env RAGSHIP_SSH_PRIVATE_KEY)')
    .option('--known-hosts-file <path>', 'known_hosts for the host')
    .option('--host-fingerprints <SHA256:...>', 'pinned host key fingerprint (repeatable)', collect)
    .option('--container <name>', 'Chroma container on the host')
    .option('--persist-path <path>', 'persist dir inside the container', '/data')
    .option('--chroma-port <port>', "Chroma's port inside the container", '8000')
    .option('--chroma-url <url>', 'a Chroma URL reachable from here (logical mode)')
    .option('--max-size-gb <n>', 'upper bound of one archive (fixes the part size)', '100')
    .option('--stop-timeout-seconds <n>', 'docker stop grace period', '120')
    .option('--health-timeout-seconds <n>', 'wait for the heartbeat after restart', '120')
    .option(
      '--webhook-format <format>',
      'slack, discord or json (webhook URL from env RAGSHIP_ALERT_WEBHOOK)',
    );
}

/** What `common` adds, read once for backup and restore. */
function readCommon(r: InputReader) {
  return {
    maxSizeBytes: r.int('max-size-gb', 100, { min: 1 }) * 1024 ** 3,
    stopTimeoutSeconds: r.int('stop-timeout-seconds', 120, { min: 1 }),
    healthTimeoutSeconds: r.int('health-timeout-seconds', 120, { min: 1 }),
    alert: {
      webhookUrl: r.secret('webhook-url') || undefined,
      webhookFormat: r.str('webhook-format') || undefined,
    },
  };
}

export function registerBackup(program: Command, ctx: () => CliContext): void {
  common(
    program
      .command('backup')
      .description(
        'back up Chroma to S3 (streamed, encrypted, manifest last), restore-drill it, prune verified backups',
      ),
  )
    .option('--mode <mode>', 'physical or logical', 'physical')
    .option('--command <command>', 'backup, verify or check-staleness', 'backup')
    .option('--config-path <dir>', 'app config folder on the host to back up too')
    .option('--min-size-bytes <n>', 'size floor of the dump', '65536')
    .option('--on-drift <mode>', 'fail or fuzzy', 'fail')
    .option('--page-size <n>', 'records per page (logical)', '1000')
    .option('--verify <bool>', 'run the restore drill', 'true')
    .option('--prune <bool>', 'apply retention after a verified backup', 'true')
    .option('--keep-last <n>', 'verified backups to keep', '7')
    .option('--keep-daily <n>', 'daily backups to keep', '7')
    .option('--keep-weekly <n>', 'weekly backups to keep', '4')
    .option('--keep-monthly <n>', 'monthly backups to keep', '6')
    .option('--max-age-hours <n>', 'staleness limit', '26')
    .option('--backup-id <id>', 'backup to drill (verify)', 'latest')
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
    .action(async (opts) => {
      const { logger, print } = ctx();
      const r = reader(opts);
      const environment = r.str('environment', { required: true });
      const command = oneOf(r.str('command'), ['backup', 'verify', 'check-staleness'] as const, '--command');
      const store = readStore(r, environment);
      const shared = readCommon(r);
      const { alert } = shared;
      if (command === 'check-staleness') {
        const s = await (await import('../backup/job.js')).runStaleness(
          { store, maxAgeHours: r.int('max-age-hours', 26), environment, alert },
          logger,
        );
        return print({ ok: true }, s.report.toString());
      }
      const passphrase = r.secret('encryption-passphrase', { required: true });
      if (command === 'verify') {
        const d = await (await import('../backup/job.js')).runDrill(
          {
            store,
            passphrase,
            backupId: r.str('backup-id'),
            chromaCommand: readChromaCommand(r),
            maxAgeHours: r.int('max-age-hours', 26),
            environment,
            alert,
          },
          logger,
        );
        return print(d.verify.verification, d.report.toString());
      }
      const fromConfig = readConfigSource(r, environment);
      const result = await (await import('../backup/job.js')).runBackupJob(
        {
          ...shared,
          environment,
          mode: oneOf(r.str('mode'), ['physical', 'logical'] as const, '--mode'),
          source: readSource(r, fromConfig),
          store,
          passphrase,
          minSizeBytes: r.int('min-size-bytes', 65536, { min: 1 }),
          onDrift: oneOf(r.str('on-drift'), ['fail', 'fuzzy'] as const, '--on-drift'),
          pageSize: r.int('page-size', 1000, { min: 1, max: 5000 }),
          configPath: r.str('config-path') || undefined,
          verify: r.bool('verify', true),
          retention: r.bool('prune', true) ? readRetention(r) : undefined,
          chromaCommand: readChromaCommand(r),
          metrics: readMetricsPush(r, fromConfig),
        },
        logger,
      );
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

  common(
    program
      .command('restore')
      .description(
        'restore a backup to a host (checked first, safety copy, verified after); --dry-run shows the changes',
      ),
  )
    .option('--backup-id <id>', 'backup id, latest or latest-verified', 'latest-verified')
    .option('--dry-run', 'show what would change, change nothing')
    .option('--no-safety-copy', 'skip the safety copy of the current data')
    .action(async (opts) => {
      const { logger, print } = ctx();
      const r = reader(opts);
      const environment = r.str('environment', { required: true });
      const { result, report } = await (await import('../backup/job.js')).runRestoreJob(
        {
          ...readCommon(r),
          environment,
          backupId: r.str('backup-id'),
          dryRun: !!opts.dryRun,
          safetyCopy: opts.safetyCopy !== false,
          source: readSource(r, readConfigSource(r, environment)),
          store: readStore(r, environment),
          passphrase: r.secret('encryption-passphrase', { required: true }),
        },
        logger,
      );
      print(result, report.toString());
    });

  storeOptions(
    program.command('backups').description('list the backups of an environment (committed, verified, size)'),
  ).action(async (opts) => {
    const { logger, print } = ctx();
    const r = reader(opts);
    const { backups, report } = await (await import('../backup/job.js')).listJob(
      readStore(r, r.str('environment', { required: true })),
      logger,
    );
    print(
      backups.map(({ manifest: _m, ...b }) => b),
      report.toString(),
    );
  });
}
