import { errorMessage } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import { configCreate, configRemove, jobCreate, managerIds, nodeList, selfNodeId } from './commands.js';
import { jobName, runJob } from './jobs.js';

/**
 * Work ragship does on the nodes it never reaches over SSH (workers, other managers): a
 * `global-job` that Swarm runs once on every other node, with the host's root mounted at /host
 * and its Docker used through `chroot /host docker` (the node's own CLI and socket, whatever the
 * job's image). The image is a release image the nodes already pull with the registry auth.
 */
const HOST_ROOT = 'type=bind,source=/,target=/host';

/**
 * Removes the given images on a node, never one a container runs: the old release's tasks are
 * being stopped by Swarm (waits ≤ 60 s for that), its stopped task containers (which pin the
 * image) are removed first, then `docker image rm` without --force, which refuses an image
 * any container still uses. Prints `removed <ref>` per image removed.
 */
export const PRUNE_SCRIPT = [
  'stack=$1; shift',
  // Containers of the stack's services and ragship's jobs (`<stack>_…`) created from $ref (by
  // reference or by ancestry), filtered further by "$@": ids.
  'svc=\'{{.Label "com.docker.swarm.service.name"}}\'',
  'from() { { chroot /host docker ps -a --no-trunc --filter label=com.docker.swarm.service.name "$@" --format "{{.ID}} $svc {{.Image}}" | while read -r id s img; do [ "$img" = "$ref" ] && echo "$id $s"; done; chroot /host docker ps -a --no-trunc --filter label=com.docker.swarm.service.name --filter "ancestor=$ref" "$@" --format "{{.ID}} $svc" 2>/dev/null; } | while read -r id s; do case "$s" in "$stack"_*) echo "$id";; esac; done | sort -u; }',
  'for ref do',
  '  chroot /host docker image inspect "$ref" >/dev/null 2>&1 || continue',
  '  n=0',
  '  while [ $n -lt 60 ] && [ -n "$(from --filter status=running)" ]; do sleep 1; n=$((n+1)); done',
  '  ids=$(from --filter status=exited --filter status=created --filter status=dead)',
  '  [ -z "$ids" ] || chroot /host docker rm $ids >/dev/null 2>&1',
  '  if chroot /host docker image rm "$ref" >/dev/null 2>&1; then echo "removed $ref"; fi',
  'done',
].join('\n');

/**
 * Writes the mounted copy of the release log as <root>/releases.jsonl on the node (whole file,
 * then renamed: a reader never sees half of it), owned by the deploy user's uid:gid.
 */
export const COPY_LOG_SCRIPT = [
  'set -e; umask 027; d="/host$1"',
  '[ -d "$d" ] || { mkdir -p "$d"; chown "$2" "$d"; }',
  'cat /ragship-releases.jsonl > "$d/.releases.jsonl.tmp"',
  'chown "$2" "$d/.releases.jsonl.tmp"',
  'mv -f "$d/.releases.jsonl.tmp" "$d/releases.jsonl"',
  'echo copied',
].join('\n');

/** Swarm refuses configs above 500 KiB: the newest whole lines that fit. */
export function logTail(log: string, max = 450_000): { text: string; dropped: number } {
  if (Buffer.byteLength(log) <= max) return { text: log, dropped: 0 };
  const lines = log.split('\n').filter(Boolean);
  const kept: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    size += Buffer.byteLength(lines[i]!) + 1;
    if (size > max) break;
    kept.unshift(lines[i]!);
  }
  return { text: `${kept.join('\n')}\n`, dropped: lines.length - kept.length };
}

interface NodeWork {
  host: Pick<Host, 'exec'>;
  stack: string;
  /** A release image (runs the job's `sh`; must have chroot, cat, mv). */
  image: string;
  id: string;
  logger: Logger;
  where: string;
  timeoutSeconds?: number;
}

async function otherNodes(host: Pick<Host, 'exec'>): Promise<{ self: string; others: number }> {
  const self = (await host.exec(selfNodeId)).stdout.trim();
  const all = (await host.exec(nodeList, { allowFailure: true })).stdout.split('\n').filter(Boolean);
  return { self, others: Math.max(0, all.length - 1) };
}

/**
 * `docker image rm` of images no retained release uses, on every node except this manager
 * (which ragship prunes itself). Returns `<node> <ref>` per removed image; a node that does not
 * answer in time is named in a warning (its images stay until the next prune).
 */
export async function pruneOtherNodes(w: NodeWork, refs: string[]): Promise<string[]> {
  if (!refs.length) return [];
  try {
    return await pruneOn(w, refs);
  } catch (err) {
    // The release is live already: a prune that cannot run is a warning, never a failed deploy.
    w.logger.warn(`${w.where}: images on the other nodes were not pruned: ${errorMessage(err)}`);
    return [];
  }
}

async function pruneOn(w: NodeWork, refs: string[]): Promise<string[]> {
  const { self, others } = await otherNodes(w.host);
  if (!others) return [];
  const name = jobName(w.stack, 'prune', w.id);
  const r = await runJob(
    w.host,
    jobCreate({
      name,
      mode: 'global-job',
      stack: w.stack,
      image: w.image,
      script: PRUNE_SCRIPT,
      args: ['ragship-prune', w.stack, ...refs],
      constraints: [`node.id!=${self}`],
      mounts: [HOST_ROOT],
    }),
    name,
    {
      timeoutSeconds: w.timeoutSeconds ?? 180,
      where: `${w.where} image prune on the other nodes`,
      skipDownNodes: true,
    },
  );
  const failed = r.tasks.filter((t) => !/^Complete/.test(t.current));
  if (failed.length)
    w.logger.warn(
      `${w.where}: image prune did not finish on ${failed.map((t) => `${t.node || 'an unassigned node'} (${t.current}${t.error ? `: ${t.error}` : ''})`).join(', ')}; those nodes keep their old images until the next prune`,
    );
  return r.stdout.flatMap((l) => {
    const m = /^removed (\S+)$/.exec(l.line.trim());
    return m ? [`${l.node} ${m[1]}`] : [];
  });
}

/**
 * Copies the release log to every other manager's deploy root (same path as on this one), so
 * that listing another manager first keeps the history when this one is lost. Nothing to do on
 * a single-manager swarm. Best effort: a failure is a warning, never a failed deploy.
 */
export async function replicateLog(
  w: NodeWork & { root: string; owner: string; log: string },
): Promise<string[]> {
  try {
    const managers = (await w.host.exec(managerIds, { allowFailure: true })).stdout
      .split('\n')
      .filter(Boolean);
    if (managers.length < 2) return [];
    const self = (await w.host.exec(selfNodeId)).stdout.trim();
    const { text, dropped } = logTail(w.log);
    if (dropped)
      w.logger.warn(
        `${w.where}: the release log is larger than a Swarm config; the other managers get its newest lines (${dropped} older dropped)`,
      );
    const config = jobName(w.stack, 'releases', w.id);
    await w.host.exec(configCreate(config, { 'ragship.stack': w.stack }), {
      input: text,
      where: `${w.where} docker config create (release log)`,
    });
    try {
      const name = jobName(w.stack, 'copylog', w.id);
      const r = await runJob(
        w.host,
        jobCreate({
          name,
          mode: 'global-job',
          stack: w.stack,
          image: w.image,
          script: COPY_LOG_SCRIPT,
          args: ['ragship-copy-log', w.root, w.owner],
          constraints: ['node.role==manager', `node.id!=${self}`],
          mounts: [HOST_ROOT],
          configs: [{ source: config, target: '/ragship-releases.jsonl' }],
        }),
        name,
        {
          timeoutSeconds: w.timeoutSeconds ?? 120,
          where: `${w.where} release log copy`,
          skipDownNodes: true,
        },
      );
      const copied = r.stdout.filter((l) => l.line.trim() === 'copied').map((l) => l.node);
      const missing = r.tasks.filter((t) => !/^Complete/.test(t.current));
      if (missing.length || copied.length < managers.length - 1)
        w.logger.warn(
          `${w.where}: the release log reached ${copied.length} of ${managers.length - 1} other manager(s)${missing.length ? `; not ${missing.map((t) => `${t.node || '?'} (${t.current}${t.error ? `: ${t.error}` : ''})`).join(', ')}` : ''}`,
        );
      return copied;
    } finally {
      // The job's removal frees the config a moment later (Swarm refuses it while in use).
      for (let i = 0; i < 30; i++) {
        const rm = await w.host.exec(configRemove([config]), { allowFailure: true }).catch(() => undefined);
        if (!rm || rm.code === 0 || /not found|no such/i.test(rm.stderr)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } catch (err) {
    w.logger.warn(`${w.where}: the release log was not copied to the other managers: ${errorMessage(err)}`);
    return [];
  }
}
