import {
  type ApplyPlan,
  type ComposeTarget,
  type EnvSession,
  type ReleaseManifest,
  type ReleaseRecord,
  staticPlan,
} from '../deploy/index.js';

/** A release folder as recorded on one host: its compose target and manifest. */
export interface RecordedRelease {
  target: ComposeTarget;
  manifest: ReleaseManifest;
}

/** Key of a role on a host in the maps below. */
export const roleHostKey = (roleName: string, hostKey: string) => `${roleName} ${hostKey}`;

/**
 * A rollback as an apply plan (data, no host asked): every role switches to the recorded
 * `folder` by its image digest, with no pull and no migration (migrations are never run
 * backwards); recreate roles restore the active release's target on failure; static files come
 * from the target's folder (or are extracted again from its image).
 */
export function rollbackPlan(
  s: EnvSession,
  o: {
    /** The release folder re-applied (a rollback record's source). */
    folder: string;
    target: ReleaseRecord;
    /** Folder of the release active now, if any. */
    activeFolder?: string;
    /** The folder as recorded on each role and host (roleHostKey). */
    recorded: Map<string, RecordedRelease>;
    /** The active release's target on each role and host (roleHostKey). */
    previous: Map<string, ComposeTarget | undefined>;
    guard?: () => Promise<void>;
  },
): ApplyPlan {
  return {
    releaseId: o.folder,
    runMigrations: false,
    guard: o.guard,
    roles: s.roles.map(([roleName]) => {
      const hosts = s.roleHosts(roleName);
      const first = o.recorded.get(roleHostKey(roleName, hosts[0]!.key))!;
      const image = o.target.images[roleName];
      return {
        roleName,
        supportServices: first.manifest.supportServices,
        pullServices: [],
        hosts: hosts.map((h) => {
          const rel = o.recorded.get(roleHostKey(roleName, h.key))!;
          const st = rel.manifest.static;
          return {
            h,
            target: rel.target,
            previous: o.previous.get(roleHostKey(roleName, h.key)),
            static: st && image ? staticPlan(s, h, roleName, st, image, o.folder, o.activeFolder) : undefined,
          };
        }),
      };
    }),
  };
}
