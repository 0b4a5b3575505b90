import * as input from '../github/inputs.js';
import { runAction } from '../github/run-action.js';
import { type HostCheckInputs, runHostCheck } from '../preflight/host-check-run.js';

runAction<HostCheckInputs>({
  getInputs: () => ({
    hosts: input.list('hosts'),
    sshPrivateKey: input.secret('ssh-private-key', { required: true }),
    knownHosts: input.multiline('known-hosts'),
    fingerprints: input.list('host-fingerprints'),
    connectTimeoutMs: input.int('connect-timeout-seconds', 15, { min: 1, max: 300 }) * 1000,
  }),
  async main(inputs, ctx) {
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
