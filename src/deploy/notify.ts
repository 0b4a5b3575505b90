// Moved: GitHub deployment statuses live in src/github/deployments.ts, webhooks in src/core/notify.ts.
export { DeployNotifier, type DeployOutcome, type NotifyOptions } from '../github/deployments.js';
