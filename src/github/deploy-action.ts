import { errorMessage } from '../core/errors.js';
import type { InputReader } from '../core/input-reader.js';
import type { Report } from '../core/report.js';
import {
  notifyOptionsFromRunner,
  releaseSavedLock,
  runIdentity,
  type SavedLock,
} from '../deploy/action-support.js';
import { failureOf, failureReport } from '../deploy/failure.js';
import { readConnection } from '../deploy/inputs.js';
import { DeployNotifier } from '../deploy/notify.js';
import type { ConnectionInputs } from '../deploy/session.js';
import { actionInputs as input } from './inputs.js';
import { runAction } from './run-action.js';

/** The inputs deploy and rollback share, read once with the names of their action.yml files. */
export interface DeployActionCommon extends ConnectionInputs {
  runId: string;
  actor: string;
  runUrl?: string;
  lockWaitSeconds?: number;
}

type Lock = { host: string; dir: string; token: string };

export interface DeployActionSpec<I, R extends { report: Report }> {
  kind: 'deploy' | 'rollback';
  /** Inputs only this action has, through the shared reader; `workdir` is the working-directory input. */
  getInputs(workdir: string, r: InputReader): I;
  run(
    inputs: DeployActionCommon & I,
    ports: { logger: import('../core/logger.js').Logger; onLocked: (lock: Lock) => void },
  ): Promise<R>;
  /** Action outputs from the result. */
  outputs(result: R): Record<string, string>;
  /** What the deployment status / webhook says on success. */
  notice(result: R): { detail: string; image?: string; url?: string };
}

const auth = () => ({
  sshPrivateKey: input.privateKey('ssh-private-key', { required: true }),
  knownHosts: input.multiline('known-hosts'),
  fingerprints: input.list('host-fingerprints'),
});

/**
 * Deploy and rollback as actions: one lock saved for the post step (which releases it when the
 * run was cancelled or failed), optional deployment statuses and webhook, outputs, summary.
 */
export function runDeployAction<I, R extends { report: Report }>(
  spec: DeployActionSpec<I, R>,
): Promise<void> {
  type Inputs = DeployActionCommon & I & { notify: Parameters<typeof notifyOptionsFromRunner>[0] };
  return runAction<Inputs>({
    getInputs: () => {
      const workdir = input.str('working-directory', { default: '.' });
      const connection = readConnection(input, workdir);
      const { config, environment } = connection;
      const identity = runIdentity();
      return {
        ...connection,
        ...identity,
        ...spec.getInputs(workdir, input),
        notify: {
          token: input.secret('github-token'),
          deploymentStatus: input.bool('deployment-status'),
          webhookUrl: input.secret('webhook-url'),
          webhookFormat: input.str('webhook-format'),
          environment,
          app: config.app,
          kind: spec.kind,
          runUrl: identity.runUrl,
        },
      };
    },
    async main(inputs, ctx) {
      const notifier = new DeployNotifier(notifyOptionsFromRunner(inputs.notify), ctx.logger);
      await notifier.start();
      const result = await spec
        .run(inputs, { logger: ctx.logger, onLocked: (lock) => ctx.saveState('lock', JSON.stringify(lock)) })
        .catch(async (err: unknown) => {
          // The summary a person reads first: host, step, error, last log lines, what serves.
          const failure = failureOf(err);
          if (failure) await ctx.writeSummary(failureReport(failure));
          await notifier.finish({ ok: false, detail: errorMessage(err) });
          throw err;
        });
      await notifier.finish({ ok: true, ...spec.notice(result) });
      ctx.saveState('lock-released', 'true');
      for (const [name, value] of Object.entries(spec.outputs(result))) ctx.setOutput(name, value);
      await ctx.writeSummary(result.report);
    },
    async post(ctx) {
      const saved = ctx.getState('lock');
      if (!saved || ctx.getState('lock-released') === 'true') return;
      if (await releaseSavedLock(JSON.parse(saved) as SavedLock, auth(), ctx.logger))
        ctx.logger.warn(
          `the ${spec.kind} did not finish (cancelled or failed); its lock was released by the post step`,
        );
    },
  });
}
