import type { Argv } from '../core/shell.js';
import { type BuildPushInputs, cacheScopeOf, contextDir } from './inputs.js';

/** What the run decided before building: the argv builders turn it into commands. */
export interface BuildPlan {
  /** registry/image */
  repository: string;
  /** Full references repository:tag. */
  refs: string[];
  labels: Record<string, string>;
  /** The Dockerfile to hand to the builder (a rewritten copy on the legacy path when needed). */
  dockerfile: string;
  /** Secret id → file (0600, inside the run's temp dir) for buildx `--secret`. */
  secretFiles: Record<string, string>;
  iidFile: string;
  metadataFile: string;
  /** Legacy path serving secrets over loopback: the build needs the host network. */
  hostNetwork?: boolean;
}

function pairs(flag: string, record: Record<string, string>): string[] {
  return Object.entries(record).flatMap(([k, v]) => [flag, `${k}=${v}`]);
}

/** buildx cache flags for the chosen backend (build-push-action#867: one scope per image). */
export function cacheArgs(inputs: BuildPushInputs, repository: string): string[] {
  switch (inputs.cache) {
    case 'none':
      return [];
    case 'gha': {
      const scope = cacheScopeOf(inputs);
      return ['--cache-from', `type=gha,scope=${scope}`, '--cache-to', `type=gha,mode=max,scope=${scope}`];
    }
    case 'registry': {
      const ref = `${repository}:buildcache-${cacheScopeOf(inputs).replace(/\//g, '-')}`.slice(
        0,
        repository.length + 129,
      );
      // Writing the cache needs push rights; a build that does not push only reads it.
      return [
        '--cache-from',
        `type=registry,ref=${ref}`,
        ...(inputs.push ? ['--cache-to', `type=registry,ref=${ref},mode=max`] : []),
      ];
    }
    case 'local': {
      const dir = inputs.cacheDir ?? '';
      return ['--cache-from', `type=local,src=${dir}`, '--cache-to', `type=local,dest=${dir},mode=max`];
    }
  }
}

/** `docker buildx build …` — argv only, never a shell string. */
export function buildxArgs(inputs: BuildPushInputs, plan: BuildPlan): Argv {
  return [
    'docker',
    'buildx',
    'build',
    '--progress=plain',
    '--file',
    plan.dockerfile,
    ...(inputs.target ? ['--target', inputs.target] : []),
    ...pairs('--build-arg', inputs.buildArgs),
    ...Object.entries(plan.secretFiles).flatMap(([id, src]) => ['--secret', `id=${id},src=${src}`]),
    ...(inputs.platforms.length ? ['--platform', inputs.platforms.join(',')] : []),
    ...plan.refs.flatMap((r) => ['--tag', r]),
    ...pairs('--label', plan.labels),
    ...cacheArgs(inputs, plan.repository),
    ...(inputs.noCache ? ['--no-cache'] : []),
    `--provenance=${inputs.provenance ? 'mode=max' : 'false'}`,
    `--sbom=${inputs.sbom ? 'true' : 'false'}`,
    '--iidfile',
    plan.iidFile,
    '--metadata-file',
    plan.metadataFile,
    inputs.push ? '--push' : '--load',
    contextDir(inputs),
  ];
}

/**
 * `DOCKER_BUILDKIT=1 <client> build …`: the engine's built-in BuildKit through a client that
 * still has it (no buildx): secret and cache mounts, parallel stages; no cache backends,
 * attestations or multi-platform. The caller sets DOCKER_BUILDKIT=1 in the environment.
 */
export function buildkitArgs(client: string, inputs: BuildPushInputs, plan: BuildPlan): Argv {
  return [
    client,
    'build',
    '--progress=plain',
    '--file',
    plan.dockerfile,
    ...(inputs.target ? ['--target', inputs.target] : []),
    ...pairs('--build-arg', inputs.buildArgs),
    ...Object.entries(plan.secretFiles).flatMap(([id, src]) => ['--secret', `id=${id},src=${src}`]),
    ...(inputs.platforms.length === 1 ? ['--platform', inputs.platforms[0]!] : []),
    ...(inputs.noCache ? ['--no-cache'] : []),
    ...plan.refs.flatMap((r) => ['--tag', r]),
    ...pairs('--label', plan.labels),
    '--iidfile',
    plan.iidFile,
    contextDir(inputs),
  ];
}

/** `docker build …` on the legacy builder: no cache backends, attestations, platforms or secret mounts. */
export function legacyArgs(inputs: BuildPushInputs, plan: BuildPlan): Argv {
  return [
    'docker',
    'build',
    '--file',
    plan.dockerfile,
    ...(inputs.target ? ['--target', inputs.target] : []),
    ...pairs('--build-arg', inputs.buildArgs),
    ...(inputs.platforms.length === 1 ? ['--platform', inputs.platforms[0]!] : []),
    ...(plan.hostNetwork ? ['--network', 'host'] : []),
    ...(inputs.noCache ? ['--no-cache'] : []),
    ...plan.refs.flatMap((r) => ['--tag', r]),
    ...pairs('--label', plan.labels),
    '--iidfile',
    plan.iidFile,
    contextDir(inputs),
  ];
}

/** `docker login` reads the password from stdin, never from argv. */
export function loginArgs(registry: string, username: string): Argv {
  return ['docker', 'login', '--username', username, '--password-stdin', ...(registry ? [registry] : [])];
}

export function pushArgs(ref: string): Argv {
  return ['docker', 'push', ref];
}
