// Real parts: a Chroma 1.0.5 server booted on the runner (the repo's pinned chromadb), written to
// through its HTTP API while a logical export runs. Issue 17 item 10: drift detection compares
// content, not only counts — an update, or a delete plus an add, keeps the count.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChromaApi, type Records } from '../../../src/backup/chroma-api.js';
import { LocalChroma } from '../../../src/backup/local-chroma.js';
import { exportStream } from '../../../src/backup/logical.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { seed } from './support.js';

const PORT = 18299;
let dir: string;
let chroma: LocalChroma;

/** The API, with a write (through the same server) right after the first page is read. */
class WriteDuringExport extends ChromaApi {
  private done = false;
  constructor(
    url: string,
    private readonly write: (api: ChromaApi, collectionId: string, page: Records) => Promise<boolean>,
  ) {
    super(url);
  }
  override async get(id: string, o: { limit: number; offset: number; include: string[]; ids?: string[] }) {
    const page = await super.get(id, o);
    if (!this.done && page.ids.length) this.done = await this.write(this, id, page);
    return page;
  }
}

async function exportWith(api: ChromaApi) {
  const exp = exportStream(api, '1.0.5', { pageSize: 100, logger: new MemoryLogger() });
  await pipeline(exp.stream, new Writable({ write: (_c, _e, cb) => cb() }));
  await exp.done;
  return exp.stats;
}

// biome-ignore lint/suspicious/noExplicitAny: the API's private call, for the writes under test
const call = (api: ChromaApi, ...a: unknown[]) => (api as any).call(...a);
const db = '/api/v2/tenants/default_tenant/databases/default_database';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragship-drift-'));
  chroma = new LocalChroma(join(dir, 'data'), PORT);
  await chroma.start();
}, 120_000);
afterAll(async () => {
  await chroma?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('drift is content, not counts (item 10)', () => {
  test('a quiet export: no record changed', async () => {
    await seed(chroma.api, ['quiet'], 300, 8);
    const stats = await exportWith(new ChromaApi(`http://127.0.0.1:${PORT}`));
    expect(stats.find((s) => s.collection === 'quiet')).toMatchObject({
      before: 300,
      after: 300,
      changed: 0,
    });
  }, 120_000);

  test('an update of an exported record during the export keeps the count and is detected', async () => {
    await seed(chroma.api, ['updated'], 300, 8);
    const api = new WriteDuringExport(`http://127.0.0.1:${PORT}`, async (a, id, page) => {
      const info = (await a.collection('updated'))!;
      if (info.id !== id) return false;
      await call(a, 'POST', `${db}/collections/${id}/update`, {
        ids: [page.ids[0]],
        documents: ['changed while exported'],
      });
      return true;
    });
    const s = (await exportWith(api)).find((x) => x.collection === 'updated')!;
    expect(s.before).toBe(s.after);
    expect(s.changed).toBeGreaterThan(0);
  }, 120_000);

  test('a delete plus an add during the export keeps the count and is detected', async () => {
    await seed(chroma.api, ['swapped'], 300, 8);
    const api = new WriteDuringExport(`http://127.0.0.1:${PORT}`, async (a, id, page) => {
      const info = (await a.collection('swapped'))!;
      if (info.id !== id) return false;
      await call(a, 'POST', `${db}/collections/${id}/delete`, { ids: [page.ids[1]] });
      await a.add(id, {
        ids: ['swapped-new'],
        embeddings: [[0, 0, 0, 0, 0, 0, 0, 1]],
        documents: ['added while exported'],
        metadatas: [{ new: true }],
      });
      return true;
    });
    const s = (await exportWith(api)).find((x) => x.collection === 'swapped')!;
    expect(s.before).toBe(s.after);
    expect(s.changed).toBeGreaterThan(0);
  }, 120_000);
});
