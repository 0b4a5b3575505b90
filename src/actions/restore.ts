import { readRestoreJob } from '../backup/inputs.js';
import type { AlertOptions } from '../backup/job.js';
import type { RestoreOptions } from '../backup/restore.js';
import { actionInputs } from '../github/inputs.js';
import { runAction } from '../github/run-action.js';

runAction<RestoreOptions & { alert: AlertOptions }>({
  getInputs: () => readRestoreJob(actionInputs),
  async main(i, ctx) {
    // Loaded after the inputs are valid: the S3 SDK, SSH and Chroma client are most of the bundle.
    const { runRestoreJob } = await import('../backup/job.js');
    // A killed restore cannot release the environment's deploy lock itself: the post step does.
    const { result, report } = await runRestoreJob(
      { ...i, onLocked: (lock) => ctx.saveState('lock', lock ? JSON.stringify(lock) : '') },
      ctx.logger,
    );
    ctx.setOutput('backup-id', result.id);
    ctx.setOutput('safety-copy-id', result.safetyCopyId ?? '');
    ctx.setOutput('changes', JSON.stringify(result.changes));
    ctx.setOutput(
      'downtime-seconds',
      result.downtimeMs === undefined ? '' : (result.downtimeMs / 1000).toFixed(1),
    );
    await ctx.writeSummary(report);
  },
  async post(ctx) {
    const lock = ctx.getState('lock');
    if (!lock) return;
    const { source, lock: target } = readRestoreJob(actionInputs);
    if (!source.host || !target) return;
    const { connectHost } = await import('../backup/backup.js');
    const { releaseSavedLock } = await import('../backup/env-lock.js');
    const host = connectHost({ ...source.host, spec: target.hostSpec }, ctx.logger);
    try {
      await releaseSavedLock(host, JSON.parse(lock), ctx.logger);
    } finally {
      host.close();
    }
  },
});
