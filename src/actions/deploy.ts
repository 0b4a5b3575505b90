import { errorMessage } from '../core/errors.js';
import {
  configAt,
  notifyOptionsFromRunner,
  releaseSavedLock,
  runIdentity,
  type SavedLock,
} from '../deploy/action-support.js';
import { parseDotenv } from '../deploy/env-file.js';
import { DeployNotifier } from '../deploy/notify.js';
import { type DeployInputs, runDeploy } from '../deploy/run.js';
import * as input from '../github/inputs.js';
import { runAction } from '../github/run-action.js';

const auth = () => ({
  sshPrivateKey: input.secret('ssh-private-key', { required: true }),
  knownHosts: input.multiline('known-hosts'),
  fingerprints: input.list('host-fingerprints'),
});

type Inputs = DeployInputs & { notify: Parameters<typeof notifyOptionsFromRunner>[0] };

runAction<Inputs>({
  getInputs: () => {
    const workdir = input.str('working-directory', { default: '.' });
    const config = configAt(workdir, input.str('config', { default: 'ragship.yml' }));
    const environment = input.str('environment', { required: true });
    const identity = runIdentity();
    return {
      ...auth(),
      config,
      environment,
      image: input.str('image', { required: true }),
      env: parseDotenv(input.secret('env'), "input 'env'"),
      registryUsername: input.str('registry-username'),
      registryPassword: input.secret('registry-password'),
      repoDir: workdir,
      gitSha: input.str('git-sha', { default: process.env.GITHUB_SHA ?? '' }) || undefined,
      schemaVersion: input.str('schema-version') || undefined,
      dryRun: input.bool('dry-run'),
      lockWaitSeconds: input.int('lock-wait-seconds', 0, { min: 0, max: 21600 }),
      ...identity,
      notify: {
        token: input.secret('github-token'),
        deploymentStatus: input.bool('deployment-status'),
        webhookUrl: input.secret('webhook-url'),
        webhookFormat: input.str('webhook-format'),
        environment,
        app: config.app,
        kind: 'deploy',
        runUrl: identity.runUrl,
      },
    };
  },
  async main(inputs, ctx) {
    const notifier = new DeployNotifier(notifyOptionsFromRunner(inputs.notify), ctx.logger);
    await notifier.start();
    const r = await runDeploy(inputs, {
      logger: ctx.logger,
      onLocked: (lock) => ctx.saveState('lock', JSON.stringify(lock)),
    }).catch(async (err: unknown) => {
      await notifier.finish({ ok: false, detail: errorMessage(err) });
      throw err;
    });
    await notifier.finish({ ok: true, detail: r.releaseId, image: r.image, url: r.url });
    ctx.saveState('lock-released', 'true');
    for (const [k, v] of Object.entries({
      'release-id': r.releaseId,
      'previous-release-id': r.previousReleaseId ?? '',
      image: r.image,
      url: r.url ?? '',
      'time-to-healthy': (r.timeToHealthyMs / 1000).toFixed(1),
    }))
      ctx.setOutput(k, v);
    await ctx.writeSummary(r.report);
  },
  async post(ctx) {
    const saved = ctx.getState('lock');
    if (!saved || ctx.getState('lock-released') === 'true') return;
    if (await releaseSavedLock(JSON.parse(saved) as SavedLock, auth(), ctx.logger))
      ctx.logger.warn(
        'the deploy did not finish (cancelled or failed); its lock was released by the post step',
      );
  },
});
