import { FIELD } from './commands.js';

/**
 * The pure half of `ragship status`: parsing what the host printed and judging it. No I/O, so
 * every verdict (drift, unhealthy, exit code) is unit-tested from recorded output.
 */

export interface ContainerState {
  id: string;
  name: string;
  service: string;
  /** What the container was created from (compose writes the reference of the compose file). */
  configImage: string;
  imageId: string;
  /** Registry digests of that image id (repo@sha256:…). */
  repoDigests: string[];
  state: string;
  /** healthy | unhealthy | starting | none (no healthcheck). */
  health: string;
  startedAt: string;
  uptimeSeconds?: number;
  restarts: number;
  /** RAGSHIP_RELEASE of the container (services that receive the deploy's env). */
  release?: string;
}

export interface ServiceStatus {
  host: string;
  role: string;
  service: string;
  /** The image the active release's compose file names (repo@digest for the app image). */
  expectedImage?: string;
  containers: ContainerState[];
  /** Why what runs is not what the release log says, if it is not. */
  drift?: string;
  /** Why the service is not healthy, if it is not. */
  problem?: string;
}

export function parseInspect(stdout: string, hostNow: number): ContainerState[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [
        id = '',
        name = '',
        service = '',
        configImage = '',
        imageId = '',
        state = '',
        health = '',
        startedAt = '',
        restarts = '0',
        release = '',
      ] = line.split(FIELD);
      const started = Date.parse(startedAt);
      return {
        id: id.slice(0, 12),
        name: name.replace(/^\//, ''),
        service,
        configImage,
        imageId,
        repoDigests: [],
        state,
        health,
        startedAt,
        uptimeSeconds:
          state === 'running' && !Number.isNaN(started)
            ? Math.max(0, hostNow - Math.floor(started / 1000))
            : undefined,
        restarts: Number(restarts) || 0,
        release: release.trim() || undefined,
      };
    });
}

/** `docker image inspect` output → image id → repo digests. */
export function parseRepoDigests(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const [id, digests] = line.split(FIELD);
    if (id?.trim()) out.set(id.trim(), (digests ?? '').split(' ').filter(Boolean));
  }
  return out;
}

/** Available bytes from `df -P -k PATH`. */
export function parseDf(stdout: string): number | undefined {
  const fields = stdout.trim().split('\n')[1]?.trim().split(/\s+/);
  const kib = Number(fields?.[3]);
  return Number.isFinite(kib) ? kib * 1024 : undefined;
}

/** Whether a container runs the image the release names. */
export function runsImage(c: ContainerState, expected: string): boolean {
  const at = expected.indexOf('@sha256:');
  if (at >= 0) {
    // A digest names the content: compare it with the running image's registry digests (the
    // repository part may be normalised by the engine, e.g. docker.io/library/).
    const digest = expected.slice(at + 1);
    return c.repoDigests.some((d) => d.endsWith(`@${digest}`)) || c.configImage === expected;
  }
  return c.configImage === expected;
}

/** What the running digest of a container is, for humans: repo@sha256:… or the image id. */
export function runningDigest(c: ContainerState, expected?: string): string {
  const repo = expected?.split('@')[0]?.replace(/:[^/:]+$/, '');
  return (
    c.repoDigests.find((d) => repo && d.startsWith(`${repo}@`)) ?? c.repoDigests[0] ?? c.imageId.slice(0, 19)
  );
}

/**
 * Judges one service on one host against the active release.
 * `releaseFolder` is the folder the active release runs from (its RAGSHIP_RELEASE).
 */
export function judgeService(
  svc: Omit<ServiceStatus, 'drift' | 'problem'>,
  o: { releaseFolder?: string; expected: boolean },
): ServiceStatus {
  const out: ServiceStatus = { ...svc };
  const { containers, expectedImage } = svc;
  if (!o.expected) {
    out.drift = 'runs, but the active release has no such long-running service';
    return out;
  }
  if (!containers.length) {
    out.problem = 'no container';
    return out;
  }
  const down = containers.filter((c) => c.state !== 'running');
  const sick = containers.filter(
    (c) => c.state === 'running' && c.health !== 'healthy' && c.health !== 'none',
  );
  if (down.length) out.problem = down.map((c) => `${c.name} ${c.state}`).join(', ');
  else if (sick.length) out.problem = sick.map((c) => `${c.name} ${c.health}`).join(', ');
  const drift: string[] = [];
  if (expectedImage && !expectedImage.includes('$')) {
    const wrong = containers.filter((c) => !runsImage(c, expectedImage));
    if (wrong.length)
      drift.push(
        wrong
          .map((c) => `${c.name} runs ${runningDigest(c, expectedImage)}, not ${expectedImage}`)
          .join('; '),
      );
  }
  if (o.releaseFolder) {
    const other = containers.filter((c) => c.release && c.release !== o.releaseFolder);
    if (other.length)
      drift.push(
        other.map((c) => `${c.name} has the env of release ${c.release}, not ${o.releaseFolder}`).join('; '),
      );
  }
  if (drift.length) out.drift = drift.join('; ');
  return out;
}

/** Exit codes of `ragship status` (1 and 2 keep their CLI meaning: failure, usage). */
export const STATUS_EXIT = { ok: 0, drift: 3, unhealthy: 4 } as const;

export function statusExitCode(services: ServiceStatus[], deployed: boolean): number {
  if (services.some((s) => s.problem)) return STATUS_EXIT.unhealthy;
  if (!deployed || services.some((s) => s.drift)) return STATUS_EXIT.drift;
  return STATUS_EXIT.ok;
}

export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined) return '—';
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}
