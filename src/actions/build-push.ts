import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { metadataOf, runBuildPush } from '../build/build-push.js';
import { gitContextFromActions } from '../build/git-context.js';
import { type BuildPushInputs, parseBuilder, parseCacheMode } from '../build/inputs.js';
import { parseKeyValues } from '../build/tags.js';
import { execLocal } from '../core/exec.js';
import * as input from '../github/inputs.js';
import { runAction } from '../github/run-action.js';

const event = () =>
  process.env.GITHUB_EVENT_PATH ? JSON.parse(readFileSync(process.env.GITHUB_EVENT_PATH, 'utf8')) : {};
const lines = (name: string) =>
  input
    .multiline(name)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

runAction<BuildPushInputs>({
  getInputs: () => ({
    context: input.str('context', { default: '.' }),
    file: input.str('file') || undefined,
    target: input.str('target') || undefined,
    buildArgs: parseKeyValues(lines('build-args'), 'build-args'),
    secrets: parseKeyValues(
      input
        .secret('secrets')
        .split('\n')
        .filter((l) => l.trim()),
      'secrets',
      { secret: true },
    ),
    secretFiles: parseKeyValues(lines('secret-files'), 'secret-files'),
    platforms: input.list('platforms'),
    registry: input.str('registry'),
    image: input.str('image', { required: true }),
    username: input.str('username') || undefined,
    password: input.secret('password') || undefined,
    push: input.bool('push', true),
    cache: parseCacheMode(input.str('cache', { default: 'gha' })),
    cacheScope: input.str('cache-scope') || undefined,
    cacheDir: input.str('cache-dir') || undefined,
    provenance: input.bool('provenance', false),
    sbom: input.bool('sbom', false),
    noCache: input.bool('no-cache', false),
    tags: input.list('tags'),
    labels: parseKeyValues(lines('labels'), 'labels'),
    builder: parseBuilder(input.str('builder', { default: 'auto' })),
    git: gitContextFromActions(process.env, event()),
    tempDir: process.env.RUNNER_TEMP || tmpdir(),
  }),
  async main(inputs, ctx) {
    const r = await runBuildPush(inputs, { exec: execLocal, logger: ctx.logger });
    for (const [name, value] of Object.entries({
      digest: r.digest ?? '',
      image: r.image ?? '',
      imageid: r.imageId,
      tags: r.refs.join('\n'),
    }))
      ctx.setOutput(name, value);
    ctx.setOutput(
      'labels',
      Object.entries(r.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    ctx.setOutput('metadata', JSON.stringify(metadataOf(r)));
    await ctx.writeSummary(r.report);
  },
});
