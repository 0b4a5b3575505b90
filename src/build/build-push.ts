import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, UserError } from '../core/errors.js';
import type { Exec } from '../core/exec.js';
import { formatDuration, type Logger } from '../core/logger.js';
import { Report } from '../core/report.js';
import { type BuildPlan, buildkitArgs, buildxArgs, legacyArgs, pushArgs } from './args.js';
import {
  type CacheStats,
  cacheStats,
  describeBuildFailure,
  parseMetadataDigest,
  parsePushDigest,
} from './build-output.js';
import { builtinBuildkitClient, dockerLogin, hasBuildx, isolatedDockerConfig } from './docker.js';
import { type BuildPushInputs, checkInputs, dockerfileOf, repositoryOf } from './inputs.js';
import { rewriteForLegacy } from './legacy-dockerfile.js';
import { SecretServer } from './secret-server.js';
import { computeLabels, computeTags } from './tags.js';

export interface BuildPorts {
  exec: Exec;
  logger: Logger;
  /** Environment for docker commands (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface BuildPushResult {
  builder: BuilderKind;
  repository: string;
  /** Tag names (without the repository). */
  tags: string[];
  /** repository:tag for every tag. */
  refs: string[];
  labels: Record<string, string>;
  /** The registry's manifest digest, when pushed. */
  digest?: string;
  /** repository@digest: what deploy consumes. */
  image?: string;
  imageId: string;
  sizeBytes?: number;
  layers?: number;
  buildMs: number;
  cache: CacheStats;
  /** Features asked for that the builder used (legacy or built-in BuildKit) could not provide. */
  lostFeatures: string[];
  report: Report;
}

/** buildx; the engine's built-in BuildKit through a client without buildx; or the legacy builder. */
export type BuilderKind = 'buildx' | 'buildkit' | 'legacy';

const BUILDER_NAMES: Record<BuilderKind, string> = {
  buildx: 'docker buildx',
  buildkit: 'built-in BuildKit (DOCKER_BUILDKIT=1 docker build)',
  legacy: 'legacy docker build',
};

/**
 * auto: buildx when installed (cache backends, attestations, platforms), else the built-in
 * BuildKit when a client still has it (secret and cache mounts, parallel stages), else legacy.
 */
export async function chooseBuilder(
  choice: BuildPushInputs['builder'],
  exec: Exec,
  env: NodeJS.ProcessEnv,
): Promise<{ kind: BuilderKind; client?: string }> {
  if (choice === 'legacy') return { kind: 'legacy' };
  if (choice !== 'buildkit' && (await hasBuildx(exec, env))) return { kind: 'buildx' };
  if (choice === 'buildx') {
    throw new ConfigError(
      'builder',
      'buildx was requested but `docker buildx` is not installed',
      'add docker/setup-buildx-action before this step, or use builder: auto',
    );
  }
  const client = await builtinBuildkitClient(exec, env);
  if (client) return { kind: 'buildkit', client };
  if (choice === 'buildkit') {
    throw new ConfigError(
      'builder',
      'buildkit was requested but no docker client on PATH builds with DOCKER_BUILDKIT=1 (clients from 23.0 need buildx for BuildKit)',
      'install buildx (docker/setup-buildx-action), put a docker client older than 23.0 on PATH, or use builder: auto',
    );
  }
  return { kind: 'legacy' };
}

/** The build failed inside the Dockerfile: names the step and shows its last output lines. */
export class BuildStepError extends UserError {}

/** What a builder without buildx cannot do, given what the inputs ask for. */
export function lostWithoutBuildx(inputs: BuildPushInputs, kind: BuilderKind = 'legacy'): string[] {
  const lost: string[] = [];
  if (kind === 'buildx') return lost;
  if (inputs.cache !== 'none')
    lost.push(`cache backend "${inputs.cache}" (only the engine's local layer cache is used)`);
  if (inputs.provenance) lost.push('provenance attestation');
  if (inputs.sbom) lost.push('SBOM attestation');
  if (inputs.platforms.length > 1) lost.push(`multi-platform (${inputs.platforms.join(', ')})`);
  if (kind === 'legacy' && Object.keys(inputs.secrets).length + Object.keys(inputs.secretFiles).length > 0) {
    lost.push(
      'BuildKit secret mounts (served to RUN steps over a one-time loopback URL instead; those steps are not cached)',
    );
  }
  return lost;
}

function readSecrets(inputs: BuildPushInputs, logger: Logger): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [id, value] of Object.entries(inputs.secrets)) {
    logger.setSecret(value);
    out[id] = Buffer.from(value);
  }
  for (const [id, path] of Object.entries(inputs.secretFiles)) {
    let value: Buffer;
    try {
      value = readFileSync(path);
    } catch (err) {
      throw new ConfigError(
        `secret-files ${id}`,
        `cannot read ${path}: ${(err as Error).message}`,
        'give a readable file',
      );
    }
    logger.setSecret(value.toString('utf8').trim());
    out[id] = value;
  }
  return out;
}

export async function runBuildPush(inputs: BuildPushInputs, ports: BuildPorts): Promise<BuildPushResult> {
  const { exec, logger } = ports;
  logger.setSecret(inputs.password);
  // Everything a user typed is checked before any command runs.
  checkInputs(inputs);
  const repository = repositoryOf(inputs);
  const tags = computeTags(inputs.git, { extra: inputs.tags });
  const refs = tags.map((t) => `${repository}:${t}`);
  const labels = computeLabels(inputs.git, tags, {
    title: inputs.image.split('/').pop(),
    created: (inputs.now ?? new Date()).toISOString(),
    extra: inputs.labels,
  });
  const secretValues = readSecrets(inputs, logger);

  const work = mkdtempSync(join(inputs.tempDir, 'ragship-build-'));
  let env: NodeJS.ProcessEnv = { ...(ports.env ?? process.env) };
  const server = new SecretServer(secretValues);
  try {
    if (inputs.push && inputs.username && inputs.password) {
      env = { ...env, DOCKER_CONFIG: isolatedDockerConfig(join(work, 'docker-config'), env) };
    }
    // Credentials first: a wrong password or an unreachable registry fails before anything builds
    // (the builder probe included).
    if (inputs.push && inputs.username && inputs.password) {
      const { username, password } = inputs;
      await logger.group(`log in to ${inputs.registry || 'docker.io'}`, () =>
        dockerLogin(exec, env, inputs.registry, username, password),
      );
    }
    const builder = await chooseBuilder(inputs.builder, exec, env);
    const buildx = builder.kind === 'buildx';
    const lostFeatures = lostWithoutBuildx(inputs, builder.kind);
    if (!buildx && inputs.platforms.length > 1) {
      throw new ConfigError(
        'platforms',
        'a multi-platform build needs docker buildx, which this runner does not have',
        'add docker/setup-buildx-action (and docker/setup-qemu-action) before this step',
      );
    }
    if (!buildx && lostFeatures.length) {
      logger.warn(
        `docker buildx is not installed: building with the ${BUILDER_NAMES[builder.kind]}, without ${lostFeatures.join('; ')}`,
      );
    }

    const plan: BuildPlan = {
      repository,
      refs,
      labels,
      dockerfile: dockerfileOf(inputs),
      secretFiles: {},
      iidFile: join(work, 'iid'),
      metadataFile: join(work, 'metadata.json'),
    };
    let argv: readonly string[];
    if (builder.kind !== 'legacy') {
      for (const [id, value] of Object.entries(secretValues)) {
        const file = join(work, `secret-${id}`);
        writeFileSync(file, value, { mode: 0o600 });
        plan.secretFiles[id] = file;
      }
      if (builder.client) {
        env = { ...env, DOCKER_BUILDKIT: '1' };
        argv = buildkitArgs(builder.client, inputs, plan);
      } else argv = buildxArgs(inputs, plan);
    } else {
      env = { ...env, DOCKER_BUILDKIT: '0' };
      let original: string;
      try {
        original = readFileSync(plan.dockerfile, 'utf8');
      } catch (err) {
        throw new ConfigError(
          'file',
          `cannot read the Dockerfile ${plan.dockerfile}: ${(err as Error).message}`,
          'set file: to the Dockerfile path',
        );
      }
      if (/^\s*RUN\s+(?:--\S+\s+)*--mount=/im.test(original)) {
        if (Object.keys(secretValues).length) await server.start();
        const rewrite = rewriteForLegacy(original, Object.keys(secretValues), (id) => server.url(id));
        plan.dockerfile = join(work, 'Dockerfile.legacy');
        writeFileSync(plan.dockerfile, rewrite.dockerfile);
        plan.hostNetwork = rewrite.secretIds.some((id) => id in secretValues);
        logger.info(
          `legacy builder: rewrote ${rewrite.rewrittenSteps} RUN --mount step(s) (${rewrite.droppedCacheMounts} cache mount(s) dropped, secrets: ${rewrite.secretIds.join(', ') || 'none'})`,
        );
      }
      argv = legacyArgs(inputs, plan);
    }

    const started = performance.now();
    const output = await logger.group(`build ${refs[0]} (${BUILDER_NAMES[builder.kind]})`, async () => {
      let text = '';
      let pending = '';
      const onChunk = (chunk: string) => {
        text += chunk;
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const l of lines) logger.info(l);
      };
      const r = await exec(argv, {
        env,
        onStdout: onChunk,
        onStderr: onChunk,
        allowFailure: true,
        where: 'docker build',
      });
      if (pending) logger.info(pending);
      if (r.code !== 0) {
        const f = describeBuildFailure(text);
        throw new BuildStepError(
          f.step ? `Dockerfile step "${f.step}"` : 'docker build',
          `failed${f.error ? `: ${f.error}` : ` with exit code ${r.code}`}${f.lastLines.length ? `\nlast output of the step:\n${f.lastLines.join('\n')}` : ''}`,
          'fix the step (the full log is in the build group above) and push again',
        );
      }
      return text;
    });
    const buildMs = performance.now() - started;
    const cache = cacheStats(output);
    const imageId = readFileSync(plan.iidFile, 'utf8').trim();

    let digest: string | undefined;
    if (buildx && inputs.push) {
      digest = parseMetadataDigest(readFileSync(plan.metadataFile, 'utf8'));
    } else if (inputs.push) {
      await logger.group(`push ${refs.length} tag(s) to ${repository}`, async () => {
        for (const ref of refs) {
          const r = await exec(pushArgs(ref), { env, allowFailure: true, where: `docker push ${ref}` });
          if (r.code !== 0) {
            const detail = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
            const fix = /denied|unauthorized|authentication/i.test(detail)
              ? 'the registry refused the push: check the credentials and that they may push to this repository'
              : 'check that the registry is reachable';
            throw new UserError(`push ${ref}`, `failed: ${detail}`, fix);
          }
          const d = parsePushDigest(r.stdout);
          logger.info(`${ref}: ${d ?? 'pushed'}`);
          if (d && digest && d !== digest)
            throw new Error(`tags of one image got different digests: ${digest} and ${d}`);
          digest ??= d;
        }
      });
    }
    if (inputs.push && !digest) throw new Error('the push succeeded but no digest was reported');

    let sizeBytes: number | undefined;
    let layers: number | undefined;
    if (!(buildx && inputs.push)) {
      const r = await exec(
        ['docker', 'image', 'inspect', '--format', '{{.Size}} {{len .RootFS.Layers}}', imageId],
        { env, allowFailure: true },
      );
      const [s, l] = r.stdout.trim().split(' ').map(Number);
      if (r.code === 0 && Number.isFinite(s) && Number.isFinite(l)) [sizeBytes, layers] = [s, l];
    }

    const image = digest ? `${repository}@${digest}` : undefined;
    const result: BuildPushResult = {
      builder: builder.kind,
      repository,
      tags,
      refs,
      labels,
      digest,
      image,
      imageId,
      sizeBytes,
      layers,
      buildMs,
      cache,
      lostFeatures,
      report: new Report(),
    };
    result.report = buildReport(result, inputs.push);
    logger.info(image ? `pushed ${image}` : `built ${imageId} (not pushed)`);
    return result;
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return 'n/a';
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function buildReport(r: BuildPushResult, pushed: boolean): Report {
  const report = new Report().heading(`Image ${pushed ? 'built and pushed' : 'built'}: ${r.repository}`);
  report.table(
    ['', ''],
    [
      ['digest', r.digest ? `\`${r.digest}\`` : 'not pushed'],
      ['image', r.image ? `\`${r.image}\`` : `\`${r.imageId}\``],
      ['builder', BUILDER_NAMES[r.builder]],
      ['size', r.sizeBytes === undefined ? 'n/a (not loaded locally)' : formatBytes(r.sizeBytes)],
      ['layers', r.layers ?? 'n/a'],
      ['build time', formatDuration(r.buildMs)],
      ['cache', `${r.cache.cached}/${r.cache.steps} steps from cache`],
    ],
  );
  report.heading('Tags', 3).list(r.refs.map((t) => `\`${t}\``));
  report.details(
    'Labels',
    Object.entries(r.labels)
      .map(([k, v]) => `- \`${k}\` = ${v}`)
      .join('\n'),
  );
  if (r.lostFeatures.length)
    report.text(
      `> [!WARNING]\n> docker buildx was not available; built without: ${r.lostFeatures.join('; ')}.`,
    );
  return report;
}

/** The `metadata` output: one JSON document with everything above. */
export function metadataOf(r: BuildPushResult): Record<string, unknown> {
  return {
    builder: r.builder,
    repository: r.repository,
    image: r.image ?? null,
    digest: r.digest ?? null,
    imageId: r.imageId,
    tags: r.refs,
    labels: r.labels,
    sizeBytes: r.sizeBytes ?? null,
    layers: r.layers ?? null,
    buildSeconds: Math.round(r.buildMs) / 1000,
    cache: r.cache,
    lostFeatures: r.lostFeatures,
  };
}
