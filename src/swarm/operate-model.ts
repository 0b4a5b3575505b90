import { createHmac, randomBytes } from 'node:crypto';
import { SecretRegistry } from '../core/redact.js';
import type { ServiceStatus } from '../operate/status-model.js';
import type { ServiceUpdate } from './converge.js';
import type { TaskRow } from './jobs.js';

/**
 * The pure half of status/logs/exec on Swarm: parsing what the manager printed and judging it.
 * No I/O, so every verdict is unit-tested from recorded output.
 */

/**
 * What the deploy keeps so `logs`/`exec` can mask secrets that only Swarm holds (a Swarm secret
 * cannot be read back): a keyed hash (HMAC-SHA256, key random per release) of every form the
 * secret registry masks. Stored in the release's manifest (0600, beside the docker access that
 * can read the secrets anyway).
 */
export interface RedactHashes {
  key: string;
  /** [length in UTF-16 units, hex HMAC] of every form. */
  forms: Array<[number, string]>;
}

const hmac = (key: string, text: string) => createHmac('sha256', key).update(text).digest('hex');

export function redactHashes(values: readonly string[], key = randomBytes(32).toString('hex')): RedactHashes {
  const registry = new SecretRegistry();
  for (const v of values) registry.add(v);
  const forms: Array<[number, string]> = [];
  registry.onAdd((form) => forms.push([form.length, hmac(key, form)]));
  return { key, forms };
}

/** A registry that masks values it only knows by their keyed hash (see RedactHashes). */
export class HashedSecrets extends SecretRegistry {
  private readonly byLength = new Map<number, Set<string>>();
  private readonly lengths: number[];

  constructor(
    private readonly h: RedactHashes,
    /** Values known in clear (the process registry): masked first. */
    private readonly base?: SecretRegistry,
  ) {
    super();
    for (const [n, digest] of h.forms) {
      if (!this.byLength.has(n)) this.byLength.set(n, new Set());
      this.byLength.get(n)!.add(digest);
    }
    // Longest first, as SecretRegistry: a secret containing another is replaced whole.
    this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
  }

  override redact(text: string): string {
    const plain = super.redact(this.base ? this.base.redact(text) : text);
    if (!this.lengths.length || plain.length < this.lengths.at(-1)!) return plain;
    let out = '';
    let i = 0;
    outer: while (i < plain.length) {
      for (const n of this.lengths) {
        if (i + n > plain.length) continue;
        if (this.byLength.get(n)!.has(hmac(this.h.key, plain.slice(i, i + n)))) {
          out += '***';
          i += n;
          continue outer;
        }
      }
      out += plain[i];
      i++;
    }
    return out;
  }
}

const digestOf = (image: string) => /@(sha256:[a-f0-9]{64})/.exec(image)?.[1];

export interface SwarmServiceState {
  /** Full Swarm name, `<stack>_<service>`. */
  name: string;
  mode: string;
  running: number;
  desired: number;
  /** The image of the service's spec (what Swarm runs now). */
  specImage: string;
  /** RAGSHIP_RELEASE in the spec's env (services that receive the deploy's env). */
  release?: string;
  update?: ServiceUpdate;
}

/** `docker service inspect` JSON → per service: mode, spec image, release env, update status. */
export function parseServiceInspect(
  json: string,
): Map<string, Omit<SwarmServiceState, 'running' | 'desired'>> {
  const out = new Map<string, Omit<SwarmServiceState, 'running' | 'desired'>>();
  let list: unknown;
  try {
    list = JSON.parse(json || '[]');
  } catch {
    return out;
  }
  for (const s of Array.isArray(list) ? list : []) {
    const spec = (s as { Spec?: Record<string, any> }).Spec ?? {};
    const cs = spec.TaskTemplate?.ContainerSpec ?? {};
    const env: string[] = Array.isArray(cs.Env) ? cs.Env : [];
    const release = env.find((e) => e.startsWith('RAGSHIP_RELEASE='))?.slice('RAGSHIP_RELEASE='.length);
    const u = (s as { UpdateStatus?: { State?: string; StartedAt?: string; Message?: string } }).UpdateStatus;
    const name = String(spec.Name ?? '');
    out.set(name, {
      name,
      mode: Object.keys(spec.Mode ?? {})[0]?.toLowerCase() ?? '',
      specImage: String(cs.Image ?? ''),
      release: release || undefined,
      update: u
        ? {
            name,
            state: u.State ?? '',
            startedAt: u.StartedAt ?? '',
            image: String(cs.Image ?? ''),
            message: u.Message ?? '',
          }
        : undefined,
    });
  }
  return out;
}

/**
 * One service of the stack against the active release. `expectedImage` is the image the
 * release's stack file names; problems make `status` exit 4, drift 3.
 */
export function judgeSwarmService(
  svc: SwarmServiceState | undefined,
  o: {
    name: string;
    host: string;
    role: string;
    expected: boolean;
    expectedImage?: string;
    releaseFolder?: string;
    tasks: TaskRow[];
    downNodes: ReadonlySet<string>;
  },
): ServiceStatus & { swarm: { replicas: string; update: string; tasks: TaskRow[] } } {
  const base = {
    host: o.host,
    role: o.role,
    service: o.name,
    expectedImage: o.expectedImage,
    containers: [],
  };
  const swarm = {
    replicas: svc ? `${svc.running}/${svc.desired}` : '0/0',
    update: svc?.update
      ? `${svc.update.state}${svc.update.message ? `: ${svc.update.message}` : ''}`
      : 'none',
    tasks: o.tasks,
  };
  if (!svc) return { ...base, swarm, problem: 'no such service in the stack (removed by hand?)' };
  if (!o.expected)
    return { ...base, swarm, drift: 'runs in the stack, but the active release has no such service' };
  const out: ServiceStatus & { swarm: typeof swarm } = { ...base, swarm };
  const problems: string[] = [];
  // A global service counts a task for a down node as desired: that is the node's problem.
  const live = svc.mode === 'global' ? svc.desired - o.downNodes.size : svc.desired;
  if (svc.running < live) problems.push(`${svc.running}/${svc.desired} tasks running`);
  if (svc.update && /paused/.test(svc.update.state))
    problems.push(`update ${svc.update.state}: ${svc.update.message}`);
  const failing = o.tasks.filter((t) => t.error && !/^Running/.test(t.current));
  if (failing.length && svc.running < live)
    problems.push(failing.map((t) => `${t.name}@${t.node || '?'}: ${t.error}`).join('; '));
  if (problems.length) out.problem = problems.join('; ');
  const drift: string[] = [];
  const want = o.expectedImage && digestOf(o.expectedImage);
  if (want && digestOf(svc.specImage) !== want)
    drift.push(`the service runs ${svc.specImage}, not ${o.expectedImage}`);
  else if (want) {
    const other = o.tasks.filter(
      (t) => /^Running/.test(t.current) && digestOf(t.image) && digestOf(t.image) !== want,
    );
    if (other.length)
      drift.push(
        `${other.map((t) => `${t.name}@${t.node}`).join(', ')} still run ${digestOf(other[0]!.image)} (${svc.update?.state === 'updating' ? 'an update is running' : 'not the release'})`,
      );
  }
  if (o.releaseFolder && svc.release && svc.release !== o.releaseFolder)
    drift.push(`the service has the env of release ${svc.release}, not ${o.releaseFolder}`);
  if (drift.length) out.drift = drift.join('; ');
  return out;
}
