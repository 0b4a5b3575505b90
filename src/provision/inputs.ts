import type { InputReader } from '../core/input-reader.js';
import { sshHostInputs } from '../preflight/ssh-host-inputs.js';
import { DEFAULT_INPUTS as d, type ProvisionInputs } from './settings.js';

/** Every input of actions/provision and `ragship provision`, read once (same names, same limits). */
export function readProvisionInputs(r: InputReader): ProvisionInputs {
  return {
    ...sshHostInputs(r),
    deployUser: r.str('deploy-user', { default: d.deployUser }),
    deployPrivateKey: r.privateKey('deploy-private-key'),
    deployPublicKeys: r.lines('deploy-public-keys'),
    deployKeyOptions: r.str('deploy-key-options', { default: d.deployKeyOptions }),
    registryTunnelPort: r.int('registry-tunnel-port', d.registryTunnelPort, { min: 0, max: 65535 }),
    deployRoot: r.str('deploy-root', { default: d.deployRoot }),
    adminUser: r.str('admin-user'),
    dockerSource: r.str('docker-source', { default: d.dockerSource }),
    sshRateLimit: r.bool('ssh-rate-limit', d.sshRateLimit),
    openHttp: r.bool('open-http', d.openHttp),
    allowPorts: r.list('allow-ports'),
    dockerLogMaxSize: r.str('docker-log-max-size', { default: d.dockerLogMaxSize }),
    dockerLogMaxFile: r.int('docker-log-max-file', d.dockerLogMaxFile, { min: 1, max: 100 }),
    journalMaxUse: r.str('journal-max-use', { default: d.journalMaxUse }),
    journalRetentionDays: r.int('journal-retention-days', d.journalRetentionDays, { min: 1, max: 3650 }),
    permitRootLogin: r.str('permit-root-login', { default: d.permitRootLogin }),
    hardenSsh: r.bool('harden-ssh', d.hardenSsh),
    gpu: r.bool('gpu', false),
    gpuInstallDriver: r.bool('gpu-install-driver', false),
    gpuTestImage: r.str('gpu-test-image', { default: d.gpuTestImage }),
    steps: r.list('steps'),
    dryRun: r.bool('dry-run', false),
  };
}
