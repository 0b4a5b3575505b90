import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import { type LockOp, lockOp } from './commands.js';

export interface LockOwner {
  /** Random per acquisition: only this value releases the lock. */
  token: string;
  runId: string;
  actor: string;
  runUrl?: string;
  acquiredAt: string;
  /** Epoch seconds (host clock) after which another deploy may take the lock over. */
  expiresAt: number;
}

export interface LockOptions {
  dir: string;
  ttlSeconds: number;
  /** How long a second deploy waits for the holder before failing (0 = fail fast). */
  waitSeconds: number;
  runId: string;
  actor: string;
  runUrl?: string;
  pollMs?: number;
  /** What takes the lock, for the held-lock error (default deploy; backup, restore, sleep, wake). */
  purpose?: string;
}

/** A host that can run commands (Host, or a local stand-in in unit tests). */
export type LockHost = Pick<Host, 'exec' | 'label'>;

export interface LockState {
  state: 'acquired' | 'took-over' | 'held' | 'renewed' | 'mine' | 'lost' | 'released' | 'foreign' | 'absent';
  /** Host clock, epoch seconds. */
  now: number;
  /** The holder's expiry before this operation (0 when there was no lock). */
  expiresAt: number;
  /** The holder before this operation (owner.json as read under the guard). */
  holder?: LockOwner;
}

const TOKEN = /^[a-f0-9]{8,64}$/;

/** Runs one atomic lock operation on the host (see lockOp). */
export async function lockOperation(
  host: LockHost,
  op: LockOp,
  dir: string,
  token: string,
  ttlSeconds: number,
  input?: string,
): Promise<LockState> {
  if (op !== 'acquire' && !TOKEN.test(token))
    throw new UserError(
      'deploy lock token',
      `"${token}" is not a lock token`,
      'pass the token the lock step saved',
    );
  const r = await host.exec(lockOp(op, dir, token, ttlSeconds), {
    allowFailure: true,
    input: input ?? '',
    timeoutMs: 120_000,
    where: `${host.label} deploy lock`,
  });
  if (r.code !== 0)
    throw new UserError(
      host.label,
      `cannot ${op} the deploy lock ${dir}: ${r.stderr.trim() || `exit status ${r.code}`}`,
      r.code === 3
        ? 'install flock on the host (util-linux)'
        : 'check that the deploy root is writable and has free disk',
    );
  const nl = r.stdout.indexOf('\n');
  const [state, now, expiresAt] = (nl < 0 ? r.stdout : r.stdout.slice(0, nl)).trim().split(' ');
  let holder: LockOwner | undefined;
  try {
    const raw = nl < 0 ? '' : r.stdout.slice(nl + 1).trim();
    holder = raw ? (JSON.parse(raw) as LockOwner) : undefined;
  } catch {
    holder = undefined;
  }
  return { state: state as LockState['state'], now: Number(now), expiresAt: Number(expiresAt), holder };
}

export async function readOwner(host: Host, dir: string): Promise<LockOwner | undefined> {
  const raw = await host.readFile(posix.join(dir, 'owner.json'));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

export function describeOwner(o: Omit<LockOwner, 'token'> | undefined): string {
  return o
    ? `run ${o.runId} by ${o.actor} since ${o.acquiredAt}${o.runUrl ? ` (${o.runUrl})` : ''}`
    : 'an unknown owner (no owner.json)';
}

/**
 * A deploy lock per app+environment on the primary host: the folder `<dir>` + owner.json.
 * Every check-and-write runs on the host as one command under `flock <dir>.guard` (lockOp),
 * so two runs can never both win it: not on a free lock, not on a stale one, and a heartbeat
 * or release never touches a lock that another run has taken over (the token must match).
 * A held lock is waited for (bounded) or reported with its holder; a lock past its TTL is
 * taken over with a warning. While held, a heartbeat extends the TTL so long GPU deploys are
 * not taken over; a heartbeat that finds the lock gone marks it lost, and assertHeld() — called
 * before anything changes what serves — then fails the run with the old release serving.
 */
export class DeployLock {
  private owner?: LockOwner;
  private heartbeat?: NodeJS.Timeout;
  /** Set when a heartbeat or check found another owner (or no lock): the run must stop. */
  lostTo?: LockOwner | null;

  constructor(
    private readonly host: LockHost,
    private readonly options: LockOptions,
    private readonly logger: Logger,
  ) {}

  get token(): string | undefined {
    return this.owner?.token;
  }

  async acquire(): Promise<LockOwner> {
    const { dir, ttlSeconds, waitSeconds } = this.options;
    const deadline = Date.now() + waitSeconds * 1000;
    let announced = false;
    for (;;) {
      const token = randomBytes(12).toString('hex');
      const head = JSON.stringify({
        token,
        runId: this.options.runId,
        actor: this.options.actor,
        runUrl: this.options.runUrl,
      }).slice(0, -1);
      const r = await lockOperation(this.host, 'acquire', dir, token, ttlSeconds, head);
      if (r.state === 'acquired' || r.state === 'took-over') {
        if (r.state === 'took-over')
          this.logger.warn(
            `${this.host.label}: taking over a stale deploy lock held by ${describeOwner(r.holder)}; it expired ${r.now - r.expiresAt} s ago`,
          );
        this.owner = {
          token,
          runId: this.options.runId,
          actor: this.options.actor,
          runUrl: this.options.runUrl,
          acquiredAt: new Date(r.now * 1000).toISOString(),
          expiresAt: r.now + ttlSeconds,
        };
        this.lostTo = undefined;
        this.startHeartbeat();
        return this.owner;
      }
      if (r.state !== 'held') throw new Error(`deploy lock: unexpected state ${r.state}`);
      if (Date.now() >= deadline) {
        throw new UserError(
          'deploy lock',
          `${this.options.runId} cannot ${this.options.purpose ?? 'deploy'}: the environment is locked by ${describeOwner(r.holder)} until ${new Date(r.expiresAt * 1000).toISOString()}`,
          waitSeconds > 0
            ? 'wait for that deploy to finish, or raise lock.wait'
            : 'wait for that deploy to finish (or set lock.wait to queue); a killed deploy’s lock expires after lock.ttl',
        );
      }
      if (!announced) {
        this.logger.info(
          `waiting up to ${waitSeconds} s for the deploy lock held by ${describeOwner(r.holder)}`,
        );
        announced = true;
      }
      await new Promise((res) => setTimeout(res, this.options.pollMs ?? 2000));
    }
  }

  private lose(holder: LockOwner | undefined): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (this.lostTo !== undefined) return;
    this.lostTo = holder ?? null;
    this.logger.warn(
      `${this.host.label}: this run lost the deploy lock${holder ? ` to ${describeOwner(holder)}` : ' (it was removed)'}; nothing more will be changed`,
    );
  }

  private startHeartbeat(): void {
    const every = Math.max(1000, (this.options.ttlSeconds * 1000) / 3);
    this.heartbeat = setInterval(() => {
      const token = this.owner?.token;
      if (!token) return;
      lockOperation(this.host, 'renew', this.options.dir, token, this.options.ttlSeconds)
        .then((r) => {
          if (this.owner?.token !== token) return;
          if (r.state === 'renewed') this.owner.expiresAt = r.now + this.options.ttlSeconds;
          else this.lose(r.holder);
        })
        .catch((err) => this.logger.debug(`lock heartbeat: ${(err as Error).message}`));
    }, every);
    this.heartbeat.unref();
  }

  /**
   * Fails unless this run still holds the lock (checked on the host, atomically). Called
   * before every step that changes what serves, so a run that lost its lock (expired during
   * a network partition and taken over) stops with the old release serving.
   */
  async assertHeld(): Promise<void> {
    const token = this.owner?.token;
    if (token && this.lostTo === undefined) {
      const r = await lockOperation(this.host, 'check', this.options.dir, token, this.options.ttlSeconds);
      if (r.state === 'mine') return;
      this.lose(r.holder);
    }
    throw new UserError(
      'deploy lock',
      `this run no longer holds the deploy lock${this.lostTo ? `: it is held by ${describeOwner(this.lostTo)}` : ''}; nothing was switched by this run after that`,
      'raise lock.ttl above the longest pause a run can see (the lock expired and was taken over), then deploy again',
    );
  }

  /** Releases the lock if (and only if) this run still owns it. */
  async release(): Promise<boolean> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const token = this.owner?.token;
    this.owner = undefined;
    if (!token) return false;
    return releaseLock(this.host, this.options.dir, token, this.logger);
  }
}

/** Used by release() and by the action's post step (which only has the token from state). */
export async function releaseLock(
  host: LockHost,
  dir: string,
  token: string,
  logger: Logger,
): Promise<boolean> {
  const r = await lockOperation(host, 'release', dir, token, 0);
  if (r.state === 'released') {
    logger.info(`${host.label}: deploy lock released`);
    return true;
  }
  if (r.state === 'foreign')
    logger.warn(`${host.label}: the deploy lock now belongs to ${describeOwner(r.holder)}; leaving it`);
  return false;
}
