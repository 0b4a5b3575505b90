import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import { RemoteHost } from '../core/remote-host.js';
import { jumpFor } from '../core/ssh-proxy.js';
import { parseHostSpec } from '../core/validate.js';
import { checkRecipients } from './age-stream.js';
import { ChromaApi, idSetDigest, pickSamples } from './chroma-api.js';
import { type Compression, defaultCompression } from './compress.js';
import { resolveComposeContainer } from './config-source.js';
import { assertPassphrase, type KdfParams } from './crypto-stream.js';
import {
  type EnvLockTarget,
  type HeldEnvLock,
  type SavedLock,
  sameHost,
  takeEnvironmentLock,
} from './env-lock.js';
import { canCompressOnHost, compressedOnHost, streamCompressedToStore } from './host-compress.js';
import { exportStream, NdjsonIndex } from './logical.js';
import { keys, MANIFEST_FORMAT, type Manifest, newBackupId } from './manifest.js';
import {
  checkContainer,
  checkPersistPath,
  coldCopy,
  commands,
  type LocalSnapshot,
  sweepSnapshots,
  takeLocalSnapshot,
  tunnelToContainer,
} from './physical.js';
import { streamToStore } from './pipeline.js';
import { StoppedChromaGuard } from './stopped-guard.js';
import { BackupStore, partSizeFor, type StoreOptions } from './store.js';
import { TarIndex } from './tar-index.js';

export interface HostConnection {
  /** user@host[:port] */
  spec: string;
  privateKey: string;
  knownHosts: string;
  fingerprints: string[];
  connectTimeoutMs?: number;
  /** A jump host (user@host[:port]) the connection goes through, its key verified fail-closed too. */
  sshProxy?: string;
}

export interface SourceOptions {
  host?: HostConnection;
  /** The Chroma container on the host (physical mode, and logical mode through the host). */
  container?: string;
  /**
   * Instead of `container`: the compose project and service (from ragship.yml), resolved to
   * the one running container on the host once connected.
   */
  compose?: { project: string; service: string };
  /** The persist dir inside the container. */
  persistPath: string;
  /** Chroma's port inside the container. */
  chromaPort: number;
  /** A Chroma URL the runner reaches directly (logical mode without a host). */
  chromaUrl?: string;
}

export interface BackupOptions {
  environment: string;
  mode: 'physical' | 'logical';
  source: SourceOptions;
  store: StoreOptions;
  /** scrypt passphrase of the age files ('' when `recipients` are set). */
  passphrase: string;
  /**
   * age X25519 recipients (`age1…` public keys): the archive is encrypted to them instead of
   * the passphrase, and restores with `age -d -i key.txt` (the drill then needs an identity).
   */
  recipients?: string[];
  /** zstd (default when the zstd CLI is on the runner) or gzip. */
  compression?: Compression;
  /**
   * Physical mode: copy the persist dir into a snapshot volume on the host while Chroma is
   * stopped, restart it, then stream the copy (default). false: Chroma stays stopped for the
   * whole stream (no extra disk on the host).
   */
  localSnapshot?: boolean;
  /**
   * Physical mode: true compresses with zstd on the Chroma host when it and this machine have the
   * CLI. Off by default until the benchmark has measured it end to end (a loaded run saw a
   * "Premature close" on the verify download it has not explained); false streams the tar over
   * SSH and compresses here.
   */
  hostCompression?: boolean;
  /** Write format-1 RAGSHIPB objects: only for tests of the read path of old backups. */
  legacyFormat?: boolean;
  /** A dump smaller than this is refused (catches 0-byte and truncated dumps). */
  minSizeBytes: number;
  /** Upper bound of the archive: fixes the multipart part size for 10,000 parts. */
  maxSizeBytes: number;
  stopTimeoutSeconds: number;
  healthTimeoutSeconds: number;
  onDrift: 'fail' | 'fuzzy';
  pageSize: number;
  /** Optional folder on the host with the app config (compose files, nginx, release log). */
  configPath?: string;
  /** Multipart uploads older than this under the prefix are orphans of killed runs. */
  orphanMinAgeMs?: number;
  kdf?: KdfParams;
  /**
   * Physical mode: called with true just before Chroma is stopped and with false once it runs
   * again, so the action's post step knows to start it if the run is killed in between.
   */
  onChromaDown?: (down: boolean, container: string) => void;
  /**
   * The environment's deploy lock (from ragship.yml): a physical backup holds it from before
   * Chroma stops until the archive is stored, so no deploy starts or recreates it meanwhile.
   */
  lock?: EnvLockTarget;
  /** Called once the lock is held, so the action's post step can release it after a kill. */
  onLocked?: (lock?: SavedLock) => void;
}

export interface BackupResult {
  manifest: Manifest;
  manifestKey: string;
  mbPerSecond: number;
  orphansAborted: number;
}

const VERSION = (() => {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
  } catch {
    return '0.0.0';
  }
})();

/** Fills in `container` from `compose` (project + service) by asking the host's Docker. */
export async function resolveSourceContainer(
  source: SourceOptions,
  host: Host,
  logger: Logger,
): Promise<SourceOptions> {
  if (source.container || !source.compose || source.chromaUrl) return source;
  const container = checkContainer(await resolveComposeContainer(host, source.compose), 'container');
  logger.info(`${source.compose.project}/${source.compose.service} runs as container ${container}`);
  return { ...source, container };
}

export function connectHost(conn: HostConnection, logger: Logger, where = 'host'): Host {
  const spec = parseHostSpec(conn.spec, where);
  const base = {
    privateKey: conn.privateKey,
    hostKeys: { knownHosts: conn.knownHosts, fingerprints: conn.fingerprints },
    connectTimeoutMs: conn.connectTimeoutMs ?? 15_000,
  };
  return new RemoteHost({ ...spec, ...base, jump: jumpFor(conn.sshProxy, base), logger });
}

/**
 * Takes the environment's deploy lock (`o.lock`) on its primary host for `what`: through the
 * Chroma host's connection when that is the primary, else a second connection with the same
 * key. Undefined when the backup was not given ragship.yml (no environment to lock).
 */
export async function lockEnvironmentFor(
  o: Pick<BackupOptions, 'lock' | 'source' | 'onLocked'>,
  host: Host | undefined,
  what: string,
  logger: Logger,
  deferSignal?: () => boolean,
): Promise<HeldEnvLock | undefined> {
  if (!o.lock) return undefined;
  let own: Host | undefined;
  if (!host || (o.source.host && !sameHost(o.lock.hostSpec, o.source.host.spec))) {
    if (!o.source.host)
      throw new UserError('host', 'is needed to take the deploy lock', 'set host and ssh-private-key');
    own = connectHost({ ...o.source.host, spec: o.lock.hostSpec }, logger, 'ragship.yml primary host');
  }
  try {
    const held = await takeEnvironmentLock((own ?? host)!, o.lock, what, logger, {
      deferSignal,
      onLocked: o.onLocked,
    });
    return {
      ...held,
      release: async () => {
        await held.release();
        own?.close();
      },
    };
  } catch (err) {
    own?.close();
    throw err;
  }
}

/**
 * Takes one backup: summary from the API, consistent snapshot (cold copy or paged export),
 * streamed through gzip and encryption into S3, manifest last. Returns only once the
 * manifest — the commit marker — is stored.
 */
export async function runBackup(
  o: BackupOptions,
  logger: Logger,
  hostOverride?: Host,
): Promise<BackupResult> {
  if (o.recipients?.length) checkRecipients(o.recipients, 'encryption-recipients');
  else assertPassphrase(o.passphrase, 'encryption-passphrase');
  logger.setSecret(o.passphrase);
  const compression = o.legacyFormat ? 'gzip' : (o.compression ?? defaultCompression());
  if (!o.legacyFormat && !o.compression && compression === 'gzip')
    logger.warn('zstd is not installed on this runner: compressing with gzip (apt-get install zstd)');
  const sealing = {
    passphrase: o.passphrase,
    recipients: o.recipients,
    kdf: o.kdf,
    compression,
    legacyFormat: o.legacyFormat,
  };
  const objectKey = (kind: 'archive' | 'config') =>
    store.key(
      o.legacyFormat
        ? kind === 'archive'
          ? keys.legacyArchive(id)
          : keys.legacyConfig(id)
        : kind === 'archive'
          ? keys.archive(id, o.mode, compression)
          : keys.config(id, compression),
    );
  if (o.source.container) checkContainer(o.source.container, 'container');
  const persistPath = checkPersistPath(o.source.persistPath, 'persist-path');
  if (
    o.mode === 'physical' &&
    (!(o.source.host || hostOverride) || !(o.source.container || o.source.compose))
  ) {
    throw new UserError(
      'backup',
      'physical mode needs host and container',
      'set host and container, or use mode: logical with chroma-url',
    );
  }
  const store = new BackupStore(o.store, logger);
  const started = Date.now();
  const id = newBackupId(new Date(started));
  const host = hostOverride ?? (o.source.host ? connectHost(o.source.host, logger) : undefined);
  let guard: StoppedChromaGuard | undefined;
  let held: HeldEnvLock | undefined;
  try {
    if (host) o = { ...o, source: await resolveSourceContainer(o.source, host, logger) };
    await store.check();
    // Before anything stops: a deploy holding the lock makes this wait or fail, Chroma untouched.
    if (o.mode === 'physical')
      held = await lockEnvironmentFor(o, host, `backup ${id}`, logger, () => guard?.isArmed === true);
    const orphansAborted = await store.sweepOrphans(o.orphanMinAgeMs ?? 3_600_000);
    const partSize = partSizeFor(o.maxSizeBytes);
    logger.info(
      `backup ${id} (${o.mode}) → s3://${o.store.bucket}/${store.key(keys.dir(id))}, part size ${partSize / 2 ** 20} MiB`,
    );

    const tunnelled =
      !o.source.chromaUrl && host && o.source.container
        ? await tunnelToContainer(host, o.source.container, o.source.chromaPort)
        : undefined;
    const api = o.source.chromaUrl ? new ChromaApi(o.source.chromaUrl) : tunnelled?.api;
    if (!api)
      throw new UserError('backup', 'no way to reach Chroma', 'set chroma-url, or host and container');
    let manifestBase: Pick<
      Manifest,
      'chroma' | 'fuzzy' | 'drift' | 'archive' | 'downtimeMs' | 'snapshotCopyMs'
    >;
    try {
      const version = await api.version();
      if (o.mode === 'physical') {
        const collections = await logger.group('collections and counts before the snapshot', () =>
          api.summarize(),
        );
        await tunnelled?.tunnel.close();
        const copy = coldCopy(host!, o.source.container!, {
          graceSeconds: o.stopTimeoutSeconds,
          chromaPort: o.source.chromaPort,
          healthTimeoutMs: o.healthTimeoutSeconds * 1000,
          logger,
        });
        let downtimeMs: number | undefined;
        let snapshot: LocalSnapshot | undefined;
        let archive: Manifest['archive'];
        const container = o.source.container!;
        guard = new StoppedChromaGuard(host!, container, logger, {
          onStopped: () => o.onChromaDown?.(true, container),
          onRestarted: () => o.onChromaDown?.(false, container),
          stopGraceMs: (o.stopTimeoutSeconds + 30) * 1000,
        });
        if (held) guard.onCancel(held.release);
        try {
          if (o.localSnapshot !== false) await sweepSnapshots(host!, container, logger);
          guard.arm();
          await logger.group(`stop ${container} (grace ${o.stopTimeoutSeconds} s)`, () =>
            guard!.track(copy.stop()),
          );
          if (o.localSnapshot !== false) {
            snapshot = await logger.group(`local snapshot of ${container}:${persistPath} on the host`, () =>
              takeLocalSnapshot(host!, container, persistPath, id, logger),
            );
          }
          if (snapshot) {
            // Chroma is back before a single byte leaves the host.
            downtimeMs = await copy.restart();
            guard.disarm();
            logger.info(
              `downtime ${(downtimeMs / 1000).toFixed(2)} s, of which the local copy ${(snapshot.copyMs / 1000).toFixed(2)} s; streaming the snapshot now`,
            );
          }
          archive = await logger.group(
            snapshot ? 'stream the snapshot to the store' : 'stream the persist dir to the store',
            async () => {
              const producer = snapshot ? snapshot.copyOut : commands.copyOut(container, persistPath);
              const onHost =
                compression === 'zstd' &&
                !o.legacyFormat &&
                o.hostCompression === true &&
                (await canCompressOnHost(host!));
              logger.info(onHost ? `zstd runs on ${host!.label}` : 'zstd runs on this machine');
              const { stdout, done } = await host!.execStream(
                onHost ? compressedOnHost(producer) : producer,
                {
                  where: `${host!.label}: docker cp`,
                },
              );
              // Without a snapshot: restart Chroma as soon as the copy has been read, not when S3 has it all.
              const restarted = snapshot
                ? Promise.resolve()
                : done.then(async () => {
                    downtimeMs = await copy.restart();
                    guard!.disarm();
                  });
              restarted.catch(() => {});
              const stored = await (onHost ? streamCompressedToStore : streamToStore)(store, {
                source: stdout,
                producerDone: done,
                inspector: new TarIndex(),
                ...sealing,
                key: objectKey('archive'),
                partSize,
                minBytes: o.minSizeBytes,
                maxBytes: o.maxSizeBytes,
                what: `archive of ${container}:${persistPath}`,
                logger,
              });
              await restarted;
              return stored;
            },
          );
        } finally {
          if (downtimeMs === undefined) {
            downtimeMs = await copy.restart().catch((err) => {
              logger.error(`could not restart ${container}: ${(err as Error).message}`);
              return undefined;
            });
          }
          if (downtimeMs !== undefined) guard.disarm();
          await snapshot?.remove();
        }
        manifestBase = {
          chroma: { version, source: `${host!.label}:${container}`, persistPath, collections },
          fuzzy: false,
          drift: [],
          archive,
          downtimeMs,
          snapshotCopyMs: snapshot?.copyMs,
        };
      } else {
        const exp = exportStream(api, version, { pageSize: o.pageSize, logger });
        const archive = await logger.group('export through the API to the store', () =>
          streamToStore(store, {
            source: exp.stream,
            producerDone: exp.done,
            inspector: new NdjsonIndex(),
            ...sealing,
            key: objectKey('archive'),
            partSize,
            minBytes: o.minSizeBytes,
            maxBytes: o.maxSizeBytes,
            what: `logical export of ${api.url}`,
            logger,
          }),
        );
        const drifted = exp.stats.filter(
          (s) => s.before !== s.after || s.exported !== s.before || s.changed > 0,
        );
        const drift = drifted.map(({ ids: _ids, changed: _changed, ...s }) => s);
        if (drift.length && o.onDrift === 'fail') {
          throw new UserError(
            'logical export',
            `data changed while it was exported (${drifted.map((d) => `${d.collection}: ${d.before} before, ${d.exported} exported, ${d.after} after, ${d.changed} record(s) changed`).join('; ')}): the export is not a consistent snapshot`,
            'run it when writes pause, use mode: physical, or set on-drift: fuzzy to keep it marked as fuzzy',
          );
        }
        const infos = await api.collections();
        const collections = exp.stats.map((s) => ({
          name: s.collection,
          count: s.exported,
          dimension: infos.find((c) => c.name === s.collection)?.dimension ?? null,
          idsSha256: idSetDigest([...new Set(s.ids)]),
          sampleIds: pickSamples([...new Set(s.ids)], 5),
          metadata: infos.find((c) => c.name === s.collection)?.metadata ?? null,
        }));
        if (drift.length)
          logger.warn(`the export is fuzzy: ${drift.length} collection(s) changed while exported`);
        manifestBase = {
          chroma: {
            version,
            source:
              api.url.startsWith('http://127.0.0.1:') && tunnelled
                ? `${host!.label}:${o.source.container}`
                : api.url,
            collections,
          },
          fuzzy: drift.length > 0,
          drift,
          archive,
        };
      }
    } finally {
      await tunnelled?.tunnel.close();
    }

    let config: Manifest['config'];
    if (o.configPath && host) {
      const dir = o.configPath;
      if (!/^\/[A-Za-z0-9_./-]+$/.test(dir) || dir.split('/').includes('..'))
        throw new UserError(
          'config-path',
          `${JSON.stringify(dir)} is not an absolute path`,
          'use the deploy root, e.g. /srv/ragship/production',
        );
      config = await logger.group(`app config ${dir}`, async () => {
        const { stdout, done } = await host.execStream(['tar', '-C', dir, '-cf', '-', '.'], {
          where: `${host.label}: tar ${dir}`,
        });
        return streamToStore(store, {
          source: stdout,
          producerDone: done,
          inspector: new TarIndex(),
          ...sealing,
          key: objectKey('config'),
          partSize: partSizeFor(1024 ** 3),
          minBytes: 1024,
          maxBytes: 1024 ** 3,
          what: `app config ${dir}`,
          logger,
        });
      });
    }

    const manifest: Manifest = {
      format: o.legacyFormat ? 'ragship-backup/1' : MANIFEST_FORMAT,
      id,
      environment: o.environment,
      mode: o.mode,
      createdAt: new Date(started).toISOString(),
      completedAt: new Date().toISOString(),
      ...manifestBase,
      config,
      durationMs: Date.now() - started,
      ragship: VERSION,
    };
    if (guard?.cancelled)
      throw new UserError('backup', 'was cancelled', 'nothing was committed; run the backup again');
    // The commit marker: written only after every byte above is stored.
    const manifestKey = store.key(keys.manifest(id));
    await store.putJson(manifestKey, manifest);
    const mbPerSecond = manifest.archive.plainBytes / 1e6 / (manifest.durationMs / 1000);
    logger.info(
      `backup ${id} committed: ${manifest.archive.files.length} files, ${(manifest.archive.plainBytes / 1e6).toFixed(1)} MB → ${(manifest.archive.storedBytes / 1e6).toFixed(1)} MB stored, ${mbPerSecond.toFixed(1)} MB/s`,
    );
    return { manifest, manifestKey, mbPerSecond, orphansAborted };
  } finally {
    if (guard?.cancelled) await guard.exiting;
    guard?.disarm(false);
    await held?.release();
    if (!hostOverride) host?.close();
  }
}
