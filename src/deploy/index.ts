// The deploy capability's public surface: what the front doors and the capabilities built on
// deploy (rollback, sleep/wake, status) import. Everything else under deploy/ is internal.
export {
  type ApplyPlan,
  type ApplyResult,
  type ApplySpec,
  applyRelease,
  executeApply,
  type HostApply,
  lockEnvironment,
  planApply,
  prune,
  type RoleApply,
  record,
  releasesTable,
  type StepTiming,
  step,
  stepsTable,
  summarizeTimings,
} from './apply.js';
export { type ComposeTarget, compose, imageExists, pullImage } from './commands.js';
export { attachFailure, FailureLogCapture, failedStep, servingAfterFailure } from './failure.js';
export { deployRoot, ReleaseLayout } from './layout.js';
export type { DeployLock } from './lock.js';
export {
  activeRelease,
  newReleaseId,
  type ReleaseRecord,
  releaseFolder,
  resolveTarget,
} from './release-log.js';
export {
  type DeployInputs,
  type DeployPorts,
  type DeployResult,
  runDeploy,
  validateDeployInputs,
} from './run.js';
export {
  type ConnectionInputs,
  EnvSession,
  type HostEntry,
  type ReleaseManifest,
  type SessionPorts,
} from './session.js';
export { staticPlan } from './static.js';
