import { readRollbackOnly } from '../deploy/inputs.js';
import { runDeployAction } from '../github/deploy-action.js';
import type { runRollback } from '../rollback/run.js';

runDeployAction({
  kind: 'rollback',
  getInputs: (_workdir, r) => readRollbackOnly(r),
  // Loaded after the inputs are valid: SSH and the deploy engine are most of the bundle (start-up time).
  run: async (...args: Parameters<typeof runRollback>) =>
    (await import('../rollback/run.js')).runRollback(...args),
  outputs: (r) => ({
    'release-id': r.releaseId,
    'rolled-back-to': r.targetReleaseId,
    'rolled-back-from': r.fromReleaseId ?? '',
    image: r.image,
    'time-to-healthy': (r.timeToHealthyMs / 1000).toFixed(1),
  }),
  notice: (r) => ({ detail: `${r.releaseId} (back to ${r.targetReleaseId})`, image: r.image }),
});
