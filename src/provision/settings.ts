import { ConfigError } from '../core/errors.js';
import { validate } from '../core/validate.js';
import { STEP_IDS, type StepId } from './step.js';

/** Provisioning inputs as the action and the CLI pass them (strings as typed by a person). */
export interface ProvisionInputs {
  /** user@host[:port]: root, or a user with passwordless sudo. */
  hosts: string[];
  sshPrivateKey: string;
  knownHosts: string;
  fingerprints: string[];
  connectTimeoutMs: number;
  /** A jump host (user@host[:port]) every connection goes through. */
  sshProxy?: string;
  deployUser: string;
  /** The deploy user's private key: its public half is installed, and it proves the login before sshd is hardened. */
  deployPrivateKey: string;
  /** More public keys for the deploy user (one per line). */
  deployPublicKeys: string[];
  /** authorized_keys options for the deploy user's keys. */
  deployKeyOptions: string;
  /** Lets the deploy key open exactly this reverse tunnel port (registry.tunnel in ragship.yml); 0 = none. */
  registryTunnelPort: number;
  deployRoot: string;
  /** Optional sudo user kept for later provisioning runs once root login is off. */
  adminUser: string;
  dockerSource: string;
  sshRateLimit: boolean;
  openHttp: boolean;
  /** More ufw rules to allow, e.g. 8443/tcp. */
  allowPorts: string[];
  dockerLogMaxSize: string;
  dockerLogMaxFile: number;
  journalMaxUse: string;
  journalRetentionDays: number;
  permitRootLogin: string;
  hardenSsh: boolean;
  gpu: boolean;
  gpuInstallDriver: boolean;
  gpuTestImage: string;
  /** Only these steps (empty = all). */
  steps: string[];
  dryRun: boolean;
}

/** The same inputs, validated: every string that reaches a host matched an anchored grammar. */
export interface ProvisionSettings {
  deployUser: string;
  deployPublicKeys: string[];
  deployPrivateKey: string;
  deployKeyOptions: string;
  deployRoot: string;
  adminUser?: string;
  /** Public key of the provisioning key: the admin user's login. */
  adminPublicKey?: string;
  dockerSource: 'distribution' | 'docker';
  sshRateLimit: boolean;
  openHttp: boolean;
  allowPorts: string[];
  dockerLogMaxSize: string;
  dockerLogMaxFile: number;
  journalMaxUse: string;
  journalRetentionDays: number;
  permitRootLogin: 'no' | 'prohibit-password';
  hardenSsh: boolean;
  gpu: boolean;
  gpuInstallDriver: boolean;
  gpuTestImage: string;
  steps: Set<StepId>;
  dryRun: boolean;
}

const PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) ([A-Za-z0-9+/]+={0,3})(?: ([ -~]{0,200}))?$/;
// authorized_keys options without quoted values (no command="…", no environment="…"):
// enough for restrict / no-*-forwarding / no-pty / from is not allowed here on purpose.
const KEY_OPTIONS = /^(?:[a-z][a-z0-9-]{0,40})(?:,[a-z][a-z0-9-]{0,40}){0,15}$/;
const ABS_PATH = /^\/(?:[A-Za-z0-9._-]+\/?)+$/;
const PORT_RULE = /^([0-9]{1,5})(?::([0-9]{1,5}))?\/(tcp|udp)$/;
const SIZE = /^[1-9][0-9]{0,5}[kmg]$/;
const JOURNAL_SIZE = /^[1-9][0-9]{0,5}[KMG]$/;

/** Parses one public key line; the comment is kept only if printable. */
export function parsePublicKey(line: string, where: string): { type: string; blob: string; comment: string } {
  const m = PUBLIC_KEY.exec(line.trim());
  if (!m)
    throw new ConfigError(
      where,
      `${JSON.stringify(line.slice(0, 60))} is not an OpenSSH public key line`,
      'give lines like "ssh-ed25519 AAAA… comment"',
    );
  return { type: m[1]!, blob: m[2]!, comment: m[3] ?? '' };
}

/**
 * The registry tunnel (deploy over `ssh -R`) needs port forwarding, which `restrict` turns off:
 * allow it back for one loopback port only (OpenSSH ≥ 7.8 `permitlisten`).
 */
function withTunnelPort(options: string, port: number): string {
  if (!port) return options;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigError(
      'registry-tunnel-port',
      `${port} is not a TCP port`,
      'give the registry port, e.g. 5000',
    );
  if (options.split(',').includes('no-port-forwarding'))
    throw new ConfigError(
      'registry-tunnel-port',
      'deploy-key-options has no-port-forwarding, which forbids the tunnel',
      'drop no-port-forwarding (restrict is fine: the tunnel port is allowed back on its own)',
    );
  return [options, 'port-forwarding', `permitlisten="localhost:${port}"`].filter(Boolean).join(',');
}

/** A size such as 10m (docker) or 500M (journald), as `grammar` spells it. */
function checkSize(value: string, grammar: RegExp, key: string, example: string, units: string): void {
  if (!grammar.test(value))
    throw new ConfigError(
      key,
      `${JSON.stringify(value)} is not a size like ${example}`,
      `use digits and ${units}`,
    );
}

/** A whole number from `min` to `max`. */
function checkWholeNumber(value: number, min: number, max: number, key: string): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(key, `${value} is out of range`, `use ${min}–${max}`);
}

export function settingsFrom(
  inputs: ProvisionInputs,
  derived: { deployPublicKey?: string; adminPublicKey?: string },
): ProvisionSettings {
  const deployUser = validate('user', inputs.deployUser, 'deploy-user');
  if (deployUser === 'root')
    throw new ConfigError('deploy-user', 'must not be root', 'use a dedicated user such as deploy');
  const keys = [...(derived.deployPublicKey ? [derived.deployPublicKey] : []), ...inputs.deployPublicKeys];
  for (const [i, k] of keys.entries()) parsePublicKey(k, `deploy-public-keys[${i}]`);
  const plainOptions = inputs.deployKeyOptions.trim();
  if (plainOptions && !KEY_OPTIONS.test(plainOptions)) {
    throw new ConfigError(
      'deploy-key-options',
      `${JSON.stringify(plainOptions)} is not a comma-separated list of plain options`,
      'use e.g. restrict or no-agent-forwarding,no-X11-forwarding',
    );
  }
  const options = withTunnelPort(plainOptions, inputs.registryTunnelPort);
  if (
    !ABS_PATH.test(inputs.deployRoot) ||
    inputs.deployRoot.split('/').includes('..') ||
    inputs.deployRoot.length > 200
  ) {
    throw new ConfigError(
      'deploy-root',
      `${JSON.stringify(inputs.deployRoot)} is not an absolute path of letters, digits, . _ -`,
      'use e.g. /srv/ragship',
    );
  }
  const adminUser = inputs.adminUser ? validate('user', inputs.adminUser, 'admin-user') : undefined;
  if (adminUser === deployUser)
    throw new ConfigError('admin-user', 'must differ from deploy-user', 'the deploy user never gets sudo');
  if (adminUser === 'root')
    throw new ConfigError('admin-user', 'must not be root', 'name a sudo user, e.g. ops');
  if (inputs.dockerSource !== 'distribution' && inputs.dockerSource !== 'docker') {
    throw new ConfigError(
      'docker-source',
      `${JSON.stringify(inputs.dockerSource)} is not distribution or docker`,
      'use distribution (docker.io from the OS) or docker (Docker’s apt repository)',
    );
  }
  for (const [i, rule] of inputs.allowPorts.entries()) {
    const m = PORT_RULE.exec(rule);
    if (
      !m ||
      Number(m[1]) < 1 ||
      Number(m[1]) > 65535 ||
      (m[2] && (Number(m[2]) > 65535 || Number(m[2]) <= Number(m[1])))
    ) {
      throw new ConfigError(
        `allow-ports[${i}]`,
        `${JSON.stringify(rule)} is not PORT/tcp, PORT/udp or FROM:TO/proto`,
        'use e.g. 8443/tcp',
      );
    }
  }
  checkSize(inputs.dockerLogMaxSize, SIZE, 'docker-log-max-size', '10m', 'k, m or g');
  checkWholeNumber(inputs.dockerLogMaxFile, 1, 100, 'docker-log-max-file');
  checkSize(inputs.journalMaxUse, JOURNAL_SIZE, 'journal-max-use', '500M', 'K, M or G');
  checkWholeNumber(inputs.journalRetentionDays, 1, 3650, 'journal-retention-days');
  if (inputs.permitRootLogin !== 'no' && inputs.permitRootLogin !== 'prohibit-password') {
    throw new ConfigError(
      'permit-root-login',
      `${JSON.stringify(inputs.permitRootLogin)} is not no or prohibit-password`,
      'passwords are always off; choose no or prohibit-password (keys only)',
    );
  }
  const gpuTestImage = validate('imageRef', inputs.gpuTestImage, 'gpu-test-image');
  const steps = new Set<StepId>();
  for (const s of inputs.steps) {
    if (!(STEP_IDS as readonly string[]).includes(s))
      throw new ConfigError(
        'steps',
        `unknown step ${JSON.stringify(s)}`,
        `use some of: ${STEP_IDS.join(', ')}`,
      );
    steps.add(s as StepId);
  }
  if (steps.size === 0) for (const s of STEP_IDS) steps.add(s);
  if (!adminUser) steps.delete('admin-user');
  if (!inputs.gpu) steps.delete('gpu');
  if (!inputs.hardenSsh) steps.delete('sshd');
  if (keys.length === 0 && steps.has('deploy-user')) {
    throw new ConfigError(
      'deploy-private-key',
      'no key for the deploy user',
      'pass deploy-private-key (its public half is installed) or deploy-public-keys',
    );
  }
  return {
    deployUser,
    deployPublicKeys: keys,
    deployPrivateKey: inputs.deployPrivateKey,
    deployKeyOptions: options,
    deployRoot: inputs.deployRoot.replace(/\/+$/, ''),
    adminUser,
    adminPublicKey: derived.adminPublicKey,
    dockerSource: inputs.dockerSource,
    sshRateLimit: inputs.sshRateLimit,
    openHttp: inputs.openHttp,
    allowPorts: inputs.allowPorts,
    dockerLogMaxSize: inputs.dockerLogMaxSize,
    dockerLogMaxFile: inputs.dockerLogMaxFile,
    journalMaxUse: inputs.journalMaxUse,
    journalRetentionDays: inputs.journalRetentionDays,
    permitRootLogin: inputs.permitRootLogin,
    hardenSsh: inputs.hardenSsh,
    gpu: inputs.gpu,
    gpuInstallDriver: inputs.gpuInstallDriver,
    gpuTestImage,
    steps,
    dryRun: inputs.dryRun,
  };
}

export const DEFAULT_INPUTS: Omit<ProvisionInputs, 'hosts' | 'sshPrivateKey'> = {
  knownHosts: '',
  fingerprints: [],
  connectTimeoutMs: 15_000,
  deployUser: 'deploy',
  deployPrivateKey: '',
  deployPublicKeys: [],
  deployKeyOptions: 'restrict',
  registryTunnelPort: 0,
  deployRoot: '/srv/ragship',
  adminUser: '',
  dockerSource: 'distribution',
  sshRateLimit: true,
  openHttp: true,
  allowPorts: [],
  dockerLogMaxSize: '10m',
  dockerLogMaxFile: 3,
  journalMaxUse: '500M',
  journalRetentionDays: 14,
  permitRootLogin: 'no',
  hardenSsh: true,
  gpu: false,
  gpuInstallDriver: false,
  gpuTestImage: 'ubuntu:24.04',
  steps: [],
  dryRun: false,
};
