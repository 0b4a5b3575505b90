import { oneOf, readConfigSource, readSource, readStore } from '../backup/inputs.js';
import type { AlertOptions } from '../backup/job.js';
import type { RestoreOptions } from '../backup/restore.js';
import * as input from '../github/inputs.js';
import { runAction } from '../github/run-action.js';

runAction<RestoreOptions & { alert: AlertOptions }>({
  getInputs: () => {
    const environment = input.str('environment', { required: true });
    return {
      environment,
      backupId: input.str('backup-id', { default: 'latest-verified' }),
      dryRun: input.bool('dry-run', false),
      safetyCopy: input.bool('safety-copy', true),
      source: readSource(input, readConfigSource(input, environment)),
      store: readStore(input, environment),
      passphrase: input.secret('encryption-passphrase', { required: true }),
      maxSizeBytes: input.int('max-size-gb', 100, { min: 1 }) * 1024 ** 3,
      stopTimeoutSeconds: input.int('stop-timeout-seconds', 120, { min: 1, max: 3600 }),
      healthTimeoutSeconds: input.int('health-timeout-seconds', 120, { min: 1, max: 3600 }),
      alert: {
        webhookUrl: input.secret('webhook-url') || undefined,
        webhookFormat: input.str('webhook-format') || undefined,
      },
    };
  },
  async main(i, ctx) {
    oneOf(i.source.host || i.source.chromaUrl ? 'ok' : '', ['ok'] as const, "input 'host' or 'chroma-url'");
    // Loaded after the inputs are valid: the S3 SDK, SSH and Chroma client are most of the bundle.
    const { runRestoreJob } = await import('../backup/job.js');
    const { result, report } = await runRestoreJob(i, ctx.logger);
    ctx.setOutput('backup-id', result.id);
    ctx.setOutput('safety-copy-id', result.safetyCopyId ?? '');
    ctx.setOutput('changes', JSON.stringify(result.changes));
    ctx.setOutput(
      'downtime-seconds',
      result.downtimeMs === undefined ? '' : (result.downtimeMs / 1000).toFixed(1),
    );
    await ctx.writeSummary(report);
  },
});
