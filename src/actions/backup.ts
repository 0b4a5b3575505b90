import { type BackupCommand, readBackupJob } from '../backup/inputs.js';
import type { BackupJobOptions } from '../backup/job.js';
import { actionInputs } from '../github/inputs.js';
import { runAction } from '../github/run-action.js';

type Inputs = BackupJobOptions & { command: BackupCommand; backupId: string };

runAction<Inputs>({
  getInputs: () => readBackupJob(actionInputs),
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
    // A killed run (SIGKILL, runner lost) cannot restart Chroma itself: the post step does.
    const r = await runBackupJob(
      {
        ...i,
        onChromaDown: (down, container) => ctx.saveState('chroma-down', down ? container : ''),
        onLocked: (lock) => ctx.saveState('lock', lock ? JSON.stringify(lock) : ''),
      },
      ctx.logger,
    );
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
  async post(ctx) {
    const container = ctx.getState('chroma-down');
    const lock = ctx.getState('lock');
    if (!container && !lock) return;
    // The post step sees the step's inputs again: the same host connection as the main step.
    const { source, lock: target } = readBackupJob(actionInputs);
    if (!source.host) return;
    if (container) {
      const { restartAfterCancel } = await import('../backup/stopped-guard.js');
      await restartAfterCancel(source.host, container, ctx.logger);
    }
    // Chroma first, then the environment's deploy lock the killed run still held.
    if (lock && target) {
      const { connectHost } = await import('../backup/backup.js');
      const { releaseSavedLock } = await import('../backup/env-lock.js');
      const host = connectHost({ ...source.host, spec: target.hostSpec }, ctx.logger);
      try {
        await releaseSavedLock(host, JSON.parse(lock), ctx.logger);
      } finally {
        host.close();
      }
    }
  },
});
