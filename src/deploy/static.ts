import { posix } from 'node:path';
import type { Host } from '../core/host.js';
import {
  copyOut,
  createForCopy,
  isDirectory,
  makeReadable,
  mkdirs,
  publishFiles,
  removeContainers,
  removeTree,
  renameTree,
} from './commands.js';
import type { EnvSession, HostEntry } from './session.js';

/**
 * Static files shipped in the app image (roles.<role>.static), e.g. the example app's chat page.
 *
 * The page is versioned with the image: after the pull, each host extracts `from` out of the
 * release's image into the release folder (`<release>/<role>/static`, complete only once
 * renamed into place). The switch publishes it into `<projectDir>/<dir>`, the folder the proxy
 * bind-mounts. That folder itself is never replaced (a bind mount pins its inode); files inside
 * it are, each through a temporary name and a rename, so nginx never serves a half-copied file:
 *   - before the switch, every non-HTML file (hashed assets): added beside the old ones, which
 *     the old page, still served while the old app drains, keeps loading;
 *   - when the app switches (after the proxy reload, or once a recreated service is healthy),
 *     the HTML pages; pages the release does not have are removed.
 * A rollback publishes the target release's folder the same way. Prune removes published files
 * that no retained release folder holds.
 */
export interface StaticRelease {
  /** Folder inside the image. */
  from: string;
  /** The release's extracted copy on the host (absolute). */
  source: string;
  /** The published folder the proxy serves (absolute, inside the project directory). */
  published: string;
}

/** Recorded in the release manifest, so a rollback publishes what that release shipped. */
export interface StaticManifest {
  from: string;
  dir: string;
}

export const staticSource = (releaseRoleDir: string): string => posix.join(releaseRoleDir, 'static');

/** Static files of a role's release on a host, as a deploy or rollback switch publishes them. */
export interface StaticPlan {
  /** The image the files are extracted from (when the release folder has no copy yet). */
  image: string;
  release: StaticRelease;
  /** The release serving before: its pages come back if the switch fails after publishing. */
  previous?: StaticRelease;
}

/** The plan for release folder `folder` (and `previousFolder`, serving now) of a role on a host. */
export function staticPlan(
  s: EnvSession,
  h: HostEntry,
  roleName: string,
  st: StaticManifest,
  image: string,
  folder: string,
  previousFolder?: string,
): StaticPlan {
  const published = posix.join(s.projectDir(h, roleName), st.dir);
  const at = (id: string): StaticRelease => ({
    from: st.from,
    source: staticSource(s.releaseDir(h, id, roleName)),
    published,
  });
  return { image, release: at(folder), previous: previousFolder ? at(previousFolder) : undefined };
}

/**
 * Extracts the image's folder into the release folder, unless a complete copy is there (a
 * rollback re-uses the one its deploy extracted; a pruned image was pulled back before).
 */
export async function extractStatic(host: Host, image: string, s: StaticRelease): Promise<boolean> {
  if ((await host.exec(isDirectory(s.source), { allowFailure: true })).code === 0) return false;
  const partial = `${s.source}.partial`;
  await host.exec(removeTree(partial));
  await host.exec(mkdirs(partial, s.published));
  const id = (
    await host.exec(createForCopy(image), { where: `${host.label} static files of ${image}` })
  ).stdout.trim();
  try {
    await host.exec(copyOut(id, s.from, partial), { where: `${host.label} copy ${s.from} out of the image` });
  } finally {
    await host.exec(removeContainers([id]), { allowFailure: true });
  }
  await host.exec(makeReadable(partial));
  await host.exec(renameTree(partial, s.source));
  return true;
}

export async function publishStatic(host: Host, s: StaticRelease, phase: 'assets' | 'pages'): Promise<void> {
  await host.exec(publishFiles(s.source, s.published, phase), {
    where: `${host.label} publish ${phase === 'assets' ? 'static assets' : 'pages'}`,
  });
}
