/**
 * The git facts tags and labels are computed from. A plain object: the Actions adapter fills it
 * from GITHUB_* and the event payload, the CLI from `git`, tests write it by hand.
 */
export interface GitContext {
  /** GITHUB_EVENT_NAME: push, pull_request, pull_request_target, schedule, workflow_dispatch, … */
  eventName: string;
  /** Full ref: refs/heads/main, refs/tags/v1.2.3, refs/pull/7/merge. */
  ref: string;
  /** The commit the workflow runs on (for pull_request: the merge commit). */
  sha: string;
  /** Pull requests: the PR head commit (metadata-action#206: tag what the author pushed). */
  prHeadSha?: string;
  prNumber?: number;
  /** repository.default_branch from the payload; `latest` is only given on it. */
  defaultBranch?: string;
  repository?: RepositoryFacts;
}

export interface RepositoryFacts {
  /** owner/name */
  fullName?: string;
  name?: string;
  description?: string;
  htmlUrl?: string;
  /** SPDX id, e.g. MIT. */
  license?: string;
}

type Env = Record<string, string | undefined>;

function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * GitContext from what the runner provides: GITHUB_EVENT_NAME, GITHUB_REF, GITHUB_SHA and the
 * parsed GITHUB_EVENT_PATH payload. Pure, so it is table-tested without a runner.
 */
export function gitContextFromActions(env: Env, payload: unknown): GitContext {
  const event = obj(payload);
  const repo = obj(event.repository);
  const pr = obj(event.pull_request);
  const head = obj(pr.head);
  const number =
    typeof event.number === 'number' ? event.number : typeof pr.number === 'number' ? pr.number : undefined;
  const isPr = env.GITHUB_EVENT_NAME?.startsWith('pull_request') ?? false;
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    prHeadSha: isPr ? text(head.sha) : undefined,
    prNumber: isPr ? number : undefined,
    defaultBranch: text(repo.default_branch),
    repository: {
      fullName: text(repo.full_name) ?? env.GITHUB_REPOSITORY,
      name: text(repo.name) ?? env.GITHUB_REPOSITORY?.split('/')[1],
      description: text(repo.description),
      htmlUrl:
        text(repo.html_url) ??
        (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY
          ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`
          : undefined),
      license: text(obj(repo.license).spdx_id),
    },
  };
}
