import { posix } from 'node:path';

/**
 * The on-host layout of one app+environment, from its deploy root:
 *
 *   <root>/releases/<release id>/<role>/   rendered compose files, env files, manifest.json, files/
 *   <root>/shared/<role>/                  the compose project directory (stable across releases)
 *   <root>/releases.jsonl                  the release log (one JSON line per deploy or rollback)
 *   <root>/lock/                           the deploy lock (owner.json)
 *
 * Every path a deploy, rollback, sleep or status reads or writes on a host comes from here.
 */
export class ReleaseLayout {
  constructor(
    readonly root: string,
    readonly app: string,
    readonly environment: string,
  ) {}

  get releases(): string {
    return posix.join(this.root, 'releases');
  }

  get shared(): string {
    return posix.join(this.root, 'shared');
  }

  get releaseLog(): string {
    return posix.join(this.root, 'releases.jsonl');
  }

  get lockDir(): string {
    return posix.join(this.root, 'lock');
  }

  /** A release's folder (all roles). */
  release(releaseId: string): string {
    return posix.join(this.releases, releaseId);
  }

  releaseDir(releaseId: string, roleName: string): string {
    return posix.join(this.releases, releaseId, roleName);
  }

  manifest(releaseId: string, roleName: string): string {
    return posix.join(this.releaseDir(releaseId, roleName), 'manifest.json');
  }

  /** The compose project directory relative bind mounts resolve against. */
  projectDir(roleName: string): string {
    return posix.join(this.shared, roleName);
  }

  /** The compose project name of a role. */
  project(roleName: string): string {
    return `${this.app}-${this.environment}-${roleName}`;
  }
}

/** The deploy root: `environments.<env>.root`, else ~/ragship/<app>/<environment> of the deploy user. */
export function deployRoot(o: { root?: string; app: string; environment: string; home: string }): string {
  return o.root ?? posix.join(o.home, 'ragship', o.app, o.environment);
}
