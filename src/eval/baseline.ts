import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where main's results are kept, keyed by main sha + config hash. Not by the cases file's
 * hash: a PR that edits or adds cases still finds main's results and is compared case by case
 * on (id, case content hash). A local folder
 * outside Actions; @actions/cache inside (src/github/eval-cache.ts) — caches written on the
 * default branch are readable from pull requests, which is exactly the baseline's audience.
 */
export interface BaselineStore {
  /** Path of a local copy of the baseline results, or undefined when none is stored. */
  load(key: string): Promise<string | undefined>;
  save(key: string, resultsPath: string): Promise<void>;
  readonly description: string;
}

export function baselineKey(suite: string, sha: string, configHash: string): string {
  return `ragship-eval-baseline-${suite}-${sha}-${configHash.slice(0, 16)}`;
}

/**
 * The workflow artifact that keeps a baseline durably (the workflow uploads the results file
 * under this name on main; PR runs find it through the REST API). Keys are letters, digits and
 * . _ - only (suite names are), which artifact names allow.
 */
export function baselineArtifactName(key: string): string {
  return key;
}

export class FolderBaselineStore implements BaselineStore {
  constructor(readonly dir: string) {}
  get description(): string {
    return `folder ${this.dir}`;
  }
  async load(key: string): Promise<string | undefined> {
    const p = join(this.dir, `${key}.jsonl`);
    try {
      await stat(p);
      return p;
    } catch {
      return undefined;
    }
  }
  async save(key: string, resultsPath: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await copyFile(resultsPath, join(this.dir, `${key}.jsonl`));
  }
}
