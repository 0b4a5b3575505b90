import type { Logger } from '../core/logger.js';
import type { HostOs } from './os.js';
import type { ProvisionSettings } from './settings.js';
import type { Target } from './target.js';

/**
 * Opens a NEW SSH connection as `user` with the deploy key or the operator's (provisioning) key
 * and runs argv: the lock-out guard's proof that a login works.
 */
export type LoginProbe = (
  user: string,
  key: 'deploy' | 'operator',
  argv: string[],
  attempts?: number,
) => Promise<{ ok: true; stdout: string } | { ok: false; error: string }>;

export interface StepContext {
  target: Target;
  settings: ProvisionSettings;
  os: HostOs;
  logger: Logger;
  /** The user the provisioning connection logged in as. */
  connectedAs: string;
  probeLogin: LoginProbe;
}

/**
 * One idempotent provisioning step: `check` looks (read-only) and lists what differs from the
 * wanted state; `apply` changes exactly that; the runner then checks again and fails when the
 * host did not converge.
 */
export interface Step {
  id: StepId;
  title: string;
  /** Differences between the host and the wanted state; empty = nothing to do. */
  check(ctx: StepContext): Promise<string[]>;
  apply(ctx: StepContext, changes: string[]): Promise<void>;
}

export const STEP_IDS = [
  'packages',
  'docker',
  'docker-logs',
  'journald',
  'deploy-user',
  'deploy-root',
  'admin-user',
  'firewall',
  'fail2ban',
  'unattended-upgrades',
  'time-sync',
  'gpu',
  'sshd',
] as const;
export type StepId = (typeof STEP_IDS)[number];

export type StepStatus = 'changed' | 'unchanged' | 'planned' | 'skipped' | 'failed';

export interface StepOutcome {
  id: StepId;
  title: string;
  status: StepStatus;
  changes: string[];
  durationMs: number;
  error?: string;
}
