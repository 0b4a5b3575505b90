import { ConfigError, UserError } from '../core/errors.js';
import { isValid } from '../core/validate.js';
import { readConnection } from '../deploy/inputs.js';
import { actionInputs as input } from '../github/inputs.js';
import { runAction } from '../github/run-action.js';
import type { StatusInputs } from '../operate/status.js';

type Inputs = StatusInputs & { failOn: 'never' | 'drift' | 'unhealthy' };

runAction<Inputs>({
  getInputs: () => {
    const role = input.str('role') || undefined;
    if (role !== undefined && !isValid('name', role))
      throw new ConfigError(
        input.where('role'),
        `${JSON.stringify(role)} is not a role name`,
        'use a role of the environment in ragship.yml (e.g. web)',
      );
    const failOn = input.str('fail-on', { default: 'never' });
    if (failOn !== 'never' && failOn !== 'drift' && failOn !== 'unhealthy')
      throw new ConfigError(
        input.where('fail-on'),
        `${JSON.stringify(failOn)} is not never, drift or unhealthy`,
        'set fail-on: never, drift or unhealthy',
      );
    return { ...readConnection(input, input.str('working-directory', { default: '.' })), role, failOn };
  },
  async main(inputs, ctx) {
    // Loaded after the inputs are valid: SSH is most of the bundle (start-up time).
    const { runStatus } = await import('../operate/status.js');
    const { report, ...r } = await runStatus(inputs, { logger: ctx.logger });
    await ctx.writeSummary(report);
    ctx.setOutput('exit-code', r.exitCode);
    ctx.setOutput('drifted', r.drifted);
    ctx.setOutput('unhealthy', r.unhealthy);
    ctx.setOutput('active-release', r.active?.id ?? '');
    ctx.setOutput('status', JSON.stringify(r));
    // exit codes of `ragship status`: 3 drift (or nothing deployed), 4 unhealthy
    if (
      (inputs.failOn === 'drift' && r.exitCode !== 0) ||
      (inputs.failOn === 'unhealthy' && r.exitCode === 4)
    )
      throw new UserError(
        `status ${inputs.environment}`,
        r.unhealthy
          ? 'a service is unhealthy'
          : 'what runs differs from the release log (drift) or nothing is deployed',
        'see the job summary; redeploy or roll back',
      );
  },
});
