import { parseDotenv } from '../deploy/env-file.js';
import { runDeploy } from '../deploy/run.js';
import { runDeployAction } from '../github/deploy-action.js';
import * as input from '../github/inputs.js';

runDeployAction({
  kind: 'deploy',
  getInputs: (workdir) => ({
    image: input.str('image', { required: true }),
    env: parseDotenv(input.secret('env'), "input 'env'"),
    repoDir: workdir,
    gitSha: input.str('git-sha', { default: process.env.GITHUB_SHA ?? '' }) || undefined,
    schemaVersion: input.str('schema-version') || undefined,
    dryRun: input.bool('dry-run'),
  }),
  run: runDeploy,
  outputs: (r) => ({
    'release-id': r.releaseId,
    'previous-release-id': r.previousReleaseId ?? '',
    image: r.image,
    url: r.url ?? '',
    'time-to-healthy': (r.timeToHealthyMs / 1000).toFixed(1),
  }),
  notice: (r) => ({ detail: r.releaseId, image: r.image, url: r.url }),
});
