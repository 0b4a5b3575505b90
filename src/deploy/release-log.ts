import { ConfigError, UserError } from '../core/errors.js';

/** One line of `<root>/releases.jsonl` on every host of the environment. */
export interface ReleaseRecord {
  id: string;
  kind: 'deploy' | 'rollback' | 'remove' | 'lock-release';
  /** For a rollback: the release re-applied. */
  source?: string;
  /** For a remove (`ragship remove --role`): the roles taken off; absent = the whole environment. */
  roles?: string[];
  /** For a remove: whether the compose projects' volumes were deleted too. */
  volumesRemoved?: boolean;
  app: string;
  environment: string;
  gitSha?: string;
  image: string;
  /** Image reference per role (repo@digest). */
  images: Record<string, string>;
  composeHash: string;
  envHash: string;
  actor: string;
  runUrl?: string;
  /** `removed` marks a `ragship remove`, `lock-released` a `lock release --force` (neither serves). */
  result: 'success' | 'failed' | 'removed' | 'lock-released';
  /** For a lock release: why it was freed by hand. */
  reason?: string;
  /** For a lock release: the run whose lock was removed. */
  lockHolder?: { runId?: string; actor?: string; acquiredAt?: string };
  error?: string;
  /** Output of the failing step (e.g. the migration). */
  output?: string;
  schemaVersion?: string;
  startedAt: string;
  finishedAt: string;
  timings: Record<string, number>;
  previous?: string;
  /** A failed deploy whose switch had passed on some hosts: what became of them (`on-failure`). */
  switchBack?: SwitchBackRecord;
  /** Host → the release it runs after this record (written with `switchBack`). */
  serving?: Record<string, string>;
}

export interface SwitchBackRecord {
  /** `switch-back` (default) or `keep` (the hosts were left on the new release on purpose). */
  mode: 'switch-back' | 'keep';
  /** The release the hosts were switched back to. */
  to?: string;
  /** Hosts switched back to `to`. */
  hosts: string[];
  /** Hosts left on the new release: kept on purpose, nothing to switch back to, or switching back failed. */
  kept: string[];
  /** Why `kept` hosts stayed (one line per host when switching back failed). */
  reason?: string;
}

export function parseReleaseLog(text: string): ReleaseRecord[] {
  const out: ReleaseRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as ReleaseRecord);
    } catch {
      // A torn last line (host lost power mid-append) must not hide the rest.
    }
  }
  return out;
}

/** The release folder a record runs from: a rollback re-applies its source's folder. */
export function releaseFolder(r: Pick<ReleaseRecord, 'id' | 'kind' | 'source'>): string {
  return r.kind === 'rollback' && r.source ? r.source : r.id;
}

/**
 * Records since the environment was last removed as a whole (`ragship remove` without --role):
 * what was deployed before that no longer exists on the hosts.
 */
export function sinceRemoved(records: ReleaseRecord[]): ReleaseRecord[] {
  for (let i = records.length - 1; i >= 0; i--)
    if (records[i]!.kind === 'remove' && !records[i]!.roles?.length) return records.slice(i + 1);
  return records;
}

/** The release serving now: the last successful one (none after the environment was removed). */
export function activeRelease(records: ReleaseRecord[]): ReleaseRecord | undefined {
  return sinceRemoved(records)
    .filter((r) => r.result === 'success')
    .at(-1);
}

/**
 * `previous` = the last successful release before the active one whose content differs
 * (after a rollback to A, previous goes to the release the rollback left).
 */
export function resolveTarget(all: ReleaseRecord[], to: string): ReleaseRecord {
  const records = sinceRemoved(all);
  const ok = records.filter((r) => r.result === 'success');
  const active = ok.at(-1);
  const listing = () =>
    ok
      .slice(-10)
      .reverse()
      .map((r) => `${r.id} (${r.image})`)
      .join(', ') || 'none';
  if (!active)
    throw new UserError('to', 'there is no successful release on this environment', 'deploy first');
  if (to === 'previous') {
    const candidates = ok.slice(0, -1).reverse();
    const target = candidates.find(
      (r) => r.image !== active.image || envDiffers(r, active) || r.composeHash !== active.composeHash,
    );
    if (!target)
      throw new UserError(
        'to',
        `no earlier successful release than the active ${active.id}`,
        `releases that can be used: ${listing()}`,
      );
    return target;
  }
  const byId = records.find((r) => r.id === to);
  if (byId) {
    if (byId.result !== 'success')
      throw new ConfigError(
        'to',
        `release ${to} failed (${byId.error ?? 'no detail'}) and cannot be rolled back to`,
        `use one of: ${listing()}`,
      );
    return byId;
  }
  const byImage = ok
    .filter((r) => r.image === to || r.image.endsWith(`@${to}`) || r.image.split('@')[0]?.endsWith(`:${to}`))
    .at(-1);
  if (byImage) return byImage;
  throw new ConfigError(
    'to',
    `${JSON.stringify(to)} is not a release id, tag or digest recorded on this environment`,
    `use previous or one of: ${listing()}`,
  );
}

/** Digests of images the last `retain` successful releases use (never pruned). */
export function retainedImages(records: ReleaseRecord[], retain: number): Set<string> {
  const keep = new Set<string>();
  for (const r of records.filter((x) => x.result === 'success').slice(-retain))
    for (const img of Object.values(r.images)) keep.add(img);
  return keep;
}

export function newReleaseId(now: Date, sha?: string): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.[0-9]+Z$/, 'Z');
  const suffix = sha ? sha.slice(0, 7).toLowerCase() : Math.random().toString(36).slice(2, 9);
  return `${stamp}-${suffix}`;
}

/**
 * Whether two releases ran with different env. Hashes of two schemes (plain SHA-256 before the
 * keyed `hmac-sha256:` one) never match, so across the upgrade they say nothing: not a difference,
 * or the first rollback after it would pick a release identical to the active one.
 */
function envDiffers(a: Pick<ReleaseRecord, 'envHash'>, b: Pick<ReleaseRecord, 'envHash'>): boolean {
  const scheme = (h: string) => (h.startsWith('hmac-sha256:') ? 'hmac' : 'sha256');
  return scheme(a.envHash) === scheme(b.envHash) && a.envHash !== b.envHash;
}
