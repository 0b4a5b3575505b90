import {
  oneOf,
  readChromaCommand,
  readConfigSource,
  readMetricsPush,
  readRetention,
  readSource,
  readStore,
} from '../backup/inputs.js';
import type { BackupJobOptions } from '../backup/job.js';
import * as input from '../github/inputs.js';
import { runUrl } from '../github/run.js';
import { runAction } from '../github/run-action.js';

type Inputs = BackupJobOptions & { command: 'backup' | 'verify' | 'check-staleness'; backupId: string };

runAction<Inputs>({
  getInputs: () => {
    const environment = input.str('environment', { required: true });
    const fromConfig = readConfigSource(input, environment);
    return {
      command: oneOf(
        input.str('command', { default: 'backup' }),
        ['backup', 'verify', 'check-staleness'] as const,
        "input 'command'",
      ),
      environment,
      mode: oneOf(
        input.str('mode', { default: 'physical' }),
        ['physical', 'logical'] as const,
        "input 'mode'",
      ),
      source: readSource(input, fromConfig),
      store: readStore(input, environment),
      passphrase: input.secret('encryption-passphrase', { required: true }),
      minSizeBytes: input.int('min-size-bytes', 65536, { min: 1 }),
      maxSizeBytes: input.int('max-size-gb', 100, { min: 1, max: 50_000 }) * 1024 ** 3,
      stopTimeoutSeconds: input.int('stop-timeout-seconds', 120, { min: 1, max: 3600 }),
      healthTimeoutSeconds: input.int('health-timeout-seconds', 120, { min: 1, max: 3600 }),
      onDrift: oneOf(
        input.str('on-drift', { default: 'fail' }),
        ['fail', 'fuzzy'] as const,
        "input 'on-drift'",
      ),
      pageSize: input.int('page-size', 1000, { min: 1, max: 5000 }),
      configPath: input.str('config-path') || undefined,
      verify: input.bool('verify', true),
      retention: input.bool('prune', true) ? readRetention(input) : undefined,
      maxAgeHours: input.int('max-age-hours', 26, { min: 1 }),
      chromaCommand: readChromaCommand(input),
      backupId: input.str('backup-id', { default: 'latest' }),
      metrics: readMetricsPush(input, fromConfig),
      alert: {
        webhookUrl: input.secret('webhook-url') || undefined,
        webhookFormat: input.str('webhook-format') || undefined,
        runUrl: runUrl(),
      },
    };
  },
  async main(i, ctx) {
    // Loaded after the inputs are valid: the S3 SDK, SSH and Chroma client are most of the bundle.
    const { runBackupJob, runDrill, runStaleness } = await import('../backup/job.js');
    if (i.command === 'check-staleness')
      return ctx.writeSummary((await runStaleness(i as Required<Inputs>, ctx.logger)).report);
    if (i.command === 'verify') {
      const d = await runDrill(i, ctx.logger);
      ctx.setOutput('backup-id', d.verify.manifest.id);
      ctx.setOutput('verified', true);
      ctx.setOutput('records', d.verify.verification.records);
      return ctx.writeSummary(d.report);
    }
    const r = await runBackupJob(i, ctx.logger);
    const m = r.backup!.manifest;
    ctx.setOutput('backup-id', m.id);
    ctx.setOutput('manifest-key', r.backup!.manifestKey);
    ctx.setOutput('stored-bytes', m.archive.storedBytes);
    ctx.setOutput('mb-per-second', r.backup!.mbPerSecond.toFixed(2));
    ctx.setOutput('downtime-seconds', m.downtimeMs === undefined ? '' : (m.downtimeMs / 1000).toFixed(1));
    ctx.setOutput('verified', !!r.verify);
    ctx.setOutput('metrics-pushed', !!r.metrics?.pushed);
    ctx.setOutput(
      'records',
      m.chroma.collections.reduce((a, c) => a + c.count, 0),
    );
    await ctx.writeSummary(r.report);
  },
});
