import { posix } from 'node:path';
import { publishRetained, readOtherRetained } from './commands.js';
import { parseReleaseLog } from './release-log.js';
import type { HostEntry } from './session.js';

/**
 * Retention is host-wide: one Docker image store serves every app and environment deployed on
 * a host (staging beside production, the same digest promoted from one to the other), so a
 * prune must never remove an image that ANY of them still retains. Each deploy root holds
 * `retained-images` (the images its environment keeps, one per line), and the deploy user's
 * `~/.ragship/deploy-roots` lists every root deployed on the host, custom roots included;
 * roots under the default `~/ragship/<app>/<environment>` are found even when unlisted.
 * A root without the file (deployed by an older ragship) counts every image of a successful
 * release in its log as retained — never less than it keeps.
 */
export const RETAINED_FILE = 'retained-images';

/** Images the other roots' output above retains, with the root that retains each. */
export function parseOtherRetained(out: string): Map<string, string> {
  const kept = new Map<string, string>();
  let section: { kind: string; root: string; lines: string[] } | undefined;
  const flush = () => {
    if (!section) return;
    if (section.kind === 'retained') {
      for (const l of section.lines) if (l.trim()) kept.set(l.trim(), section.root);
    } else {
      let records: ReturnType<typeof parseReleaseLog> = [];
      try {
        records = parseReleaseLog(section.lines.join('\n'));
      } catch {
        records = [];
      }
      // A removed environment (`ragship remove`, no --role) retains nothing.
      const last = records.filter((r) => r.kind !== 'lock-release').at(-1);
      if (last?.kind === 'remove' && !last.roles) return;
      for (const r of records.filter((x) => x.result === 'success'))
        for (const img of Object.values(r.images)) kept.set(img, section.root);
    }
  };
  for (const line of out.split('\n')) {
    const m = /^@@(retained|log) (.+)$/.exec(line);
    if (m) {
      flush();
      section = { kind: m[1]!, root: m[2]!, lines: [] };
    } else section?.lines.push(line);
  }
  flush();
  return kept;
}

/** What the other apps and environments on `h` retain (image → the root that keeps it). */
export async function retainedElsewhere(h: HostEntry): Promise<Map<string, string>> {
  const r = await h.host.exec(readOtherRetained(h.root), { where: `${h.key} retained images` });
  return parseOtherRetained(r.stdout);
}

/** Publishes what this environment retains on `h`, before anything is pruned. */
export async function recordRetained(h: HostEntry, keep: Set<string>): Promise<void> {
  await h.host.exec(publishRetained(h.root), {
    input: [...keep].map((k) => `${k}\n`).join(''),
    where: `${h.key} ${posix.join(h.root, RETAINED_FILE)}`,
  });
}
