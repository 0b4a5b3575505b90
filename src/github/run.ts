// What ragship knows about the GitHub Actions run it is part of, read from the runner's
// GITHUB_* variables in one place (also outside Actions: the CLI then names a local run).

/** The link to a workflow run's page (job logs), or undefined outside GitHub Actions. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const id = env.GITHUB_RUN_ID;
  return id && env.GITHUB_REPOSITORY
    ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${id}`
    : undefined;
}

/** What both front doors (action, CLI) need to know about the run: id, actor and its link. */
export function runIdentity(env: NodeJS.ProcessEnv = process.env): {
  runId: string;
  actor: string;
  runUrl?: string;
} {
  const id = env.GITHUB_RUN_ID;
  return {
    runId: id ? `${id}.${env.GITHUB_RUN_ATTEMPT ?? '1'}` : `local-${process.pid}-${Date.now()}`,
    actor: env.GITHUB_ACTOR ?? env.USER ?? 'unknown',
    runUrl: runUrl(env),
  };
}

/** The repository and commit a deployment is for, and the REST API that records it. */
export function deploymentTarget(env: NodeJS.ProcessEnv = process.env): {
  apiUrl: string;
  repository?: string;
  ref?: string;
} {
  return {
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    repository: env.GITHUB_REPOSITORY,
    ref: env.GITHUB_SHA,
  };
}
