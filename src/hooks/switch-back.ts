import { errorMessage, UserError } from '../core/errors.js';
import { type ApplyResult, applyRelease, type StepTiming } from '../deploy/apply.js';
import type { ComposeTarget } from '../deploy/commands.js';
import { type ReleaseRecord, releaseFolder } from '../deploy/release-log.js';
import type { EnvSession, HostEntry, ReleaseManifest } from '../deploy/session.js';
import { staticPlan } from '../deploy/static.js';
import { type HookContext, HookFailed, runHook } from './run.js';

export interface PostSwitchContext extends HookContext {
  /** The release that served before this deploy (switched back to when the hook fails). */
  previous?: ReleaseRecord;
}

/**
 * The post-switch hook with its failure semantics: when it fails, every role is switched back
 * to the previous release (its recorded folder and image digest, no migrations, the same
 * switch and health gate as a rollback) and the deploy fails naming the hook. Without a
 * previous release (first deploy) there is nothing to switch back to: the error says so.
 */
export async function postSwitch(s: EnvSession, ctx: PostSwitchContext): Promise<void> {
  try {
    await runHook(s, 'post-switch', ctx);
  } catch (err) {
    if (!(err instanceof HookFailed)) throw err;
    if (!ctx.previous)
      throw new UserError(
        err.where,
        `${err.problem}\nThis is the environment's first release, so there is nothing to switch back to and it keeps running`,
        'fix it and deploy again, or take it off with ragship remove',
      );
    s.ports.logger.warn(`${err.where} failed: switching back to ${ctx.previous.id}`);
    try {
      await switchBack(s, ctx.previous, ctx.target, ctx.timings, ctx.guard);
    } catch (back) {
      throw new UserError(
        err.where,
        `failed, and switching back to ${ctx.previous.id} failed too: ${errorMessage(back)}`,
        `check the hosts (ragship status), then roll back by hand: ragship rollback --to ${ctx.previous.id}`,
      );
    }
    throw new UserError(err.where, `${err.problem}\nSwitched back: ${ctx.previous.id} serves again`, err.fix);
  }
}

async function switchBack(
  s: EnvSession,
  previous: ReleaseRecord,
  current: (roleName: string, h: HostEntry) => ComposeTarget,
  timings: StepTiming[],
  guard?: () => Promise<void>,
): Promise<void> {
  const folder = releaseFolder(previous);
  const manifests = new Map<string, ReleaseManifest>();
  const targets = new Map<string, ComposeTarget>();
  for (const [roleName] of s.roles)
    for (const h of s.roleHosts(roleName)) {
      const rel = await s.recordedRelease(h, roleName, folder);
      if (!rel)
        throw new UserError(
          h.key,
          `the previous release ${folder} has no folder for role ${roleName}`,
          'deploy a fixed release',
        );
      manifests.set(`${roleName} ${h.key}`, rel.manifest);
      targets.set(`${roleName} ${h.key}`, rel.target);
    }
  const first = (roleName: string) => manifests.get(`${roleName} ${s.roleHosts(roleName)[0]!.key}`)!;
  const result: ApplyResult = { timeToHealthyMs: 0 };
  await applyRelease(
    s,
    {
      releaseId: folder,
      targets: (roleName, h) => targets.get(`${roleName} ${h.key}`)!,
      previous: async (roleName, h) => current(roleName, h),
      supportServices: (roleName) => first(roleName).supportServices,
      pullServices: () => [],
      runMigrations: false,
      guard,
      statics: (roleName, h) => {
        const st = manifests.get(`${roleName} ${h.key}`)!.static;
        const image = previous.images[roleName];
        return st && image ? staticPlan(s, h, roleName, st, image, folder) : undefined;
      },
    },
    timings,
    result,
  );
}
