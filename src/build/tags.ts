import { ConfigError } from '../core/errors.js';
import { validate } from '../core/validate.js';
import type { GitContext } from './git-context.js';

/**
 * Tag and label conventions of docker/metadata-action, computed as a pure function of the git
 * context so every event is table-tested:
 *
 * | event                     | tags                                                  |
 * |---------------------------|-------------------------------------------------------|
 * | push to the default branch| <branch>, latest, sha-<7>, sha-<40>                    |
 * | push to another branch    | <branch>, sha-<7>, sha-<40>                            |
 * | push of tag v1.2.3        | 1.2.3, 1.2, 1, sha-<7>, sha-<40> (pre-release: 1.2.3-rc.1 only; 0.x: no "0") |
 * | push of a non-semver tag  | <tag>, sha-<7>, sha-<40>                               |
 * | pull_request #N           | pr-N, sha-<7 of PR head>, sha-<40 of PR head>          |
 * | schedule                  | nightly, sha-<7>, sha-<40>                             |
 *
 * `latest` is given only for a push (or manual dispatch) of the default branch — never for a PR,
 * a schedule or a git tag — so `latest` always means "what main last built".
 */
export interface TagOptions {
  /** Raw extra tags, validated. */
  extra?: string[];
  /** Turn off the sha tags or latest if a team does not want them. */
  shaTags?: boolean;
  latest?: boolean;
}

const SEMVER =
  /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export interface Semver {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
  /** The version without a leading v and without build metadata (not allowed in tags as "+"). */
  version: string;
}

export function parseSemver(text: string): Semver | undefined {
  const m = SEMVER.exec(text);
  if (!m) return undefined;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const prerelease = m[4];
  return {
    major,
    minor,
    patch,
    prerelease,
    version: `${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}`,
  };
}

/** A ref name as a Docker tag: what metadata-action does (feature/x → feature-x). */
export function sanitizeTag(name: string): string {
  const out = name
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
  return out;
}

export type RefKind =
  | { kind: 'branch'; name: string }
  | { kind: 'tag'; name: string }
  | { kind: 'pull'; number?: number }
  | { kind: 'other' };

export function refKind(ref: string): RefKind {
  if (ref.startsWith('refs/heads/')) return { kind: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { kind: 'tag', name: ref.slice('refs/tags/'.length) };
  const pull = /^refs\/pull\/([0-9]+)\//.exec(ref);
  if (pull) return { kind: 'pull', number: Number(pull[1]) };
  return { kind: 'other' };
}

function isPullRequest(ctx: GitContext): boolean {
  return ctx.eventName.startsWith('pull_request');
}

/** The commit the image is built from: the PR head on pull requests, else GITHUB_SHA. */
export function revisionOf(ctx: GitContext): string {
  return isPullRequest(ctx) && ctx.prHeadSha ? ctx.prHeadSha : ctx.sha;
}

export function computeTags(ctx: GitContext, options: TagOptions = {}): string[] {
  const tags: string[] = [];
  const add = (t: string | undefined) => {
    if (t && !tags.includes(t)) tags.push(t);
  };
  const ref = refKind(ctx.ref);
  if (isPullRequest(ctx)) {
    const n = ctx.prNumber ?? (ref.kind === 'pull' ? ref.number : undefined);
    if (n === undefined) {
      throw new ConfigError(
        'git context',
        `a ${ctx.eventName} event without a pull request number`,
        'run the action on a real pull_request event',
      );
    }
    add(`pr-${n}`);
  } else if (ctx.eventName === 'schedule') {
    add('nightly');
  } else if (ref.kind === 'tag') {
    const semver = parseSemver(ref.name);
    if (semver) {
      add(semver.version);
      if (!semver.prerelease) {
        add(`${semver.major}.${semver.minor}`);
        // 0.x is not stable: a moving "0" tag would promise compatibility it does not have.
        if (semver.major > 0) add(String(semver.major));
      }
    } else add(sanitizeTag(ref.name));
  } else if (ref.kind === 'branch') {
    add(sanitizeTag(ref.name));
    if (options.latest !== false && ctx.defaultBranch && ref.name === ctx.defaultBranch) add('latest');
  }
  const sha = revisionOf(ctx);
  if (options.shaTags !== false && sha) {
    validate('sha', sha, 'git sha');
    add(`sha-${sha.slice(0, 7)}`);
    if (sha.length > 7) add(`sha-${sha}`);
  }
  for (const [i, t] of (options.extra ?? []).entries()) add(validate('tag', t, `tags[${i}]`));
  for (const t of tags) validate('tag', t, 'computed tag');
  if (tags.length === 0) {
    throw new ConfigError(
      'tags',
      `no tag could be computed for event ${JSON.stringify(ctx.eventName)} on ref ${JSON.stringify(ctx.ref)}`,
      'pass extra tags with `tags:`',
    );
  }
  return tags;
}

/** The human version: what org.opencontainers.image.version says. */
export function versionOf(tags: string[]): string {
  return tags.find((t) => t !== 'latest') ?? tags[0] ?? '';
}

export interface LabelOptions {
  /** Image title when the payload has no repository name. */
  title?: string;
  /** ISO 8601 build time (injected so tests are deterministic). */
  created: string;
  /** Extra labels (k=v); they override the computed ones. */
  extra?: Record<string, string>;
}

/** OCI labels org.opencontainers.image.* filled from the git context. */
export function computeLabels(
  ctx: GitContext,
  tags: string[],
  options: LabelOptions,
): Record<string, string> {
  const repo = ctx.repository ?? {};
  const labels: Record<string, string | undefined> = {
    'org.opencontainers.image.title': repo.name ?? options.title,
    'org.opencontainers.image.description': repo.description,
    'org.opencontainers.image.url': repo.htmlUrl,
    'org.opencontainers.image.source': repo.htmlUrl,
    'org.opencontainers.image.version': versionOf(tags),
    'org.opencontainers.image.created': options.created,
    'org.opencontainers.image.revision': revisionOf(ctx) || undefined,
    'org.opencontainers.image.licenses':
      repo.license && repo.license !== 'NOASSERTION' ? repo.license : undefined,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (v) out[k] = v;
  for (const [k, v] of Object.entries(options.extra ?? {})) out[k] = v;
  return out;
}

/** `k=v` lines (labels, build args, secrets) into a record; keys validated, values kept verbatim. */
export function parseKeyValues(
  lines: string[],
  where: string,
  options: { secret?: boolean } = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, line] of lines.entries()) {
    const at = line.indexOf('=');
    const k = at > 0 ? line.slice(0, at).trim() : '';
    if (!k || !/^[A-Za-z0-9_.-]+$/.test(k)) {
      // A malformed secret line is never echoed back: it may be the secret itself.
      const shown = options.secret ? `line ${i + 1}` : JSON.stringify(line.slice(0, 60));
      throw new ConfigError(`${where}[${i}]`, `${shown} is not KEY=value`, 'write one KEY=value per line');
    }
    out[k] = line.slice(at + 1);
  }
  return out;
}
