import { posix } from 'node:path';
import { Writable } from 'node:stream';
import { UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import {
  type BackupOptions,
  connectHost,
  lockEnvironmentFor,
  resolveSourceContainer,
  runBackup,
} from './backup.js';
import { resolveBackupId } from './catalog.js';
import { ChromaApi, compareVersions } from './chroma-api.js';
import { importNdjson } from './logical.js';
import type { Manifest } from './manifest.js';
import {
  checkContainer,
  checkPersistPath,
  coldCopy,
  commands,
  containerState,
  onMount,
  tunnelToContainer,
} from './physical.js';
import { BackupStore } from './store.js';
import { assertKeys, compareWithManifest, downloadChecked, loadManifest } from './verify.js';

export interface RestoreOptions
  extends Omit<BackupOptions, 'mode' | 'minSizeBytes' | 'onDrift' | 'pageSize' | 'configPath'> {
  /** A backup id, `latest` or `latest-verified`. */
  backupId: string;
  dryRun: boolean;
  /** Back up the current data (a normal, restorable backup) before replacing it. */
  safetyCopy: boolean;
  /** age identities (`AGE-SECRET-KEY-1…`) for backups encrypted to X25519 recipients. */
  identities?: string[];
}

export interface RestoreResult {
  id: string;
  manifest: Manifest;
  dryRun: boolean;
  changes: Array<{ collection: string; now: number | null; after: number }>;
  safetyCopyId?: string;
  downtimeMs?: number;
}

const nullSink = () => new Writable({ write: (_c, _e, cb) => cb() });

/**
 * Restores a backup to a host's Chroma: checks the backup end to end before touching the
 * host, refuses an older Chroma, takes a safety copy, replaces the data, verifies after.
 */
export async function restoreBackup(
  o: RestoreOptions,
  logger: Logger,
  hostOverride?: Host,
): Promise<RestoreResult> {
  assertKeys(o, logger);
  const secrets = { passphrase: o.passphrase, identities: o.identities };
  const store = new BackupStore(o.store, logger);
  const id = await resolveBackupId(store, o.backupId);
  const manifest = await loadManifest(store, id);
  const host = hostOverride ?? (o.source.host ? connectHost(o.source.host, logger) : undefined);
  let held: Awaited<ReturnType<typeof lockEnvironmentFor>>;
  try {
    if (host) o = { ...o, source: await resolveSourceContainer(o.source, host, logger) };
    const container = o.source.container ? checkContainer(o.source.container, 'container') : undefined;
    const persistPath = checkPersistPath(o.source.persistPath, 'persist-path');
    const tunnelled =
      !o.source.chromaUrl && host && container
        ? await tunnelToContainer(host, container, o.source.chromaPort)
        : undefined;
    const api = o.source.chromaUrl ? new ChromaApi(o.source.chromaUrl) : tunnelled?.api;
    if (!api)
      throw new UserError(
        'restore',
        'no way to reach the target Chroma',
        'set chroma-url, or host and container',
      );
    let changes: RestoreResult['changes'];
    try {
      const version = await api.version();
      if (compareVersions(version, manifest.chroma.version) < 0) {
        throw new UserError(
          'restore',
          `the target runs Chroma ${version}, older than the backup's ${manifest.chroma.version}; persist-dir migrations are one-way`,
          `upgrade the target to ${manifest.chroma.version} or newer first`,
        );
      }
      const now = await api.collections();
      const counts = new Map<string, number>();
      for (const c of now) counts.set(c.name, await api.count(c.id));
      changes = manifest.chroma.collections.map((c) => ({
        collection: c.name,
        now: counts.get(c.name) ?? null,
        after: c.count,
      }));
      for (const c of now)
        if (!manifest.chroma.collections.some((m) => m.name === c.name))
          changes.push({ collection: c.name, now: counts.get(c.name) ?? 0, after: 0 });
    } finally {
      await tunnelled?.tunnel.close();
    }
    if (o.dryRun) {
      logger.info(
        `dry run: would restore ${id} (${manifest.mode}) over ${changes.length} collection(s); nothing changed`,
      );
      return { id, manifest, dryRun: true, changes };
    }
    await logger.group(`check backup ${id} end to end before touching the host`, () =>
      downloadChecked(store, manifest.archive, manifest.mode, secrets, nullSink(), `backup ${id} archive`),
    );
    // From the safety copy to the check after: no deploy, backup or sleep of the environment
    // may stop, start or recreate this Chroma meanwhile (a held lock fails here, nothing touched).
    held = await lockEnvironmentFor(o, host, `restore ${id}`, logger);
    let safetyCopyId: string | undefined;
    if (o.safetyCopy) {
      const safety = await logger.group('safety copy of the current data', () =>
        runBackup(
          {
            ...o,
            mode: manifest.mode === 'physical' && host && container ? 'physical' : 'logical',
            minSizeBytes: 1,
            onDrift: 'fuzzy',
            pageSize: 1000,
            environment: `${o.environment}`,
            // This restore holds the environment's lock already.
            lock: undefined,
          },
          logger,
          host,
        ),
      );
      safetyCopyId = safety.manifest.id;
      logger.info(`safety copy: backup ${safetyCopyId}`);
    }
    let downtimeMs: number | undefined;
    if (manifest.mode === 'physical') {
      if (!host || !container)
        throw new UserError(
          'restore',
          'a physical backup restores to a host container',
          'set host and container',
        );
      const top = posix.basename(manifest.chroma.persistPath ?? '/data');
      if (posix.basename(persistPath) !== top)
        throw new UserError(
          'persist-path',
          `the backup holds a folder named ${top}, the target path is ${persistPath}`,
          `mount the persist dir at …/${top}`,
        );
      const image = (
        await host.exec(['docker', 'inspect', '--format', '{{.Config.Image}}', container])
      ).stdout.trim();
      const copy = coldCopy(host, container, {
        graceSeconds: o.stopTimeoutSeconds,
        chromaPort: o.source.chromaPort,
        healthTimeoutMs: o.healthTimeoutSeconds * 1000,
        logger,
      });
      // What `find -delete` below clears must be the container's own data: a volume or bind
      // mount (--volumes-from shows it); a path in the container's layer would be cleared in a
      // throwaway container only, and the backup merged over the old data.
      const mounts = JSON.parse((await host.exec(commands.mounts(container))).stdout || '[]') ?? [];
      if (!onMount(mounts, persistPath))
        throw new UserError(
          'persist-path',
          `${container}:${persistPath} is not on a volume or bind mount of the container: a restore could not replace it (nothing was changed)`,
          'mount the persist dir as a volume (as the example compose file does), then restore',
        );
      try {
        await copy.stop().catch((err) => {
          throw new UserError(
            `${host.label}: ${container}`,
            `restore aborted before any data was touched: ${(err as Error).message.replace(/ ?the backup was not taken and /, ' ')}`,
            `fix the stop (raise stop-timeout-seconds, check the restart policy) and restore again${safetyCopyId ? `; the safety copy ${safetyCopyId} is kept` : ''}`,
          );
        });
        const state = await containerState(host, container);
        if (state.Running)
          throw new UserError(
            `${host.label}: ${container}`,
            'restore aborted: the container is running again after the stop (a restart policy?), its data is live',
            'stop whatever restarts it, then restore again',
          );
        await logger.group(`replace ${container}:${persistPath}`, async () => {
          await host.exec(
            [
              'docker',
              'run',
              '--rm',
              '--volumes-from',
              container,
              '--entrypoint',
              'find',
              image,
              persistPath,
              '-mindepth',
              '1',
              '-delete',
            ],
            { where: `${host.label}: clearing ${persistPath}` },
          );
          const stdin = new (await import('node:stream')).PassThrough();
          const cp = host.exec(commands.copyIn(container, posix.dirname(persistPath)), {
            input: stdin,
            where: `${host.label}: docker cp into ${container}`,
          });
          await Promise.all([
            downloadChecked(
              store,
              manifest.archive,
              'physical',
              secrets,
              stdin,
              `backup ${id} archive`,
              logger,
            ),
            cp,
          ]);
        });
      } finally {
        downtimeMs = await copy.restart();
      }
    } else {
      const t =
        !o.source.chromaUrl && host && container
          ? await tunnelToContainer(host, container, o.source.chromaPort)
          : undefined;
      const target = o.source.chromaUrl ? new ChromaApi(o.source.chromaUrl) : t!.api;
      try {
        const lines = new (await import('node:stream')).PassThrough();
        const { createInterface } = await import('node:readline');
        await Promise.all([
          downloadChecked(store, manifest.archive, 'logical', secrets, lines, `backup ${id} archive`, logger),
          importNdjson(target, createInterface({ input: lines }), logger),
        ]);
      } finally {
        await t?.tunnel.close();
      }
    }
    const after =
      !o.source.chromaUrl && host && container
        ? await tunnelToContainer(host, container, o.source.chromaPort)
        : undefined;
    try {
      const check = await compareWithManifest(
        o.source.chromaUrl ? new ChromaApi(o.source.chromaUrl) : after!.api,
        manifest,
      );
      if (check.problems.length)
        throw new UserError(
          'restore',
          `the restored data differs from backup ${id}: ${check.problems.slice(0, 5).join('; ')}${safetyCopyId ? ` — the previous data is in backup ${safetyCopyId}` : ''}`,
          'investigate before serving traffic',
        );
      logger.info(
        `restored ${id}: ${check.records} records, ${check.selfHits} of ${check.selfQueries} self-queries found their record`,
      );
    } finally {
      await after?.tunnel.close();
    }
    return { id, manifest, dryRun: false, changes, safetyCopyId, downtimeMs };
  } finally {
    await held?.release();
    if (!hostOverride) host?.close();
  }
}
