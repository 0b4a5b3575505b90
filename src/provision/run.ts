import ssh2 from 'ssh2';
import { ConfigError, errorMessage, UserError } from '../core/errors.js';
import { formatDuration, type Logger } from '../core/logger.js';
import { RemoteHost } from '../core/remote-host.js';
import { Report } from '../core/report.js';
import { jumpFor } from '../core/ssh-proxy.js';
import { parseHostSpec } from '../core/validate.js';
import { detectOs } from './os.js';
import { type ProvisionInputs, type ProvisionSettings, settingsFrom } from './settings.js';
import type { LoginProbe, Step, StepContext, StepOutcome } from './step.js';
import { fail2banStep, firewallStep } from './steps/firewall.js';
import { gpuStep } from './steps/gpu.js';
import { dockerLogsStep, journaldStep } from './steps/logs.js';
import { dockerStep, packagesStep } from './steps/packages.js';
import { sshdStep } from './steps/sshd.js';
import { timeSyncStep, unattendedUpgradesStep } from './steps/updates.js';
import { adminUserStep, deployRootStep, deployUserStep } from './steps/users.js';
import { type CommandPort, Target } from './target.js';

/** In order: sshd hardening is last, so the guard runs against a host that is otherwise done. */
export const STEPS: Step[] = [
  packagesStep,
  dockerStep,
  dockerLogsStep,
  journaldStep,
  deployUserStep,
  deployRootStep,
  adminUserStep,
  firewallStep,
  fail2banStep,
  unattendedUpgradesStep,
  timeSyncStep,
  gpuStep,
  sshdStep,
];

export interface HostOutcome {
  host: string;
  steps: StepOutcome[];
  error?: string;
}

export interface ProvisionResult {
  hosts: HostOutcome[];
  /** Steps that changed something (planned ones in a dry run). */
  changed: number;
  dryRun: boolean;
  report: Report;
  /** The first failure, after every host was reported; the front doors throw it. */
  error?: unknown;
}

/** `ssh-ed25519 AAAA… comment` for an OpenSSH private key. */
export function publicKeyOf(privateKey: string, where: string, comment: string): string {
  // ssh2 is CommonJS: under plain Node ESM only its default export is reliable.
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error)
    throw new ConfigError(
      where,
      `is not a usable private key${key instanceof Error ? ` (${key.message})` : ''}`,
      'give an unencrypted OpenSSH private key',
    );
  return `${key.type} ${key.getPublicSSH().toString('base64')} ${comment}`;
}

/**
 * Runs the steps on one host: check → apply → check again. Each step reports changed or
 * unchanged; a dry run only checks. The first failing step stops the host.
 */
export async function provisionHost(
  port: CommandPort,
  connectedAs: string,
  settings: ProvisionSettings,
  logger: Logger,
  probeLogin: LoginProbe,
): Promise<HostOutcome> {
  const outcome: HostOutcome = { host: port.label, steps: [] };
  const target = new Target(port, connectedAs === 'root');
  try {
    if (!target.asRoot) {
      const sudo = await port.exec(['sudo', '-n', 'true'], { allowFailure: true });
      if (sudo.code !== 0)
        throw new UserError(
          port.label,
          `${connectedAs} cannot run \`sudo -n\` (${sudo.stderr.trim()})`,
          `connect as root, or give ${connectedAs} NOPASSWD sudo`,
        );
    }
    const os = await detectOs(target);
    const ctx: StepContext = { target, settings, os, logger, connectedAs, probeLogin };
    for (const step of STEPS) {
      if (!settings.steps.has(step.id)) continue;
      const started = performance.now();
      const record = (status: StepOutcome['status'], changes: string[], error?: string) =>
        outcome.steps.push({
          id: step.id,
          title: step.title,
          status,
          changes,
          durationMs: performance.now() - started,
          error,
        });
      try {
        await logger.group(`${port.label}: ${step.id}`, async () => {
          try {
            await runStep();
          } catch (err) {
            // The group's closing line does not say whether it failed; this does.
            logger.error(`${step.id} failed: ${errorMessage(err)}`);
            throw err;
          }
        });
      } catch (err) {
        record('failed', [], errorMessage(err));
        throw err;
      }
      async function runStep() {
        const changes = await step.check(ctx);
        if (changes.length === 0) {
          logger.info('unchanged');
          return record('unchanged', []);
        }
        for (const c of changes) logger.info(`${settings.dryRun ? 'would ' : ''}${c}`);
        if (settings.dryRun) return record('planned', changes);
        await step.apply(ctx, changes);
        const left = await step.check(ctx);
        if (left.length > 0)
          throw new Error(`step ${step.id} did not converge; still different: ${left.join('; ')}`);
        record('changed', changes);
      }
    }
  } catch (err) {
    outcome.error = errorMessage(err);
    throw Object.assign(err as object, { outcome });
  }
  return outcome;
}

export async function runProvision(inputs: ProvisionInputs, logger: Logger): Promise<ProvisionResult> {
  const specs = inputs.hosts.map((h, i) => parseHostSpec(h, `hosts[${i}]`, 'root'));
  if (specs.length === 0) throw new ConfigError('hosts', 'is empty', 'give at least one user@host[:port]');
  logger.setSecret(inputs.sshPrivateKey);
  logger.setSecret(inputs.deployPrivateKey);
  const settings = settingsFrom(inputs, {
    deployPublicKey: inputs.deployPrivateKey
      ? publicKeyOf(inputs.deployPrivateKey, 'deploy-private-key', `${inputs.deployUser}@ragship`)
      : undefined,
    adminPublicKey: inputs.adminUser
      ? publicKeyOf(inputs.sshPrivateKey, 'ssh-private-key', `${inputs.adminUser}@ragship`)
      : undefined,
  });
  const hostKeys = { knownHosts: inputs.knownHosts, fingerprints: inputs.fingerprints };
  const jump = jumpFor(inputs.sshProxy, {
    privateKey: inputs.sshPrivateKey,
    hostKeys,
    connectTimeoutMs: inputs.connectTimeoutMs,
  });
  const hosts: HostOutcome[] = [];
  let error: unknown;
  for (const spec of specs) {
    const host = new RemoteHost({
      ...spec,
      privateKey: inputs.sshPrivateKey,
      hostKeys,
      connectTimeoutMs: inputs.connectTimeoutMs,
      jump,
      logger,
    });
    const probeLogin: LoginProbe = async (user, key, argv, attempts = 1) => {
      const probe = new RemoteHost({
        ...spec,
        user,
        privateKey: key === 'deploy' ? inputs.deployPrivateKey : inputs.sshPrivateKey,
        hostKeys,
        connectTimeoutMs: inputs.connectTimeoutMs,
        // Each attempt counts against `ufw limit` (6 new connections per 30 s): keep them few.
        connectAttempts: attempts,
        jump,
        logger,
      });
      try {
        const r = await probe.exec(argv, { timeoutMs: 30_000 });
        return { ok: true, stdout: r.stdout };
      } catch (err) {
        return { ok: false, error: errorMessage(err) };
      } finally {
        probe.close();
      }
    };
    try {
      hosts.push(await provisionHost(host, spec.user, settings, logger, probeLogin));
    } catch (err) {
      hosts.push(
        (err as { outcome?: HostOutcome }).outcome ?? {
          host: host.label,
          steps: [],
          error: errorMessage(err),
        },
      );
      error ??= err;
    } finally {
      host.close();
    }
  }
  const changed = hosts.reduce(
    (n, h) => n + h.steps.filter((s) => s.status === 'changed' || s.status === 'planned').length,
    0,
  );
  return { hosts, changed, dryRun: settings.dryRun, report: provisionReport(hosts, settings.dryRun), error };
}

export function provisionReport(hosts: HostOutcome[], dryRun: boolean): Report {
  const report = new Report().heading(dryRun ? 'Provision plan (dry run)' : 'Provision');
  for (const h of hosts) {
    const n = h.steps.filter((s) => s.status === 'changed' || s.status === 'planned').length;
    report.heading(
      `${h.host}: ${h.error ? 'failed' : n === 0 ? 'no changes' : `${n} step(s) ${dryRun ? 'to change' : 'changed'}`}`,
      3,
    );
    report.table(
      ['step', 'result', 'changes', 'time'],
      h.steps.map((s) => [
        s.id,
        s.status,
        s.error ?? (s.changes.join('; ') || '—'),
        formatDuration(s.durationMs),
      ]),
    );
    if (h.error) report.text(`**Error:** ${h.error}`);
  }
  if (dryRun)
    report.text(
      'Dry run: each step read its host over SSH (the connection and host key were checked) and changed nothing. ' +
        "Checked only when applied: each step's result, and the lock-out guard — the deploy user (--deploy-key-file) " +
        'and the --admin-user log in over new connections before sshd is changed; if one cannot, sshd is left as it is.',
    );
  return report;
}
