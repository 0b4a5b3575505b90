import type { Logger } from 'pino';
import type { Embedder } from './embedding.js';
import { MIGRATIONS_COLLECTION, type Store } from './store.js';

export interface MigrationContext {
  store: Store;
  embedder: Embedder;
  logger: Logger;
  /** Page size for reads and writes; never above the server's max_batch_size. */
  batchSize: number;
}

export interface Migration {
  /** Zero-padded, ordered: `0001`, `0002`, … */
  version: string;
  name: string;
  up(ctx: MigrationContext): Promise<void>;
}

/**
 * Forward-only. Each migration is idempotent on its own (safe to re-run after a crash between
 * its work and its record); it is recorded in the `ragship_migrations` collection only after it
 * succeeded, so a failure leaves the recorded version unchanged and the command exits non-zero.
 */
export const MIGRATIONS: Migration[] = [
  {
    version: '0001',
    name: 'create chunks collection (cosine HNSW)',
    async up({ store, embedder }) {
      await store.client.getOrCreateCollection({
        name: store.collectionName,
        embeddingFunction: null,
        configuration: { hnsw: { space: 'cosine', ef_construction: 128, ef_search: 64, max_neighbors: 16 } },
        metadata: { embedder: embedder.id, index_version: 'empty', created_by: 'migration-0001' },
      });
    },
  },
  {
    version: '0002',
    name: 're-embed chunks with the configured embedder',
    async up(ctx) {
      await reembed(ctx);
    },
  },
];

/** Re-embed every record whose embedder differs, in pages within max_batch_size. */
export async function reembed({ store, embedder, logger, batchSize }: MigrationContext): Promise<number> {
  store.forget();
  const col = await store.collection();
  const total = await col.count();
  let changed = 0;
  for (let offset = 0; offset < total; offset += batchSize) {
    const page = await col.get({ limit: batchSize, offset, include: ['documents', 'metadatas'] });
    const stale = page.ids
      .map((id, i) => ({ id, doc: page.documents[i] ?? '', meta: page.metadatas[i] ?? {} }))
      .filter((r) => r.meta.embedder !== embedder.id);
    if (stale.length === 0) continue;
    const vectors = await embedder.embed(stale.map((r) => r.doc));
    await store.upsert(
      stale.map((r, i) => ({
        id: r.id,
        embedding: vectors[i] ?? [],
        document: r.doc,
        metadata: { ...r.meta, embedder: embedder.id },
      })),
    );
    changed += stale.length;
    logger.info({ offset, total, changed }, 're-embedded a page');
  }
  await store.setIndexMetadata({ embedder: embedder.id });
  return changed;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Recorded versions this build does not know (a newer app migrated; forward-only). */
  unknown: string[];
  current: string;
  expected: string;
}

async function migrationsCollection(store: Store) {
  return store.client.getOrCreateCollection({
    name: MIGRATIONS_COLLECTION,
    embeddingFunction: null,
    metadata: { purpose: 'ragship example-app schema migrations' },
  });
}

export async function migrationStatus(store: Store, migrations = MIGRATIONS): Promise<MigrationStatus> {
  const col = await migrationsCollection(store);
  const rec = await col.get({ where: { collection: store.collectionName } });
  const applied = rec.ids.map((id) => id.split(':')[1] ?? id).sort();
  const known = new Set(migrations.map((m) => m.version));
  const pending = migrations.filter((m) => !applied.includes(m.version)).map((m) => m.version);
  return {
    applied,
    pending,
    unknown: applied.filter((v) => !known.has(v)),
    current: applied.at(-1) ?? '0000',
    expected: migrations.at(-1)?.version ?? '0000',
  };
}

export async function migrate(
  ctx: MigrationContext,
  migrations = MIGRATIONS,
): Promise<{ ran: string[]; status: MigrationStatus }> {
  const col = await migrationsCollection(ctx.store);
  const before = await migrationStatus(ctx.store, migrations);
  if (before.unknown.length > 0) {
    ctx.logger.warn(
      { unknown: before.unknown },
      'database has migrations this build does not know (newer app)',
    );
  }
  const ran: string[] = [];
  for (const m of migrations) {
    if (before.applied.includes(m.version)) continue;
    const started = Date.now();
    ctx.logger.info({ version: m.version, name: m.name }, 'migration started');
    await m.up(ctx);
    await col.upsert({
      ids: [`${ctx.store.collectionName}:${m.version}`],
      embeddings: [[0]],
      documents: [m.name],
      metadatas: [
        {
          collection: ctx.store.collectionName,
          version: m.version,
          name: m.name,
          applied_at: new Date().toISOString(),
          duration_ms: Date.now() - started,
        },
      ],
    });
    ctx.logger.info({ version: m.version, ms: Date.now() - started }, 'migration applied');
    ran.push(m.version);
  }
  return { ran, status: await migrationStatus(ctx.store, migrations) };
}
