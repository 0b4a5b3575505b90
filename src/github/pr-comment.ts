import { getOctokit } from '@actions/github';

/**
 * One PR comment per marker, created once and then edited in place on every run (Braintrust's
 * eval-action does the same): the marker is a hidden HTML comment inside the body.
 */
export interface UpsertCommentOptions {
  token: string;
  owner: string;
  repo: string;
  issueNumber: number;
  /** Hidden marker, e.g. `<!-- ragship-eval-gate:app -->`; the body must contain it. */
  marker: string;
  body: string;
  /** REST API root (GITHUB_API_URL on GHES, or a local recording server in tests). */
  baseUrl?: string;
}

export interface UpsertCommentResult {
  action: 'created' | 'updated';
  id: number;
  url: string;
}

export async function upsertPrComment(o: UpsertCommentOptions): Promise<UpsertCommentResult> {
  const body = o.body.includes(o.marker) ? o.body : `${o.marker}\n${o.body}`;
  const octokit = getOctokit(o.token, o.baseUrl ? { baseUrl: o.baseUrl.replace(/\/+$/, '') } : {});
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: o.owner,
    repo: o.repo,
    issue_number: o.issueNumber,
    per_page: 100,
  });
  const existing = comments.find((c) => typeof c.body === 'string' && c.body.includes(o.marker));
  if (existing) {
    const r = await octokit.rest.issues.updateComment({
      owner: o.owner,
      repo: o.repo,
      comment_id: existing.id,
      body,
    });
    return { action: 'updated', id: r.data.id, url: r.data.html_url };
  }
  const r = await octokit.rest.issues.createComment({
    owner: o.owner,
    repo: o.repo,
    issue_number: o.issueNumber,
    body,
  });
  return { action: 'created', id: r.data.id, url: r.data.html_url };
}
