import { runAction } from '../github/run-action.js';
import { sshHostInputs } from '../github/ssh-inputs.js';
import type { HostCheckInputs } from '../preflight/host-check-run.js';

runAction<HostCheckInputs>({
  getInputs: sshHostInputs,
  async main(inputs, ctx) {
    // Loaded after the inputs are valid: SSH is most of the bundle (start-up time).
    const { runHostCheck } = await import('../preflight/host-check-run.js');
    const result = await runHostCheck(inputs, ctx.logger);
    ctx.setOutput('compose-commands', JSON.stringify(result.facts.map((f) => f.compose.join(' '))));
    ctx.setOutput('hosts', JSON.stringify(result.facts));
    ctx.saveState('checked', String(result.facts.length));
    await ctx.writeSummary(result.report);
  },
  async post(ctx) {
    ctx.logger.info(
      `host-check: ${ctx.getState('checked') || 0} host(s) were checked; no connection left open`,
    );
  },
});
