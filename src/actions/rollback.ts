import { runDeployAction } from '../github/deploy-action.js';
import * as input from '../github/inputs.js';
import { runRollback } from '../rollback/run.js';

runDeployAction({
  kind: 'rollback',
  getInputs: () => ({
    to: input.str('to', { default: 'previous' }),
    reason: input.str('reason'),
    blockOnOlderSchema: !input.bool('allow-older-schema', true),
  }),
  run: runRollback,
  outputs: (r) => ({
    'release-id': r.releaseId,
    'rolled-back-to': r.targetReleaseId,
    'rolled-back-from': r.fromReleaseId ?? '',
    image: r.image,
    'time-to-healthy': (r.timeToHealthyMs / 1000).toFixed(1),
  }),
  notice: (r) => ({ detail: `${r.releaseId} (back to ${r.targetReleaseId})`, image: r.image }),
});
