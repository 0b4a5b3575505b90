import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';

/**
 * The slice of Chroma's v2 HTTP API backups need (spoken directly: it is the wire format
 * every Chroma 1.x server shares, and it lets us page, include and batch exactly).
 */
export interface CollectionInfo {
  id: string;
  name: string;
  metadata: Record<string, unknown> | null;
  configuration_json?: Record<string, unknown> | null;
  dimension?: number | null;
}

export interface Records {
  ids: string[];
  embeddings?: number[][] | null;
  documents?: Array<string | null> | null;
  metadatas?: Array<Record<string, unknown> | null> | null;
}

/** What the manifest records of one collection. */
export interface CollectionSummary {
  name: string;
  count: number;
  dimension: number | null;
  /** SHA-256 over the sorted ids, one per line: compares id sets without storing them. */
  idsSha256: string;
  /** A few ids whose stored vectors must find themselves after a restore. */
  sampleIds: string[];
  metadata: Record<string, unknown> | null;
}

export class ChromaApi {
  private readonly base: string;
  constructor(
    readonly url: string,
    private readonly tenant = 'default_tenant',
    private readonly database = 'default_database',
    private readonly timeoutMs = 60_000,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new UserError(
        `Chroma at ${this.base}`,
        `is not reachable (${(err as Error).message})`,
        'check that Chroma is running and the URL',
      );
    }
    const text = await res.text();
    if (!res.ok)
      throw new UserError(
        `Chroma at ${this.base}`,
        `${method} ${path.split('?')[0]} answered HTTP ${res.status}: ${text.slice(0, 300)}`,
        'check the Chroma server log',
      );
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private get db(): string {
    return `/api/v2/tenants/${encodeURIComponent(this.tenant)}/databases/${encodeURIComponent(this.database)}`;
  }

  async heartbeat(): Promise<boolean> {
    try {
      const r = await fetch(`${this.base}/api/v2/heartbeat`, { signal: AbortSignal.timeout(2000) });
      return r.ok;
    } catch {
      return false;
    }
  }

  /** Polls the heartbeat until it answers; returns the milliseconds waited. */
  async waitHealthy(timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (await this.heartbeat()) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new UserError(
      `Chroma at ${this.base}`,
      `did not answer its heartbeat within ${Math.round(timeoutMs / 1000)} s`,
      'check the container log (docker logs)',
    );
  }

  version(): Promise<string> {
    return this.call<string>('GET', '/api/v2/version');
  }

  async maxBatchSize(): Promise<number> {
    const r = await this.call<{ max_batch_size?: number }>('GET', '/api/v2/pre-flight-checks');
    return r.max_batch_size ?? 1000;
  }

  async collections(): Promise<CollectionInfo[]> {
    const out: CollectionInfo[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await this.call<CollectionInfo[]>(
        'GET',
        `${this.db}/collections?limit=100&offset=${offset}`,
      );
      out.push(...page);
      if (page.length < 100) break;
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async collection(name: string): Promise<CollectionInfo | undefined> {
    return (await this.collections()).find((c) => c.name === name);
  }

  createCollection(
    name: string,
    metadata: Record<string, unknown> | null,
    configuration?: Record<string, unknown> | null,
  ): Promise<CollectionInfo> {
    const body: Record<string, unknown> = {
      name,
      metadata: metadata && Object.keys(metadata).length ? metadata : undefined,
      get_or_create: false,
    };
    if (configuration) body.configuration = configuration;
    return this.call('POST', `${this.db}/collections`, body);
  }

  count(id: string): Promise<number> {
    return this.call<number>('GET', `${this.db}/collections/${id}/count`);
  }

  get(
    id: string,
    options: { limit: number; offset: number; include: string[]; ids?: string[] },
  ): Promise<Records> {
    return this.call('POST', `${this.db}/collections/${id}/get`, options);
  }

  add(id: string, records: Records): Promise<unknown> {
    return this.call('POST', `${this.db}/collections/${id}/add`, records);
  }

  query(id: string, embeddings: number[][], n: number): Promise<{ ids: string[][]; distances: number[][] }> {
    return this.call('POST', `${this.db}/collections/${id}/query`, {
      query_embeddings: embeddings,
      n_results: n,
      include: ['distances'],
    });
  }

  /** Every id of a collection, paged (Chroma's get has no auto-paging). */
  async allIds(id: string, page = 5000): Promise<string[]> {
    const ids: string[] = [];
    for (let offset = 0; ; offset += page) {
      const r = await this.get(id, { limit: page, offset, include: [] });
      ids.push(...r.ids);
      if (r.ids.length < page) break;
    }
    return ids;
  }

  /** Collections, counts, id-set digests and sample ids: the manifest's view of the data. */
  async summarize(samplesPerCollection = 5): Promise<CollectionSummary[]> {
    const out: CollectionSummary[] = [];
    for (const c of await this.collections()) {
      const ids = await this.allIds(c.id);
      out.push({
        name: c.name,
        count: ids.length,
        dimension: c.dimension ?? null,
        idsSha256: idSetDigest(ids),
        sampleIds: pickSamples(ids, samplesPerCollection),
        metadata: c.metadata ?? null,
      });
    }
    return out;
  }
}

export function idSetDigest(ids: string[]): string {
  const h = createHash('sha256');
  for (const id of [...ids].sort()) h.update(`${id}\n`);
  return h.digest('hex');
}

/** Evenly spread, deterministic samples (first, last and in between). */
export function pickSamples(ids: string[], n: number): string[] {
  const sorted = [...ids].sort();
  if (sorted.length <= n) return sorted;
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(sorted[Math.floor((i * (sorted.length - 1)) / Math.max(1, n - 1))]!);
  return [...new Set(out)];
}

/** Compares dotted versions numerically: <0 if a is older than b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}
