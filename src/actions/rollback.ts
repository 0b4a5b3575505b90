import { configAt, releaseSavedLock, runIdentity, type SavedLock } from '../deploy/action-support.js';
import * as input from '../github/inputs.js';
import { runAction } from '../github/run-action.js';
import { type RollbackInputs, runRollback } from '../rollback/run.js';

const auth = () => ({
  sshPrivateKey: input.secret('ssh-private-key', { required: true }),
  knownHosts: input.multiline('known-hosts'),
  fingerprints: input.list('host-fingerprints'),
});

runAction<RollbackInputs>({
  getInputs: () => {
    const workdir = input.str('working-directory', { default: '.' });
    return {
      ...auth(),
      config: configAt(workdir, input.str('config', { default: 'ragship.yml' })),
      environment: input.str('environment', { required: true }),
      to: input.str('to', { default: 'previous' }),
      reason: input.str('reason'),
      blockOnOlderSchema: !input.bool('allow-older-schema', true),
      registryUsername: input.str('registry-username'),
      registryPassword: input.secret('registry-password'),
      lockWaitSeconds: input.int('lock-wait-seconds', 0, { min: 0, max: 21600 }),
      ...runIdentity(),
    };
  },
  async main(inputs, ctx) {
    const r = await runRollback(inputs, {
      logger: ctx.logger,
      onLocked: (lock) => ctx.saveState('lock', JSON.stringify(lock)),
    });
    ctx.saveState('lock-released', 'true');
    for (const [k, v] of Object.entries({
      'release-id': r.releaseId,
      'rolled-back-to': r.targetReleaseId,
      'rolled-back-from': r.fromReleaseId ?? '',
      image: r.image,
      'time-to-healthy': (r.timeToHealthyMs / 1000).toFixed(1),
    }))
      ctx.setOutput(k, v);
    await ctx.writeSummary(r.report);
  },
  async post(ctx) {
    const saved = ctx.getState('lock');
    if (!saved || ctx.getState('lock-released') === 'true') return;
    await releaseSavedLock(JSON.parse(saved) as SavedLock, auth(), ctx.logger);
  },
});
