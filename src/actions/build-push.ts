import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { metadataOf, runBuildPush } from '../build/build-push.js';
import { gitContextFromActions } from '../build/git-context.js';
import { type BuildPushInputs, readBuildPushInputs } from '../build/inputs.js';
import { parseKeyValues } from '../build/tags.js';
import { execLocal } from '../core/exec.js';
import { actionInputs } from '../github/inputs.js';
import { runAction } from '../github/run-action.js';

const event = () =>
  process.env.GITHUB_EVENT_PATH ? JSON.parse(readFileSync(process.env.GITHUB_EVENT_PATH, 'utf8')) : {};
runAction<BuildPushInputs>({
  getInputs: () =>
    readBuildPushInputs(actionInputs, {
      secrets: parseKeyValues(
        actionInputs
          .secret('secrets')
          .split('\n')
          .filter((l) => l.trim()),
        "input 'secrets'",
        { secret: true },
      ),
      git: gitContextFromActions(process.env, event()),
      tempDir: process.env.RUNNER_TEMP || tmpdir(),
      cacheDefault: 'gha',
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
