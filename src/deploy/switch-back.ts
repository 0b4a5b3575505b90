import { errorMessage, UserError } from '../core/errors.js';
import { type StepTiming, step } from './apply.js';
import type { ComposeTarget } from './commands.js';
import type { OnFailure } from './inputs.js';
import { type ReleaseRecord, releaseFolder, type SwitchBackRecord } from './release-log.js';
import type { EnvSession } from './session.js';
import { staticPlan } from './static.js';
import { recreateSwitch, zeroDowntimeSwitch } from './switch.js';

/** The step name of a host's switch back (kept apart from `switch …` in summaries). */
export const SWITCH_BACK_STEP = 'switch back';

export interface SwitchBackPlan {
  mode: OnFailure;
  /** Role and host of every switch that passed before the failure, in order. */
  switched: Array<{ roleName: string; host: string }>;
  /** The release that served before this deploy. */
  previous?: ReleaseRecord;
  /** Compose target of the new release (what the switched hosts run now). */
  current: (roleName: string, hostKey: string) => ComposeTarget;
  timings: StepTiming[];
  /** The lock check: nothing is switched back once another run may own the environment. */
  guard?: () => Promise<void>;
}

/**
 * After a host failed its switch, the hosts that had already switched run the new release while
 * the rest run the previous one. With `switch-back` (the default) each of them is switched back
 * to the previous release — its recorded folder and image digest, the same switch and health gate
 * as a rollback, no pull, no migration — so every host runs the same release again. A host whose
 * switch back fails stays on the new release and is named. `keep` leaves them as they are.
 */
export async function switchBackHosts(
  s: EnvSession,
  p: SwitchBackPlan,
): Promise<SwitchBackRecord | undefined> {
  if (!p.switched.length) return undefined;
  const hosts = [...new Set(p.switched.map((x) => x.host))];
  const log = s.ports.logger;
  if (p.mode === 'keep') {
    log.warn(
      `on-failure: keep — ${hosts.join(', ')} stay on the new release; the other hosts run the previous one`,
    );
    return { mode: 'keep', to: p.previous?.id, hosts: [], kept: hosts, reason: 'on-failure: keep' };
  }
  if (!p.previous) {
    log.warn(
      `${hosts.join(', ')} stay on the new release: this is the environment's first, there is none to switch back to`,
    );
    return { mode: 'switch-back', hosts: [], kept: hosts, reason: 'no previous release to switch back to' };
  }
  try {
    await p.guard?.();
  } catch (err) {
    log.error(`not switching back: ${errorMessage(err)}`);
    return {
      mode: 'switch-back',
      to: p.previous.id,
      hosts: [],
      kept: hosts,
      reason: `the deploy lock was lost (${errorMessage(err)})`,
    };
  }
  const folder = releaseFolder(p.previous);
  const back: string[] = [];
  const failed = new Map<string, string>();
  for (const { roleName, host } of p.switched) {
    const h = s.hosts.get(host)!;
    const role = s.env.roles[roleName]!;
    try {
      await step(s, p.timings, `${SWITCH_BACK_STEP} ${roleName} (${role.strategy})`, host, async () => {
        const rel = await s.recordedRelease(h, roleName, folder);
        if (!rel)
          throw new UserError(
            host,
            `the previous release ${folder} has no folder for role ${roleName}`,
            'roll back by hand',
          );
        const image = p.previous!.images[roleName];
        const st = rel.manifest.static;
        const ctx = {
          host: h.host,
          role,
          roleName,
          target: rel.target,
          previous: p.current(roleName, host),
          supportServices: rel.manifest.supportServices,
          static: st && image ? staticPlan(s, h, roleName, st, image, folder) : undefined,
          logger: log,
        };
        log.warn(`${host}: switching ${roleName} back to ${p.previous!.id}`);
        await (role.strategy === 'recreate' ? recreateSwitch(ctx) : zeroDowntimeSwitch(ctx));
      });
      if (!back.includes(host)) back.push(host);
    } catch (err) {
      failed.set(host, errorMessage(err).split('\n')[0]!);
    }
  }
  const done = back.filter((x) => !failed.has(x));
  return {
    mode: 'switch-back',
    to: p.previous.id,
    hosts: done,
    kept: [...failed.keys()],
    ...(failed.size
      ? { reason: [...failed].map(([h, e]) => `${h}: switching back failed: ${e}`).join('; ') }
      : {}),
  };
}

/** Host → the release it runs once a failed deploy's switch back (or keep) is done. */
export function releasesAfterFailure(
  hosts: Iterable<string>,
  switched: string[],
  releaseId: string,
  previous: { id: string } | undefined,
  back: SwitchBackRecord | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of hosts) {
    const onNew = back ? back.kept.includes(h) : switched.includes(h);
    out[h] = onNew ? releaseId : (previous?.id ?? 'none');
  }
  return out;
}

/** One line for the error and the log: what the hosts run after the switch back. */
export function switchBackLine(back: SwitchBackRecord, releaseId: string): string {
  const parts: string[] = [];
  if (back.hosts.length) parts.push(`switched back to ${back.to}: ${back.hosts.join(', ')}`);
  if (back.kept.length)
    parts.push(`still on the new release ${releaseId}: ${back.kept.join(', ')} (${back.reason})`);
  return parts.join('; ');
}
