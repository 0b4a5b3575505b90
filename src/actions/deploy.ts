import { readDeployOnly } from '../deploy/inputs.js';
import type { runDeploy } from '../deploy/run.js';
import { runDeployAction } from '../github/deploy-action.js';

runDeployAction({
  kind: 'deploy',
  getInputs: (workdir, r) => ({
    ...readDeployOnly(r, { gitSha: process.env.GITHUB_SHA }),
    repoDir: workdir,
  }),
  // Loaded after the inputs are valid: SSH and the deploy engine are most of the bundle (start-up time).
  run: async (...args: Parameters<typeof runDeploy>) => (await import('../deploy/run.js')).runDeploy(...args),
  outputs: (r) => ({
    'release-id': r.releaseId,
    'previous-release-id': r.previousReleaseId ?? '',
    image: r.image,
    url: r.url ?? '',
    'time-to-healthy': (r.timeToHealthyMs / 1000).toFixed(1),
  }),
  notice: (r) => ({ detail: r.releaseId, image: r.image, url: r.url }),
});
