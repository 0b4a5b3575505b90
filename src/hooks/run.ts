import type { HookConfig } from '../config/schema.js';
import { tail, UserError } from '../core/errors.js';
import type { Argv } from '../core/shell.js';
import { type StepTiming, step } from '../deploy/apply.js';
import { type ComposeTarget, compose, withTimeout } from '../deploy/commands.js';
import type { EnvSession, HostEntry } from '../deploy/session.js';

/**
 * Deploy hooks (roles.<role>.hooks in ragship.yml): a command in a one-off container of the new
 * release on the role's first host, inside the deploy lock. Where each runs, and what its
 * failure means, is decided by the deploy (src/deploy/run.ts):
 *   pre-deploy   after the upload, before pull/migrate/switch — a failure aborts, nothing switched
 *   post-switch  once every role serves the new release — a failure switches back (switchBack)
 *   post-deploy  after the release is recorded — a failure is a warning, the release stays
 */
export const HOOKS = ['pre-deploy', 'post-switch', 'post-deploy'] as const;
export type HookName = (typeof HOOKS)[number];

export interface HookContext {
  releaseId: string;
  previousReleaseId?: string;
  environment: string;
  /** Compose target of the new release per role and host. */
  target: (roleName: string, h: HostEntry) => ComposeTarget;
  timings: StepTiming[];
  /** The lock check: a run that lost its lock runs no hook. */
  guard?: () => Promise<void>;
}

export interface HookRun {
  hook: HookName;
  role: string;
  host: string;
  exitCode: number;
  output: string;
}

/** A hook that exited non-zero or timed out; `output` is the tail of what it printed. */
export class HookFailed extends UserError {
  constructor(
    readonly run: HookRun,
    readonly problem: string,
    fix: string,
  ) {
    super(`${run.hook} hook of role ${run.role} on ${run.host}`, problem, fix);
  }
}

/** Container name of a hook run: unique per release, so a timed-out one can be removed by name. */
export const hookContainer = (project: string, hook: HookName, releaseId: string): string =>
  `${project}-${hook}-${releaseId}`.slice(0, 200);

/**
 * The one-off container of a hook: the release's compose files, env overlay and network, no
 * dependencies started (they already run), no TTY; what the hook knows about the deploy comes
 * in RAGSHIP_* variables (the release id is also in the env overlay).
 */
export function hookCommand(
  t: ComposeTarget,
  hook: HookName,
  config: HookConfig,
  service: string,
  env: Record<string, string>,
  name: string,
): Argv {
  return compose(
    t,
    'run',
    '--rm',
    '--no-deps',
    '-T',
    '--name',
    name,
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    service,
    ...config.command,
  );
}

/** Roles of the environment that define `hook`, in ragship.yml order. */
export function rolesWith(s: EnvSession, hook: HookName): Array<[string, HookConfig, string]> {
  return s.roles.flatMap(([roleName, role]) => {
    const h = role.hooks?.[hook];
    return h ? [[roleName, h, h.service ?? role.service] as [string, HookConfig, string]] : [];
  });
}

/** Runs `hook` for every role that has it, one role after the other; throws HookFailed. */
export async function runHook(s: EnvSession, hook: HookName, ctx: HookContext): Promise<HookRun[]> {
  const runs: HookRun[] = [];
  for (const [roleName, config, service] of rolesWith(s, hook)) {
    const h = s.roleHosts(roleName)[0]!;
    await ctx.guard?.();
    await step(s, ctx.timings, `hook ${hook} ${roleName}`, h.key, async () => {
      const target = ctx.target(roleName, h);
      const name = hookContainer(target.project, hook, ctx.releaseId);
      const env: Record<string, string> = {
        RAGSHIP_HOOK: hook,
        RAGSHIP_ENVIRONMENT: ctx.environment,
        RAGSHIP_ROLE: roleName,
        RAGSHIP_RELEASE: ctx.releaseId,
        ...(ctx.previousReleaseId ? { RAGSHIP_PREVIOUS_RELEASE: ctx.previousReleaseId } : {}),
      };
      const r = await h.host.exec(
        withTimeout(config.timeout, hookCommand(target, hook, config, service, env, name)),
        { allowFailure: true, timeoutMs: (config.timeout + 60) * 1000, where: `${h.key} ${hook} hook` },
      );
      const output = tail(`${r.stdout}${r.stderr}`, 40);
      if (output.trim()) s.ports.logger.info(output);
      const run: HookRun = { hook, role: roleName, host: h.key, exitCode: r.code ?? -1, output };
      runs.push(run);
      if (r.code === 0) return;
      const timedOut = r.code === 124 || r.code === 137;
      // `timeout` killed the compose client; the container itself may still run.
      if (timedOut) await h.host.exec(['docker', 'rm', '--force', name], { allowFailure: true });
      throw new HookFailed(
        run,
        timedOut
          ? `did not finish within ${config.timeout} s and was stopped:\n${output}`
          : `exited with status ${r.code}:\n${output}`,
        timedOut
          ? `make the hook faster or raise roles.${roleName}.hooks.${hook}.timeout`
          : `fix the hook (roles.${roleName}.hooks.${hook}) or what it checks, then deploy again`,
      );
    });
  }
  return runs;
}
