/**
 * The files a pull request changes, from the REST API (`GET /repos/{o}/{r}/pulls/{n}/files`,
 * 100 a page). A renamed file counts under both names. GitHub lists at most 3000 files: with
 * that many the list may be incomplete, which is an error (the caller then runs the suite).
 */
export interface PullFilesOptions {
  token: string;
  apiUrl: string;
  owner: string;
  repo: string;
  number: number;
  fetch?: typeof fetch;
}

export async function listPullRequestFiles(o: PullFilesOptions): Promise<string[]> {
  const doFetch = o.fetch ?? globalThis.fetch;
  const api = o.apiUrl.replace(/\/+$/, '');
  const files: string[] = [];
  for (let page = 1; page <= 30; page++) {
    const url = `${api}/repos/${o.owner}/${o.repo}/pulls/${o.number}/files?per_page=100&page=${page}`;
    const res = await doFetch(url, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${o.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'ragship-eval-gate',
      },
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) {
      const hint = res.status === 403 || res.status === 404 ? ' (the token needs `pull-requests: read`)' : '';
      throw new Error(`GET ${url.replace(/\?.*$/, '')}: HTTP ${res.status}${hint}`);
    }
    const batch = (await res.json()) as Array<{ filename: string; previous_filename?: string }>;
    for (const f of batch) {
      files.push(f.filename);
      if (f.previous_filename) files.push(f.previous_filename);
    }
    if (batch.length < 100) return files;
  }
  // 30 full pages: GitHub stops listing at 3000 files, so a relevant one may be missing.
  throw new Error('the pull request changes 3000 files or more, more than the REST API lists');
}
