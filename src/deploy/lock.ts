import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RemoteHost } from '../core/remote-host.js';
import { lockCreate, lockMoveAside, removeTree } from './commands.js';

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
}

async function hostNow(host: RemoteHost): Promise<number> {
  const r = await host.exec(['date', '+%s'], { where: `${host.label} clock` });
  return Number(r.stdout.trim());
}

export async function readOwner(host: RemoteHost, dir: string): Promise<LockOwner | undefined> {
  const raw = await host.readFile(posix.join(dir, 'owner.json'));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function describeOwner(o: LockOwner | undefined): string {
  return o
    ? `run ${o.runId} by ${o.actor} since ${o.acquiredAt}${o.runUrl ? ` (${o.runUrl})` : ''}`
    : 'an unknown owner (no owner.json)';
}

/**
 * A deploy lock per app+environment on the primary host: `mkdir` (atomic) + owner.json.
 * A held lock is waited for (bounded) or reported with its holder; a lock past its TTL
 * is moved aside atomically (only one taker wins) and taken over with a warning. While
 * held, a heartbeat extends the TTL so long GPU deploys are not taken over.
 */
export class DeployLock {
  private owner?: LockOwner;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly host: RemoteHost,
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
      const made = await this.host.exec(lockCreate(dir), { allowFailure: true });
      if (made.code === 0) {
        const now = await hostNow(this.host);
        this.owner = {
          token: randomBytes(12).toString('hex'),
          runId: this.options.runId,
          actor: this.options.actor,
          runUrl: this.options.runUrl,
          acquiredAt: new Date(now * 1000).toISOString(),
          expiresAt: now + ttlSeconds,
        };
        await this.writeOwner();
        this.startHeartbeat();
        return this.owner;
      }
      if (!/exists/i.test(made.stderr)) {
        throw new UserError(
          this.host.label,
          `cannot create the deploy lock ${dir}: ${made.stderr.trim()}`,
          'check that the deploy root is writable',
        );
      }
      const holder = await readOwner(this.host, dir);
      const now = await hostNow(this.host);
      const expiresAt = holder?.expiresAt ?? (await this.dirMtime()) + ttlSeconds;
      if (expiresAt < now) {
        this.logger.warn(
          `${this.host.label}: taking over a stale deploy lock held by ${describeOwner(holder)}; it expired ${now - expiresAt} s ago`,
        );
        const aside = `${dir}.stale-${now}-${randomBytes(4).toString('hex')}`;
        const moved = await this.host.exec(lockMoveAside(dir, aside), { allowFailure: true });
        if (moved.code === 0) await this.host.exec(removeTree(aside), { allowFailure: true });
        continue;
      }
      if (Date.now() >= deadline) {
        throw new UserError(
          'deploy lock',
          `${this.options.runId} cannot deploy: the environment is locked by ${describeOwner(holder)} until ${new Date(expiresAt * 1000).toISOString()}`,
          waitSeconds > 0
            ? 'wait for that deploy to finish, or raise lock.wait'
            : 'wait for that deploy to finish (or set lock.wait to queue); a killed deploy’s lock expires after lock.ttl',
        );
      }
      if (!announced) {
        this.logger.info(
          `waiting up to ${waitSeconds} s for the deploy lock held by ${describeOwner(holder)}`,
        );
        announced = true;
      }
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 2000));
    }
  }

  private async dirMtime(): Promise<number> {
    const r = await this.host.exec(['stat', '-c', '%Y', this.options.dir], { allowFailure: true });
    return r.code === 0 ? Number(r.stdout.trim()) : 0;
  }

  private async writeOwner(): Promise<void> {
    await this.host.upload(
      posix.join(this.options.dir, 'owner.json'),
      `${JSON.stringify(this.owner)}\n`,
      0o600,
    );
  }

  private startHeartbeat(): void {
    const every = Math.max(1000, (this.options.ttlSeconds * 1000) / 3);
    this.heartbeat = setInterval(() => {
      if (!this.owner) return;
      hostNow(this.host)
        .then((now) => {
          if (!this.owner) return;
          this.owner.expiresAt = now + this.options.ttlSeconds;
          return this.writeOwner();
        })
        .catch((err) => this.logger.debug(`lock heartbeat: ${(err as Error).message}`));
    }, every);
    this.heartbeat.unref();
  }

  /** Releases the lock if (and only if) this run still owns it. */
  async release(): Promise<boolean> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    const token = this.owner?.token;
    this.owner = undefined;
    if (!token) return false;
    return releaseLock(this.host, this.options.dir, token, this.logger);
  }
}

/** Used by release() and by the action's post step (which only has the token from state). */
export async function releaseLock(
  host: RemoteHost,
  dir: string,
  token: string,
  logger: Logger,
): Promise<boolean> {
  const holder = await readOwner(host, dir);
  if (!holder) return false;
  if (holder.token !== token) {
    logger.warn(`${host.label}: the deploy lock now belongs to ${describeOwner(holder)}; leaving it`);
    return false;
  }
  const aside = `${dir}.released-${randomBytes(4).toString('hex')}`;
  await host.exec(lockMoveAside(dir, aside));
  await host.exec(removeTree(aside));
  logger.info(`${host.label}: deploy lock released`);
  return true;
}
