import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as cache from '@actions/cache';
import type { Logger } from '../core/logger.js';
import type { BaselineStore } from '../eval/baseline.js';

/**
 * @actions/cache implementations of the eval ports. @actions/cache stores folders under
 * immutable keys, so the response cache is a folder restored by key prefix before the run and
 * saved under a new key after it; a baseline is a folder under its exact key. When the cache
 * service is unavailable (GHES without it, local runs) both degrade to the plain folder.
 */

export class ActionsBaselineStore implements BaselineStore {
  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}
  get description(): string {
    return cache.isFeatureAvailable()
      ? 'GitHub Actions cache'
      : `folder ${this.dir} (Actions cache unavailable)`;
  }
  async load(key: string): Promise<string | undefined> {
    const folder = join(this.dir, key);
    const file = join(folder, 'results.jsonl');
    if (cache.isFeatureAvailable()) {
      try {
        const hit = await cache.restoreCache([folder], key);
        if (!hit) return undefined;
      } catch (err) {
        this.logger.warn(`could not restore the baseline ${key}: ${(err as Error).message}`);
        return undefined;
      }
    }
    try {
      await stat(file);
      return file;
    } catch {
      return undefined;
    }
  }
  async save(key: string, resultsPath: string): Promise<void> {
    const folder = join(this.dir, key);
    await mkdir(folder, { recursive: true });
    await copyFile(resultsPath, join(folder, 'results.jsonl'));
    if (!cache.isFeatureAvailable()) return;
    try {
      await cache.saveCache([folder], key);
    } catch (err) {
      // A baseline for this sha already exists (re-run): keys are immutable, nothing to do.
      this.logger.warn(`baseline ${key} not saved: ${(err as Error).message}`);
    }
  }
}

/** Restores the response-cache folder (newest entry with the prefix) before a run. */
export async function restoreResponseCache(
  dir: string,
  prefix: string,
  logger: Logger,
): Promise<string | undefined> {
  await mkdir(dir, { recursive: true });
  if (!cache.isFeatureAvailable()) return undefined;
  try {
    return await cache.restoreCache([dir], `${prefix}${Date.now()}`, [prefix]);
  } catch (err) {
    logger.warn(`response cache not restored: ${(err as Error).message}`);
    return undefined;
  }
}

/** Saves the response-cache folder under a new key when the run added entries. */
export async function saveResponseCache(dir: string, key: string, logger: Logger): Promise<void> {
  if (!cache.isFeatureAvailable()) return;
  try {
    await cache.saveCache([dir], key);
  } catch (err) {
    logger.warn(`response cache not saved: ${(err as Error).message}`);
  }
}
