import { actionInputs } from '../github/inputs.js';
import { runAction } from '../github/run-action.js';
import { readProvisionInputs } from '../provision/inputs.js';
import type { ProvisionInputs } from '../provision/settings.js';

runAction<ProvisionInputs>({
  getInputs: () => readProvisionInputs(actionInputs),
  async main(inputs, ctx) {
    // Loaded after the inputs are valid: SSH is most of the bundle (start-up time).
    const { runProvision } = await import('../provision/run.js');
    const result = await runProvision(inputs, ctx.logger);
    ctx.setOutput('changed', result.changed);
    ctx.setOutput('steps', JSON.stringify(result.hosts));
    await ctx.writeSummary(result.report);
    if (result.error) throw result.error;
  },
});
