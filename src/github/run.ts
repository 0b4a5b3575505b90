import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';

// What ragship knows about the GitHub Actions run it is part of, read from the runner's
// GITHUB_* variables in one place (also outside Actions: the CLI then names a local run).

/** The link to a workflow run's page (job logs), or undefined outside GitHub Actions. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const id = env.GITHUB_RUN_ID;
  return id && env.GITHUB_REPOSITORY
    ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${id}`
    : undefined;
}

/** Who runs a release outside Actions: git's user.name, else the OS user (never `unknown` when either exists). */
export function localActor(env: NodeJS.ProcessEnv = process.env): string {
  try {
    const name = execFileSync('git', ['config', 'user.name'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
    if (name) return name;
  } catch {
    // no git, or no user.name
  }
  try {
    const user = userInfo().username;
    if (user) return user;
  } catch {
    // no passwd entry (some containers)
  }
  return env.USER || env.LOGNAME || 'unknown';
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
    actor: env.GITHUB_ACTOR || localActor(env),
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
