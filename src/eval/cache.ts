import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, sha256 } from './suite.js';

/**
 * The response cache port: content-addressed values. Outside Actions it is a local folder;
 * inside Actions the same folder is restored and saved with @actions/cache
 * (src/github/eval-cache.ts), so the core never knows which.
 */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
}

/** Key = sha256 of the canonical JSON of every part that can change a response. */
export function cacheKey(parts: Record<string, unknown>): string {
  return sha256(canonicalJson(parts));
}

/** One file per key under <dir>/<2 hex>/<key>.json; writes are atomic (temp + rename). */
export class FolderCache implements CacheStore {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.file(key), 'utf8');
    } catch {
      return undefined;
    }
  }

  async put(key: string, value: string): Promise<void> {
    const file = this.file(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, value);
    await rename(tmp, file);
  }
}

/** No caching (`--no-cache`). */
export class NoCache implements CacheStore {
  async get(): Promise<string | undefined> {
    return undefined;
  }
  async put(): Promise<void> {}
}
