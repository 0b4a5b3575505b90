import type { Logger } from '../core/logger.js';
import { formatDuration } from '../core/logger.js';
import { Progress as Reporter } from '../core/progress.js';

/**
 * Progress of a run: "eval 120/400 (30%) · 110 pass, 8 fail, 2 error · 4.1 runs/s · ETA 1 min 8 s",
 * through the shared reporter (src/core/progress.ts): a live bar on a terminal, and in CI and
 * non-TTY output one line every few seconds (every 5 s by default) whether or not a case finished
 * in between; a last line when the run ends.
 */
export interface ProgressCounts {
  pass: number;
  fail: number;
  error: number;
}

export class Progress {
  private done = 0;
  private readonly reporter: Reporter;

  constructor(
    private readonly o: {
      total: number;
      logger: Logger;
      counts: ProgressCounts;
      label?: string;
      everyMs?: number;
      now?: () => number;
      /** Draw a live bar (default: stderr is a TTY and CI is not set). */
      tty?: boolean;
      stream?: NodeJS.WritableStream;
    },
  ) {
    this.reporter = new Reporter({
      label: o.label ?? 'eval',
      unit: 'items',
      total: o.total,
      logger: o.logger,
      intervalMs: o.everyMs ?? 5000,
      now: o.now,
      tty: o.tty,
      stream: o.stream,
      text: (_done, _total, elapsed) => this.text(elapsed),
      closing: (_done, elapsed) => this.text(elapsed),
    });
  }

  start(): void {
    this.reporter.start();
  }

  tick(): void {
    this.done++;
    this.reporter.update(this.done);
  }

  stop(): void {
    this.reporter.finish();
  }

  line(): string {
    return this.reporter.line();
  }

  private text(elapsedMs: number): string {
    const { total, counts } = this.o;
    const elapsed = Math.max(1, elapsedMs);
    const rate = (this.done / elapsed) * 1000;
    const pct = total ? Math.floor((this.done / total) * 100) : 100;
    const head = `${this.o.label ?? 'eval'} ${this.done}/${total} (${pct}%) · ${counts.pass} pass, ${counts.fail} fail, ${counts.error} error`;
    if (this.done >= total) return `${head} · done in ${formatDuration(elapsed)}`;
    if (this.done === 0) return `${head} · ${formatDuration(elapsed)} elapsed, waiting for the first answer`;
    const eta = ((total - this.done) / this.done) * elapsed;
    return `${head} · ${rate.toFixed(rate < 10 ? 1 : 0)} runs/s · ETA ${formatDuration(eta)}`;
  }
}
