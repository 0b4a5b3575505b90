import { isAbsolute, normalize } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { InputReader } from '../core/input-reader.js';
import { validate } from '../core/validate.js';
import type { GitContext } from './git-context.js';
import { parseKeyValues } from './tags.js';

export type CacheMode = 'gha' | 'registry' | 'local' | 'none';
export type BuilderChoice = 'auto' | 'buildx' | 'buildkit' | 'legacy';

/** Every input of actions/build-push and `ragship build`, named as in action.yml (camel-cased). */
export interface BuildPushInputs {
  /** Build context directory. */
  context: string;
  /** Dockerfile path (default <context>/Dockerfile). */
  file?: string;
  /** Multi-stage target. */
  target?: string;
  /** KEY=value build arguments: visible in the image history, so never secrets. */
  buildArgs: Record<string, string>;
  /** Build secrets id → value (BuildKit `RUN --mount=type=secret,id=…`). */
  secrets: Record<string, string>;
  /** Build secrets id → file path. */
  secretFiles: Record<string, string>;
  /** linux/amd64,linux/arm64 … (buildx only; the legacy builder builds the engine's platform). */
  platforms: string[];
  /** Registry host[:port]; empty = Docker Hub. */
  registry: string;
  /** Image name inside the registry, e.g. acme/rag-app. */
  image: string;
  username?: string;
  password?: string;
  push: boolean;
  cache: CacheMode;
  /** Cache scope (gha) / cache tag suffix (registry); default: the image name and target. */
  cacheScope?: string;
  /** Folder for cache mode local. */
  cacheDir?: string;
  provenance: boolean;
  sbom: boolean;
  /** Ignore every layer cache (cold build). */
  noCache?: boolean;
  /** Raw extra tags. */
  tags: string[];
  /** Extra labels; they override the computed OCI labels. */
  labels: Record<string, string>;
  /** buildx when present (auto), or forced. */
  builder: BuilderChoice;
  git: GitContext;
  /** Where secret files, iid/metadata files and the isolated docker config live during the run. */
  tempDir: string;
  /** Build timestamp for org.opencontainers.image.created (tests inject it). */
  now?: Date;
}

const CACHE_MODES: readonly CacheMode[] = ['gha', 'registry', 'local', 'none'];
const BUILDERS: readonly BuilderChoice[] = ['auto', 'buildx', 'buildkit', 'legacy'];

export function parseCacheMode(value: string, where = 'cache'): CacheMode {
  const v = value.trim().toLowerCase() as CacheMode;
  if (!CACHE_MODES.includes(v))
    throw new ConfigError(
      where,
      `${JSON.stringify(value)} is not a cache mode`,
      `use one of ${CACHE_MODES.join(', ')}`,
    );
  return v;
}

export function parseBuilder(value: string, where = 'builder'): BuilderChoice {
  const v = value.trim().toLowerCase() as BuilderChoice;
  if (!BUILDERS.includes(v))
    throw new ConfigError(
      where,
      `${JSON.stringify(value)} is not a builder`,
      `use one of ${BUILDERS.join(', ')}`,
    );
  return v;
}

const SECRET_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const SCOPE = /^[A-Za-z0-9_.-]{1,100}$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;
const STAGE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Values that end up inside buildx CSV options (`type=local,src=…`): no commas, quotes or newlines. */
const CSV_SAFE = /^[^,"'\n\r\0=]+$/;

/** The full repository name: registry/image, validated. */
export function repositoryOf(inputs: Pick<BuildPushInputs, 'registry' | 'image'>): string {
  const image = validate('repository', inputs.image, 'image');
  if (!inputs.registry) return image;
  const registry = inputs.registry.replace(/\/+$/, '');
  if (!/^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$/.test(registry)) {
    throw new ConfigError(
      'registry',
      `${JSON.stringify(registry)} is not a registry host[:port]`,
      'use e.g. ghcr.io or localhost:5000',
    );
  }
  return validate('repository', `${registry}/${image}`, 'registry/image');
}

/** The default cache scope: one per image (and target), so images of one repo never evict each other (build-push-action#867). */
export function cacheScopeOf(inputs: Pick<BuildPushInputs, 'image' | 'target' | 'cacheScope'>): string {
  const scope =
    inputs.cacheScope ||
    `${inputs.image}${inputs.target ? `-${inputs.target}` : ''}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  if (!SCOPE.test(scope))
    throw new ConfigError(
      'cache-scope',
      `${JSON.stringify(scope)} is not letters, digits, _ . -`,
      'use e.g. rag-app',
    );
  return scope;
}

/** Validates everything a user typed before any command runs. */
export function checkInputs(inputs: BuildPushInputs): void {
  repositoryOf(inputs);
  if (inputs.target && !STAGE.test(inputs.target)) {
    throw new ConfigError(
      'target',
      `${JSON.stringify(inputs.target)} is not a stage name`,
      'use the name after `AS` in a FROM line',
    );
  }
  for (const [i, p] of inputs.platforms.entries()) {
    if (!PLATFORM.test(p))
      throw new ConfigError(
        `platforms[${i}]`,
        `${JSON.stringify(p)} is not os/arch[/variant]`,
        'use e.g. linux/amd64',
      );
  }
  for (const id of [...Object.keys(inputs.secrets), ...Object.keys(inputs.secretFiles)]) {
    if (!SECRET_ID.test(id))
      throw new ConfigError(
        'secrets',
        `secret id ${JSON.stringify(id)} is not letters, digits, _ . -`,
        'use e.g. npm_token',
      );
  }
  for (const [id, path] of Object.entries(inputs.secretFiles)) {
    if (!CSV_SAFE.test(path))
      throw new ConfigError(
        `secret-files ${id}`,
        'the path contains , " \' = or a newline',
        'move the file to a plain path',
      );
  }
  for (const k of Object.keys(inputs.buildArgs)) validate('envVar', k, `build-args ${k}`);
  const secretValues = Object.values(inputs.secrets).filter((v) => v.length >= 3);
  for (const [k, v] of Object.entries(inputs.buildArgs)) {
    if (secretValues.some((s) => v.includes(s))) {
      throw new ConfigError(
        `build-args ${k}`,
        'contains the value of a build secret; build args are stored in the image history for anyone who pulls it',
        'pass it only under `secrets:` and read it with RUN --mount=type=secret',
      );
    }
  }
  if (inputs.cache === 'local' && (!inputs.cacheDir || !CSV_SAFE.test(inputs.cacheDir))) {
    throw new ConfigError(
      'cache-dir',
      'cache mode local needs a plain folder path',
      'set cache-dir, e.g. .cache/buildx',
    );
  }
  if (inputs.cache !== 'none') cacheScopeOf(inputs);
  if (inputs.push && !inputs.username !== !inputs.password) {
    throw new ConfigError(
      'username/password',
      'only one of username and password is set',
      'set both, or neither when the runner is already logged in',
    );
  }
  if (inputs.platforms.length > 1 && !inputs.push) {
    throw new ConfigError(
      'platforms',
      'a multi-platform image cannot be loaded into the local engine',
      'set push: true, or build one platform',
    );
  }
}

/** Absolute path against the working directory. Plain string joins on purpose: ncc's asset
 * relocator rewrites `resolve(x, 'Dockerfile')` into a path inside the bundle. */
function absolute(path: string): string {
  return normalize(isAbsolute(path) ? path : `${process.cwd()}/${path}`).replace(/(.)\/+$/, '$1');
}

export function contextDir(inputs: Pick<BuildPushInputs, 'context'>): string {
  return absolute(inputs.context || '.');
}

export function dockerfileOf(inputs: Pick<BuildPushInputs, 'context' | 'file'>): string {
  return inputs.file ? absolute(inputs.file) : `${contextDir(inputs)}/Dockerfile`.replace('//', '/');
}

/**
 * Every input of actions/build-push and `ragship build` that both doors share, read once by the
 * shared reader (names as in action.yml; the CLI's flags have the same names). The git context,
 * the temp dir and the build secrets' values come from each door.
 */
export function readBuildPushInputs(
  r: InputReader,
  door: { git: GitContext; tempDir: string; secrets: Record<string, string>; cacheDefault: CacheMode },
): BuildPushInputs {
  const username = r.str('username') || undefined;
  return {
    context: r.str('context', { default: '.' }),
    file: r.str('file') || undefined,
    target: r.str('target') || undefined,
    buildArgs: parseKeyValues(r.lines('build-args'), r.where('build-args')),
    secrets: door.secrets,
    secretFiles: parseKeyValues(r.lines('secret-files'), r.where('secret-files')),
    platforms: r.list('platforms'),
    registry: r.str('registry'),
    image: r.str('image', { required: true, example: 'acme/rag-app' }),
    username,
    // The CLI reads a password only for a user (the runner may already be logged in).
    password: (r.door === 'action' || username ? r.secret('password') : '') || undefined,
    push: r.bool('push', true),
    cache: parseCacheMode(r.str('cache', { default: door.cacheDefault }), r.where('cache')),
    cacheScope: r.str('cache-scope') || undefined,
    cacheDir: r.str('cache-dir') || undefined,
    provenance: r.bool('provenance', false),
    sbom: r.bool('sbom', false),
    noCache: r.bool('no-cache', false),
    tags: r.list('tags'),
    labels: parseKeyValues(r.lines('labels'), r.where('labels')),
    builder: parseBuilder(r.str('builder', { default: 'auto' }), r.where('builder')),
    git: door.git,
    tempDir: door.tempDir,
  };
}
