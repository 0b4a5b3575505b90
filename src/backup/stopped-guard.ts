import { errorMessage } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import { connectHost, type HostConnection } from './backup.js';
import { checkContainer, commands, containerState } from './physical.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const EXIT_CODE: Record<(typeof SIGNALS)[number], number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Starts `container` again if it is not running; waits for a `docker stop` still under way
 * (the container then reads Running until it ends). What a cancelled backup's signal handler
 * and the action's post step both call. Returns what it did, for the log.
 */
export async function restartIfStopped(
  host: Host,
  container: string,
  options: { settleMs?: number } = {},
): Promise<'started' | 'was running'> {
  const end = Date.now() + (options.settleMs ?? 0);
  for (;;) {
    const s = await containerState(host, container);
    if (!s.Running) break;
    // A stop in flight keeps Running true until it ends: look again until `settleMs` is over.
    if (Date.now() >= end) return 'was running';
    await new Promise((r) => setTimeout(r, 500));
  }
  await host.exec(commands.start(container), { where: `${host.label}: starting ${container}` });
  return 'started';
}

/**
 * The action's post step after a run that ended with Chroma stopped (killed outright: SIGKILL,
 * runner lost): connects again and starts it, saying so.
 */
export async function restartAfterCancel(
  conn: HostConnection,
  container: string,
  logger: Logger,
): Promise<'started' | 'was running'> {
  checkContainer(container, 'container');
  const host = connectHost(conn, logger);
  try {
    const did = await restartIfStopped(host, container, { settleMs: 10_000 });
    if (did === 'started')
      logger.warn(
        `the backup did not finish with ${container} running on ${host.label}: the post step started it again (no backup was committed)`,
      );
    return did;
  } finally {
    host.close();
  }
}

/**
 * While a physical backup has production Chroma stopped, a cancel (the runner's SIGINT then
 * SIGTERM, Ctrl-C, a kill) must not leave it stopped: this handler waits for the operation in
 * flight (a `docker stop` cannot be called back), starts the container, says so, and exits
 * with the signal's code. Whatever kills the process outright (SIGKILL) is the post step's
 * job: `onStopped`/`onRestarted` let the action record that Chroma is down.
 */
export class StoppedChromaGuard {
  private armed = false;
  private inFlight: Promise<unknown> = Promise.resolve();
  private cleanups: Array<() => Promise<void>> = [];
  private handling = false;
  /** A cancel arrived: nothing may be committed after it. */
  cancelled = false;
  /**
   * Never settles: the backup awaits it after a cancel, so neither its result nor its error
   * reaches a caller that would exit (the CLI) before the handler has started Chroma.
   */
  readonly exiting: Promise<never> = new Promise<never>(() => {});
  private readonly handler = (sig: (typeof SIGNALS)[number]) => void this.onSignal(sig);

  constructor(
    private readonly host: Host,
    private readonly container: string,
    private readonly logger: Logger,
    private readonly hooks: { onStopped?: () => void; onRestarted?: () => void; stopGraceMs?: number } = {},
  ) {}

  /** Whether a signal now is this guard's to handle (Chroma may be down). */
  get isArmed(): boolean {
    return this.armed;
  }

  /** From just before `docker stop`: the container may be (going) down. */
  arm(): void {
    if (this.armed) return;
    this.armed = true;
    this.hooks.onStopped?.();
    for (const sig of SIGNALS) process.on(sig, this.handler);
  }

  /** The operation whose end the handler waits for before starting the container. */
  track<T>(p: Promise<T>): Promise<T> {
    this.inFlight = p.catch(() => undefined);
    return p;
  }

  /** Something else to undo on a cancel (a snapshot volume on the host). */
  onCancel(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Chroma is running again (or, with `running` false, the run ends with it down). */
  disarm(running = true): void {
    if (!this.armed) return;
    this.armed = false;
    for (const sig of SIGNALS) process.off(sig, this.handler);
    if (running) this.hooks.onRestarted?.();
  }

  private async onSignal(sig: (typeof SIGNALS)[number]): Promise<void> {
    if (this.handling) return; // the runner sends SIGINT, then SIGTERM: one restart is enough
    this.handling = true;
    this.cancelled = true;
    this.logger.warn(
      `backup cancelled (${sig}) while ${this.container} on ${this.host.label} is stopped: starting it again; no backup was committed`,
    );
    try {
      const grace = this.hooks.stopGraceMs ?? 120_000;
      await Promise.race([this.inFlight, new Promise((r) => setTimeout(r, grace).unref())]);
      const did = await restartIfStopped(this.host, this.container, { settleMs: 2_000 });
      this.logger.warn(
        did === 'started'
          ? `${this.container} was started again after the cancel`
          : `${this.container} is running`,
      );
      for (const c of this.cleanups) await c().catch(() => undefined);
      this.hooks.onRestarted?.();
    } catch (err) {
      this.logger.error(
        `could not start ${this.container} after the cancel: ${errorMessage(err)} — run \`docker start ${this.container}\` on ${this.host.label}`,
      );
    } finally {
      for (const s of SIGNALS) process.off(s, this.handler);
      process.exit(EXIT_CODE[sig]);
    }
  }
}
