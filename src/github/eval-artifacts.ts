import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { type BaselineStore, baselineArtifactName } from '../eval/baseline.js';
import { readZip } from '../eval/zip.js';

/**
 * Main's eval results as a workflow artifact of main's run (kept for the repository's artifact
 * retention, up to 90 days, where the Actions cache evicts entries unused for 7 days), found by
 * the PR run through the REST API: list artifacts by name, download the zip, read the results
 * file. The Actions cache stays the fast path. The artifact is uploaded by the workflow
 * (actions/upload-artifact) under the name the eval-gate action outputs as `baseline-artifact`.
 */
export interface ArtifactBaselineOptions {
  token: string;
  owner: string;
  repo: string;
  /** REST API root: GITHUB_API_URL (https://api.github.com, GHES, or a local server in tests). */
  apiUrl: string;
  /** Only artifacts of runs on this branch of this repository count (never a fork's or a PR's run). */
  defaultBranch: string;
  /** Where downloaded baselines are written. */
  dir: string;
  logger: Logger;
  /** Tried first (the Actions cache). */
  fast?: BaselineStore;
  fetch?: typeof fetch;
}

interface ApiArtifact {
  id: number;
  name: string;
  expired: boolean;
  created_at?: string;
  archive_download_url?: string;
  workflow_run?: { id?: number; repository_id?: number; head_repository_id?: number; head_branch?: string };
}

export class ArtifactBaselineStore implements BaselineStore {
  private readonly fetch: typeof fetch;
  constructor(private readonly o: ArtifactBaselineOptions) {
    this.fetch = o.fetch ?? globalThis.fetch;
  }

  get description(): string {
    return `workflow artifact of a run on ${this.o.defaultBranch}${this.o.fast ? `, ${this.o.fast.description} first` : ''}`;
  }

  async load(key: string): Promise<string | undefined> {
    const cached = await this.o.fast?.load(key);
    if (cached) {
      this.o.logger.info(`baseline ${key}: ${this.o.fast!.description}`);
      return cached;
    }
    if (!this.o.token) {
      this.o.logger.warn(`baseline ${key}: no github-token to look for main's artifact`);
      return undefined;
    }
    const name = baselineArtifactName(key);
    const api = this.o.apiUrl.replace(/\/+$/, '');
    try {
      const list = await this.get(
        `${api}/repos/${this.o.owner}/${this.o.repo}/actions/artifacts?name=${encodeURIComponent(name)}&per_page=100`,
        'application/vnd.github+json',
      );
      const body = (await list.json()) as { artifacts?: ApiArtifact[] };
      const found = (body.artifacts ?? [])
        .filter((a) => a.name === name && !a.expired && this.fromDefaultBranch(a))
        .sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''))[0];
      if (!found) {
        this.o.logger.info(`baseline ${key}: no artifact of that name from a run on ${this.o.defaultBranch}`);
        return undefined;
      }
      const zip = await this.get(
        found.archive_download_url ??
          `${api}/repos/${this.o.owner}/${this.o.repo}/actions/artifacts/${found.id}/zip`,
        'application/vnd.github+json',
      );
      const files = readZip(Buffer.from(await zip.arrayBuffer()));
      const entry = [...files].find(([n]) => /(^|\/)results[^/]*\.jsonl$/.test(n));
      if (!entry) throw new Error(`artifact ${name} (id ${found.id}) has no results*.jsonl file`);
      const folder = join(this.o.dir, key);
      await mkdir(folder, { recursive: true });
      const file = join(folder, 'results.jsonl');
      await writeFile(file, entry[1]);
      this.o.logger.info(
        `baseline ${key}: artifact ${found.id} of run ${found.workflow_run?.id ?? '?'} on ${this.o.defaultBranch}`,
      );
      return file;
    } catch (err) {
      this.o.logger.warn(`baseline ${key}: could not read main's artifact: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** The cache copy; the artifact itself is uploaded by the workflow step after the action. */
  async save(key: string, resultsPath: string): Promise<void> {
    await this.o.fast?.save(key, resultsPath);
  }

  private fromDefaultBranch(a: ApiArtifact): boolean {
    const run = a.workflow_run;
    if (!run || run.head_branch !== this.o.defaultBranch) return false;
    // A fork's pull request runs in this repository with head_repository_id = the fork.
    return run.head_repository_id === undefined || run.head_repository_id === run.repository_id;
  }

  private async get(url: string, accept: string): Promise<Response> {
    const res = await this.fetch(url, {
      headers: {
        accept,
        authorization: `Bearer ${this.o.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'ragship-eval-gate',
      },
      redirect: 'follow',
      signal: AbortSignal.timeout(60_000),
    });
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).slice(0, 200);
      const hint = res.status === 403 || res.status === 404 ? ' (the token needs `actions: read`)' : '';
      throw new Error(`GET ${url.replace(/\?.*$/, '')}: HTTP ${res.status} ${text}${hint}`);
    }
    return res;
  }
}
