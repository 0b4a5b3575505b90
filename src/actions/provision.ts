import * as input from '../github/inputs.js';
import { runAction } from '../github/run-action.js';
import { sshHostInputs } from '../github/ssh-inputs.js';
import type { ProvisionInputs } from '../provision/settings.js';

runAction<ProvisionInputs>({
  getInputs: () => ({
    ...sshHostInputs(),
    deployUser: input.str('deploy-user', { default: 'deploy' }),
    deployPrivateKey: input.secret('deploy-private-key'),
    deployPublicKeys: input
      .multiline('deploy-public-keys')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
    deployKeyOptions: input.str('deploy-key-options'),
    registryTunnelPort: input.int('registry-tunnel-port', 0, { min: 0, max: 65535 }),
    deployRoot: input.str('deploy-root', { default: '/srv/ragship' }),
    adminUser: input.str('admin-user'),
    dockerSource: input.str('docker-source', { default: 'distribution' }),
    sshRateLimit: input.bool('ssh-rate-limit', true),
    openHttp: input.bool('open-http', true),
    allowPorts: input.list('allow-ports'),
    dockerLogMaxSize: input.str('docker-log-max-size', { default: '10m' }),
    dockerLogMaxFile: input.int('docker-log-max-file', 3, { min: 1, max: 100 }),
    journalMaxUse: input.str('journal-max-use', { default: '500M' }),
    journalRetentionDays: input.int('journal-retention-days', 14, { min: 1, max: 3650 }),
    permitRootLogin: input.str('permit-root-login', { default: 'no' }),
    hardenSsh: input.bool('harden-ssh', true),
    gpu: input.bool('gpu', false),
    gpuInstallDriver: input.bool('gpu-install-driver', false),
    gpuTestImage: input.str('gpu-test-image', { default: 'ubuntu:24.04' }),
    steps: input.list('steps'),
    dryRun: input.bool('dry-run', false),
  }),
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
