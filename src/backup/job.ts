import { errorMessage } from '../core/errors.js';
import { formatDuration, type Logger } from '../core/logger.js';
import { sendAlert, webhookFormat } from '../core/notify.js';
import { Report } from '../core/report.js';
import { checkStaleness, stalenessError } from './alerts.js';
import { type BackupOptions, type BackupResult, runBackup } from './backup.js';
import { listBackups } from './catalog.js';
import { type MetricsPushOptions, type PushResult, pushBackupMetrics } from './metrics.js';
import { type RestoreOptions, type RestoreResult, restoreBackup } from './restore.js';
import { applyRetention, type RetentionPolicy } from './retention.js';
import { BackupStore } from './store.js';
import { type VerifyResult, verifyBackup } from './verify.js';

export interface AlertOptions {
  webhookUrl?: string;
  webhookFormat?: string;
  /** Link in the alert (the workflow run). */
  runUrl?: string;
}

export interface BackupJobOptions extends BackupOptions {
  /** 'backup' (take, verify, prune), 'verify' (drill an existing backup), 'check-staleness'. */
  verify: boolean;
  retention?: RetentionPolicy;
  maxAgeHours?: number;
  chromaCommand?: string[];
  alert: AlertOptions;
  /** Push the staleness metrics to a Pushgateway (after a verified backup, or on failure). */
  metrics?: MetricsPushOptions;
}

export interface BackupJobResult {
  backup?: BackupResult;
  verify?: VerifyResult;
  retention?: Awaited<ReturnType<typeof applyRetention>>;
  /** The Pushgateway push of the success metrics, when metrics are configured and verify ran. */
  metrics?: PushResult;
  report: Report;
}

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

async function alertOnFailure<T>(
  alert: AlertOptions,
  title: string,
  logger: Logger,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await sendAlert(
      alert.webhookUrl,
      webhookFormat(alert.webhookUrl ?? '', alert.webhookFormat),
      title,
      errorMessage(err),
      logger,
      alert.runUrl,
    );
    throw err;
  }
}

/**
 * backup → verify (restore drill) → metrics push (only after a passing verify) → retention
 * (only after a passing verify) → summary. A failed run pushes only the failure timestamp.
 */
export async function runBackupJob(o: BackupJobOptions, logger: Logger): Promise<BackupJobResult> {
  const started = performance.now();
  try {
    return await backupJob(o, logger, started);
  } catch (err) {
    if (o.metrics)
      await pushBackupMetrics(o.metrics, o.environment, { kind: 'failure', at: Date.now() / 1000 }, logger);
    throw err;
  }
}

async function backupJob(o: BackupJobOptions, logger: Logger, started: number): Promise<BackupJobResult> {
  return alertOnFailure(o.alert, `ragship backup of ${o.environment} FAILED`, logger, async () => {
    const report = new Report().heading(`Backup of ${o.environment}`);
    const backup = await runBackup(o, logger);
    const m = backup.manifest;
    report.table(
      [
        'backup',
        'mode',
        'collections',
        'records',
        'files',
        'plain',
        'stored',
        'MB/s',
        'downtime',
        'duration',
      ],
      [
        [
          m.id,
          m.mode + (m.fuzzy ? ' (fuzzy)' : ''),
          m.chroma.collections.length,
          m.chroma.collections.reduce((a, c) => a + c.count, 0),
          m.archive.files.length,
          mb(m.archive.plainBytes),
          mb(m.archive.storedBytes),
          backup.mbPerSecond.toFixed(1),
          m.downtimeMs === undefined
            ? '—'
            : `${formatDuration(m.downtimeMs)}${m.snapshotCopyMs === undefined ? '' : ` (local copy ${formatDuration(m.snapshotCopyMs)})`}`,
          formatDuration(m.durationMs),
        ],
      ],
    );
    report.table(
      ['collection', 'count', 'dimension'],
      m.chroma.collections.map((c) => [c.name, c.count, c.dimension ?? '—']),
    );
    const store = new BackupStore(o.store, logger);
    let verify: VerifyResult | undefined;
    let retention: BackupJobResult['retention'];
    let metrics: PushResult | undefined;
    if (o.verify) {
      verify = await logger.group(`restore drill of ${m.id}`, () =>
        verifyBackup(
          store,
          m.id,
          { passphrase: o.passphrase, record: true, chromaCommand: o.chromaCommand },
          logger,
        ),
      );
      report.heading('Restore drill', 3).table(
        ['check', 'result'],
        verify.checks.map((c) => [c.check, c.result]),
      );
      if (o.metrics) {
        metrics = await pushBackupMetrics(
          o.metrics,
          o.environment,
          {
            kind: 'success',
            at: Date.now() / 1000,
            storedBytes: m.archive.storedBytes,
            durationSeconds: (performance.now() - started) / 1000,
            records: m.chroma.collections.reduce((a, c) => a + c.count, 0),
          },
          logger,
        );
        report
          .heading('Metrics', 3)
          .text(
            metrics.pushed
              ? `Pushed the success metrics to \`${metrics.target}\`.`
              : `**NOT pushed**: the success metrics could not reach \`${metrics.target}\` (${metrics.error}). The backup itself is stored and verified; \`BackupStale\` fires once the last pushed success is 26 h old, so fix the Pushgateway or re-run.`,
          );
      }
      if (o.retention) {
        retention = await logger.group('retention', () => applyRetention(store, o.retention!, logger));
        report
          .heading('Retention', 3)
          .text(
            `kept ${retention.keep.length} verified backup(s), removed ${retention.remove.length}${retention.unverified.length ? `, ${retention.unverified.length} unverified left alone` : ''}`,
          );
      }
    } else {
      if (o.retention) logger.warn('retention skipped: it only runs after a verified backup (verify: true)');
      if (o.metrics) {
        logger.warn(
          'metrics not pushed: the success timestamp is only pushed after a verified backup (verify: true)',
        );
        report
          .heading('Metrics', 3)
          .text('**NOT pushed**: verify is off, and only a verified backup counts as a success.');
      }
    }
    return { backup, verify, retention, metrics, report };
  });
}

/** The scheduled restore drill: verify the newest (or a given) backup, then the dead-man check. */
export async function runDrill(
  o: {
    store: BackupOptions['store'];
    passphrase: string;
    backupId: string;
    chromaCommand?: string[];
    maxAgeHours?: number;
    environment: string;
    alert: AlertOptions;
  },
  logger: Logger,
): Promise<{ verify: VerifyResult; report: Report }> {
  return alertOnFailure(o.alert, `ragship restore drill of ${o.environment} FAILED`, logger, async () => {
    const store = new BackupStore(o.store, logger);
    const { resolveBackupId } = await import('./catalog.js');
    const id = await resolveBackupId(store, o.backupId);
    const verify = await verifyBackup(
      store,
      id,
      { passphrase: o.passphrase, record: true, chromaCommand: o.chromaCommand },
      logger,
    );
    const report = new Report().heading(`Restore drill of ${o.environment}: ${id}`).table(
      ['check', 'result'],
      verify.checks.map((c) => [c.check, c.result]),
    );
    if (o.maxAgeHours) {
      const s = await checkStaleness(store, o.maxAgeHours);
      if (s.stale) throw stalenessError(s, o.maxAgeHours, `backups of ${o.environment}`);
      report.text(`Newest verified backup is ${s.ageHours!.toFixed(1)} h old (limit ${o.maxAgeHours} h).`);
    }
    return { verify, report };
  });
}

export async function runStaleness(
  o: { store: BackupOptions['store']; maxAgeHours: number; environment: string; alert: AlertOptions },
  logger: Logger,
): Promise<{ report: Report }> {
  return alertOnFailure(o.alert, `ragship backups of ${o.environment} are STALE`, logger, async () => {
    const store = new BackupStore(o.store, logger);
    const s = await checkStaleness(store, o.maxAgeHours);
    if (s.stale) throw stalenessError(s, o.maxAgeHours, `backups of ${o.environment}`);
    return {
      report: new Report()
        .heading(`Backups of ${o.environment}`)
        .text(
          `Newest verified backup ${s.newestVerified} is ${s.ageHours!.toFixed(1)} h old (limit ${o.maxAgeHours} h).`,
        ),
    };
  });
}

export async function runRestoreJob(
  o: RestoreOptions & { alert: AlertOptions },
  logger: Logger,
): Promise<{ result: RestoreResult; report: Report }> {
  return alertOnFailure(o.alert, `ragship restore of ${o.environment} FAILED`, logger, async () => {
    const result = await restoreBackup(o, logger);
    const report = new Report()
      .heading(`${result.dryRun ? 'Dry run: restore' : 'Restore'} of ${o.environment} from ${result.id}`)
      .table(
        ['collection', 'now', 'after restore'],
        result.changes.map((c) => [c.collection, c.now ?? '—', c.after]),
      );
    if (result.safetyCopyId)
      report.text(`Safety copy of the previous data: backup \`${result.safetyCopyId}\`.`);
    if (result.downtimeMs !== undefined)
      report.text(`Chroma downtime: ${formatDuration(result.downtimeMs)}.`);
    return { result, report };
  });
}

export async function listJob(
  store: BackupOptions['store'],
  logger: Logger,
): Promise<{ backups: Awaited<ReturnType<typeof listBackups>>; report: Report }> {
  const backups = await listBackups(new BackupStore(store, logger));
  const report = new Report().heading('Backups').table(
    ['id', 'committed', 'verified', 'size'],
    backups.map((b) => [
      b.id,
      b.committed ? 'yes' : 'NO (incomplete)',
      b.verified ? 'yes' : 'no',
      mb(b.bytes),
    ]),
  );
  return { backups, report };
}
