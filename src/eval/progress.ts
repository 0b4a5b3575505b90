import type { Logger } from '../core/logger.js';
import { formatDuration } from '../core/logger.js';

/**
 * Progress of a run: "eval 120/400 (30%) · 110 pass, 8 fail, 2 error · 4.1 runs/s · ETA 1 min 8 s",
 * one line every few seconds (every 5 s in CI logs, 2 s on a terminal) whether or not a case
 * finished in between, and a last line when the run ends.
 */
export interface ProgressCounts {
  pass: number;
  fail: number;
  error: number;
}

export class Progress {
  private done = 0;
  private readonly started: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: {
      total: number;
      logger: Logger;
      counts: ProgressCounts;
      label?: string;
      everyMs?: number;
      now?: () => number;
    },
  ) {
    this.started = this.now();
  }

  private now(): number {
    return this.o.now ? this.o.now() : performance.now();
  }

  start(): void {
    const every = this.o.everyMs ?? (process.stderr.isTTY && !process.env.CI ? 2000 : 5000);
    this.timer = setInterval(() => this.o.logger.info(this.line()), every);
    this.timer.unref();
  }

  tick(): void {
    this.done++;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.o.logger.info(this.line());
  }

  line(): string {
    const { total, counts } = this.o;
    const elapsed = Math.max(1, this.now() - this.started);
    const rate = (this.done / elapsed) * 1000;
    const pct = total ? Math.floor((this.done / total) * 100) : 100;
    const head = `${this.o.label ?? 'eval'} ${this.done}/${total} (${pct}%) · ${counts.pass} pass, ${counts.fail} fail, ${counts.error} error`;
    if (this.done >= total) return `${head} · done in ${formatDuration(elapsed)}`;
    if (this.done === 0) return `${head} · ${formatDuration(elapsed)} elapsed, waiting for the first answer`;
    const eta = ((total - this.done) / this.done) * elapsed;
    return `${head} · ${rate.toFixed(rate < 10 ? 1 : 0)} runs/s · ETA ${formatDuration(eta)}`;
  }
}
