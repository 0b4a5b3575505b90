import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Progress, progressStream } from '../core/progress.js';
import { type AgeDecryptKeys, ageDecryptStream } from './age-stream.js';
import { type ChromaApi, compareVersions, idSetDigest } from './chroma-api.js';
import { decompressor } from './compress.js';
import { assertPassphrase, DecryptStream } from './crypto-stream.js';
import { freePort, LocalChroma } from './local-chroma.js';
import { importNdjson, NdjsonIndex } from './logical.js';
import {
  keys,
  LEGACY_ENCRYPTION,
  type Manifest,
  parseManifest,
  type StoredObject,
  type Verification,
} from './manifest.js';
import { Meter } from './pipeline.js';
import type { BackupStore } from './store.js';
import { type FileEntry, TarIndex } from './tar-index.js';

export interface VerifyOptions {
  /** The scrypt passphrase ('' when the backups are encrypted to age recipients). */
  passphrase: string;
  /** age identities (`AGE-SECRET-KEY-1…`) for backups encrypted to X25519 recipients. */
  identities?: string[];
  /** Command that runs the `chroma` CLI (…, 'run', '--path', …). */
  chromaCommand?: string[];
  /** Port for the drill's Chroma (0 = any free port). */
  port?: number;
  /** Keep the restored dir here instead of a temp dir (restore uses it). */
  workDir?: string;
  /** Write verified.json on success (retention only counts verified backups). */
  record: boolean;
}

export interface VerifyResult {
  manifest: Manifest;
  verification: Verification;
  checks: Array<{ check: string; result: string }>;
}

/** A passphrase of 16+ characters, or age identities; both become log secrets. */
export function assertKeys(o: { passphrase: string; identities?: string[] }, logger: Logger): void {
  for (const i of o.identities ?? []) {
    logger.setSecret(i);
    if (!/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(i))
      throw new UserError(
        'age-identity',
        'is not an age identity (expected AGE-SECRET-KEY-1… lines, as age-keygen writes them)',
        'pass the contents of the key file whose public key (age1…) the backups are encrypted to',
      );
  }
  if (o.identities?.length && !o.passphrase) return;
  assertPassphrase(o.passphrase, 'encryption-passphrase');
  logger.setSecret(o.passphrase);
}

export async function loadManifest(store: BackupStore, id: string): Promise<Manifest> {
  const raw = await store.getJson(store.key(keys.manifest(id)));
  if (raw === undefined)
    throw new UserError(
      `backup ${id}`,
      'has no manifest: it was never committed (or does not exist)',
      'list backups with `ragship backups`',
    );
  return parseManifest(raw, `backup ${id}`);
}

/**
 * Downloads one stored object, authenticates and decrypts it, and checks its stored hash,
 * plaintext hash and every file hash against the manifest while feeding `sink`.
 */
export async function downloadChecked(
  store: BackupStore,
  obj: StoredObject,
  mode: Manifest['mode'],
  keys: string | AgeDecryptKeys,
  sink: Writable,
  where: string,
  logger?: Logger,
): Promise<void> {
  const k: AgeDecryptKeys = typeof keys === 'string' ? { passphrase: keys } : keys;
  if (obj.encryption === LEGACY_ENCRYPTION && !k.passphrase)
    throw new UserError(
      where,
      'is a format-1 (RAGSHIPB) backup, encrypted with a passphrase only',
      'pass the encryption passphrase it was made with',
    );
  const { body } = await store.getStream(obj.key);
  const decrypt =
    obj.encryption === LEGACY_ENCRYPTION
      ? new DecryptStream(k.passphrase!, where)
      : ageDecryptStream(k, where);
  const decompress = decompressor(obj.compression);
  const stored = new Meter();
  const plain = new Meter();
  const index = mode === 'physical' ? new TarIndex() : new NdjsonIndex();
  try {
    const progress = logger
      ? progressStream(
          new Progress({ label: `download ${obj.key}`, unit: 'bytes', total: obj.storedBytes, logger }),
        )
      : new PassThrough();
    await pipeline(body, progress, stored, decrypt, decompress, plain, index, sink);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(
      where,
      `cannot be read back: ${(err as Error).message}`,
      'the archive is corrupted or truncated; use another backup',
    );
  }
  const problems: string[] = [];
  if (stored.bytes !== obj.storedBytes)
    problems.push(`stored size ${stored.bytes} ≠ manifest ${obj.storedBytes} (truncated?)`);
  const storedSha = stored.hash.digest('hex');
  if (storedSha !== obj.storedSha256)
    problems.push(`stored SHA-256 ${storedSha.slice(0, 12)}… ≠ manifest ${obj.storedSha256.slice(0, 12)}…`);
  const plainSha = plain.hash.digest('hex');
  if (plainSha !== obj.plainSha256)
    problems.push(`plaintext SHA-256 ${plainSha.slice(0, 12)}… ≠ manifest ${obj.plainSha256.slice(0, 12)}…`);
  const files: FileEntry[] = typeof index.files === 'function' ? index.files() : index.files;
  problems.push(...compareFiles(obj.files, files));
  if (problems.length)
    throw new UserError(
      where,
      `does not match its manifest (hash mismatch): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
      'do not restore it; use another backup',
    );
}

export function compareFiles(expected: FileEntry[], actual: FileEntry[]): string[] {
  const got = new Map(actual.map((f) => [f.path, f]));
  const out: string[] = [];
  for (const e of expected) {
    const a = got.get(e.path);
    if (!a) out.push(`${e.path} missing`);
    else if (a.sha256 !== e.sha256 || a.bytes !== e.bytes) out.push(`${e.path} SHA-256 mismatch`);
    got.delete(e.path);
  }
  for (const extra of got.keys()) out.push(`${extra} not in the manifest`);
  return out;
}

/** A tar extractor on the runner (system tar), stripping the persist dir's own name. */
export function extractTo(dir: string): { sink: Writable; done: Promise<void> } {
  const child = spawn('tar', ['-x', '-f', '-', '-C', dir, '--strip-components=1', '--no-same-owner'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c) => {
    err += c;
  });
  const done = new Promise<void>((resolve, reject) =>
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new UserError(
              'tar -x',
              `exited with ${code}: ${err.slice(-500)}`,
              'check free disk space on the runner',
            ),
          ),
    ),
  );
  done.catch(() => {});
  return { sink: child.stdin, done };
}

/**
 * Compares collections, counts and id sets with the manifest, and runs self-queries: each sampled
 * record's stored vector is queried and should find the record itself (distance ~0).
 *
 * HNSW search is approximate: on large collections some records are unreachable in the graph
 * and never come back, whatever the number of results asked for (30,000 random 256-d vectors on
 * Chroma 1.0.5: 6-7 of 100 samples missed themselves on a live, never-restored index). So one
 * miss is not damage; a collection fails when fewer than half of its samples find themselves,
 * which a missing or mismatched index does. The data itself is checked by the id sets here and
 * by the file hashes before.
 */
export async function compareWithManifest(
  api: ChromaApi,
  manifest: Manifest,
): Promise<{ records: number; selfQueries: number; selfHits: number; problems: string[] }> {
  const problems: string[] = [];
  const live = await api.collections();
  const names = new Set(live.map((c) => c.name));
  let records = 0;
  let selfQueries = 0;
  let selfHits = 0;
  for (const c of manifest.chroma.collections) {
    const info = live.find((l) => l.name === c.name);
    names.delete(c.name);
    if (!info) {
      problems.push(`collection ${c.name} is missing`);
      continue;
    }
    const ids = await api.allIds(info.id);
    records += ids.length;
    if (ids.length !== c.count) problems.push(`${c.name}: ${ids.length} records, manifest says ${c.count}`);
    if (idSetDigest(ids) !== c.idsSha256) problems.push(`${c.name}: the id set differs from the manifest`);
    if (c.sampleIds.length) {
      const got = await api.get(info.id, {
        ids: c.sampleIds,
        limit: c.sampleIds.length,
        offset: 0,
        include: ['embeddings'],
      });
      if (got.ids.length !== c.sampleIds.length)
        problems.push(`${c.name}: sample ids missing (${got.ids.length}/${c.sampleIds.length})`);
      const vectors = got.embeddings ?? [];
      if (vectors.length) {
        const r = await api.query(info.id, vectors, Math.min(3, ids.length));
        const missed: string[] = [];
        got.ids.forEach((id, i) => {
          const hit = r.ids[i]?.indexOf(id) ?? -1;
          if (hit === -1 || (r.distances[i]?.[hit] ?? 1) > 1e-4) missed.push(id);
        });
        selfQueries += got.ids.length;
        selfHits += got.ids.length - missed.length;
        if (missed.length * 2 > got.ids.length)
          problems.push(
            `${c.name}: ${missed.length} of ${got.ids.length} sampled vectors do not find themselves (${missed.slice(0, 3).join(', ')}): the vector index does not answer for its data`,
          );
      }
    }
  }
  for (const extra of names) problems.push(`collection ${extra} is not in the manifest`);
  return { records, selfQueries, selfHits, problems };
}

/**
 * The restore drill: download, check hashes, decrypt, boot Chroma on the restored data on the
 * runner, compare with the manifest, restart it and compare again.
 */
export async function verifyBackup(
  store: BackupStore,
  id: string,
  o: VerifyOptions,
  logger: Logger,
): Promise<VerifyResult> {
  assertKeys(o, logger);
  const secrets = { passphrase: o.passphrase, identities: o.identities };
  const started = Date.now();
  const manifest = await loadManifest(store, id);
  const dir = o.workDir ?? mkdtempSync(join(tmpdir(), `ragship-verify-${id}-`));
  const checks: VerifyResult['checks'] = [];
  const chroma = new LocalChroma(join(dir, 'data'), o.port || (await freePort()), o.chromaCommand);
  const diskFull = (free: number) =>
    new UserError(
      'restore drill',
      `${(free / 1e6).toFixed(1)} MB free under ${dir}, the restored data needs ${(manifest.archive.plainBytes / 1e6).toFixed(1)} MB: the drill's files were removed; backup ${id} itself is stored, not verified`,
      'point TMPDIR (on GitHub runners: RUNNER_TEMP) at a disk with room for the restored data, then run the drill again (command: verify)',
    );
  const freeUnder = (path: string) => {
    const f = statfsSync(path);
    return f.bavail * f.bsize;
  };
  try {
    // The runner's temp dir must hold the restored persist dir (or export): refuse up front.
    if (freeUnder(dir) < manifest.archive.plainBytes) throw diskFull(freeUnder(dir));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'data'), { recursive: true });
    const ndjsonPath = join(dir, 'export.ndjson');
    await logger.group(
      `download, decrypt and check ${manifest.archive.files.length} file hashes`,
      async () => {
        if (manifest.mode === 'physical') {
          const x = extractTo(join(dir, 'data'));
          await Promise.all([
            downloadChecked(store, manifest.archive, 'physical', secrets, x.sink, `backup ${id} archive`),
            x.done,
          ]);
        } else {
          await downloadChecked(
            store,
            manifest.archive,
            'logical',
            secrets,
            createWriteStream(ndjsonPath),
            `backup ${id} archive`,
          );
        }
        if (manifest.config)
          await downloadChecked(
            store,
            manifest.config,
            'physical',
            secrets,
            new Writable({ write: (_c, _e, cb) => cb() }),
            `backup ${id} config`,
          );
      },
    );
    checks.push({
      check: 'stored, plaintext and per-file SHA-256',
      result: `ok (${manifest.archive.files.length} files)`,
    });

    await logger.group('boot Chroma on the restored data', async () => {
      await chroma.start();
      const version = await chroma.api.version();
      if (compareVersions(version, manifest.chroma.version) < 0) {
        throw new UserError(
          'restore drill',
          `the drill's Chroma ${version} is older than the backup's ${manifest.chroma.version}`,
          'use chroma-command with a Chroma of the backup version or newer',
        );
      }
      if (manifest.mode === 'logical') {
        const rl = createInterface({
          input: createReadStream(ndjsonPath),
          crlfDelay: Number.POSITIVE_INFINITY,
        });
        await importNdjson(chroma.api, rl, logger);
      }
    });
    const first = await compareWithManifest(chroma.api, manifest);
    if (first.problems.length)
      throw new UserError(
        `backup ${id}`,
        `restored data differs from the manifest: ${first.problems.slice(0, 5).join('; ')}`,
        'do not rely on this backup',
      );
    checks.push({
      check: 'collections, counts, id sets',
      result: `ok (${manifest.chroma.collections.length} collections, ${first.records} records)`,
    });
    checks.push({
      check: 'self-queries',
      result: `ok (${first.selfHits} of ${first.selfQueries} sampled vectors found themselves; the index search is approximate)`,
    });
    const again = await logger.group('restart Chroma and query again', async () => {
      await chroma.stop();
      await chroma.start();
      return compareWithManifest(chroma.api, manifest);
    });
    if (again.problems.length)
      throw new UserError(
        `backup ${id}`,
        `after a restart the restored data differs: ${again.problems.slice(0, 5).join('; ')}`,
        'do not rely on this backup',
      );
    checks.push({
      check: 'after restart',
      result: `ok (${again.selfHits} of ${again.selfQueries} sampled vectors found themselves)`,
    });
    const verification: Verification = {
      id,
      verifiedAt: new Date().toISOString(),
      chromaVersion: await chroma.api.version(),
      collections: manifest.chroma.collections.length,
      records: first.records,
      selfQueries: first.selfQueries + again.selfQueries,
      durationMs: Date.now() - started,
    };
    if (o.record) await store.putJson(store.key(keys.verified(id)), verification);
    logger.info(`backup ${id} verified in ${(verification.durationMs / 1000).toFixed(1)} s`);
    return { manifest, verification, checks };
  } catch (err) {
    // Full while writing anyway (something else filled it): say so, not a bare ENOSPC.
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC' || /ENOSPC|no space left/i.test(String(err)))
      throw diskFull(freeUnder(dir));
    throw err;
  } finally {
    await chroma.stop();
    if (!o.workDir) rmSync(dir, { recursive: true, force: true });
  }
}
