import { Transform } from 'node:stream';
import { MultiBar, type SingleBar } from 'cli-progress';
import type { Logger } from './logger.js';

/**
 * Progress of long work (an image pull per host, a GPU model prefetch, a backup upload, a restore
 * download, an eval run): on a terminal a live bar (cli-progress) on stderr, one bar per piece of
 * work running at the same time (parallel pulls on four hosts are four bars); in CI and other
 * non-TTY output a log line every few seconds (never a flood in a job log). Rates and ETAs are over
 * the whole run so far, so a line is a plain function of (done, total, elapsed) — see formatProgress.
 */
export interface ProgressOptions {
  label: string;
  unit: 'bytes' | 'items';
  /** When known: percent and ETA are shown. */
  total?: number;
  logger: Logger;
  /** Draw a live bar (default: stderr is a TTY and CI is not set). */
  tty?: boolean;
  /** Where the bar is drawn (default: stderr); a TTY stream. */
  stream?: NodeJS.WritableStream;
  /** Non-TTY: at most one line per this many ms (default 5000). */
  intervalMs?: number;
  now?: () => number;
  /** The text of a line instead of formatProgress's (eval's "n/N · pass/fail · ETA"). */
  text?: (done: number, total: number | undefined, elapsedMs: number) => string;
  /** The closing line instead of "<label>: <amount>, <rate> in <time>". */
  closing?: (done: number, elapsedMs: number) => string;
}

const MB = 1024 * 1024;

/** Whether long work draws a live bar: stderr is a terminal and this is not a CI job. */
export function isInteractive(): boolean {
  return !!process.stderr.isTTY && !process.env.CI;
}

export function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const r = Math.max(0, Math.round(s));
  if (r < 60) return `${r} s`;
  if (r < 3600) return `${Math.floor(r / 60)} min ${r % 60} s`;
  return `${Math.floor(r / 3600)} h ${Math.floor((r % 3600) / 60)} min`;
}

/** "upload x: 512.0 MB of 2048.0 MB (25 %), 85.3 MB/s, ETA 18 s" (items: "eval: 12 of 40 (30 %), 2.0/s, ETA 14 s"). */
export function formatProgress(
  label: string,
  unit: 'bytes' | 'items',
  done: number,
  total: number | undefined,
  elapsedMs: number,
): string {
  const perSecond = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const amount = (n: number) => (unit === 'bytes' ? `${(n / MB).toFixed(1)} MB` : String(n));
  const rate = unit === 'bytes' ? `${(perSecond / MB).toFixed(1)} MB/s` : `${perSecond.toFixed(1)}/s`;
  const parts = [
    total ? `${amount(done)} of ${amount(total)} (${Math.floor((100 * done) / total)} %)` : amount(done),
  ];
  if (elapsedMs > 0) parts.push(rate);
  if (total && perSecond > 0 && done < total) parts.push(`ETA ${seconds((total - done) / perSecond)}`);
  return `${label}: ${parts.join(', ')}`;
}

/** A 24-cell bar for a fraction (no bar when the total is unknown). */
export function barOf(fraction: number | undefined, width = 24): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return '';
  const full = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] `;
}

/**
 * One MultiBar per output stream, shared by every bar running at the same time (bars of parallel
 * work must not redraw over each other); stopped when its last bar finishes.
 */
const boards = new Map<NodeJS.WritableStream, { multi: MultiBar; live: number }>();

function addBar(stream: NodeJS.WritableStream): { bar: SingleBar; done: () => void } {
  let board = boards.get(stream);
  if (!board) {
    board = {
      multi: new MultiBar({
        stream,
        // The whole line is ours (bar + formatProgress); cli-progress draws and redraws it.
        format: (_o, _p, payload: { line?: string }) => payload.line ?? '',
        hideCursor: false,
        clearOnComplete: true,
        fps: 5,
      }),
      live: 0,
    };
    boards.set(stream, board);
  }
  const b = board;
  b.live++;
  const bar = b.multi.create(1, 0, { line: '' });
  return {
    bar,
    done: () => {
      b.multi.remove(bar);
      if (--b.live === 0) {
        b.multi.stop();
        boards.delete(stream);
      }
    },
  };
}

export class Progress {
  private readonly started: number;
  private lastEmit: number;
  private done = 0;
  private total?: number;
  private readonly tty: boolean;
  private readonly now: () => number;
  private finished = false;
  private bar?: { bar: SingleBar; done: () => void };
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? (() => performance.now());
    this.started = this.now();
    this.lastEmit = this.started;
    this.total = o.total;
    this.tty = o.tty ?? isInteractive();
  }

  /** Whether this progress draws a live bar (else: log lines every few seconds). */
  get interactive(): boolean {
    return this.tty;
  }

  /** The current line: "<label>: 12.0 MB of 40.0 MB (30 %), 2.0 MB/s, ETA 14 s". */
  line(): string {
    const elapsed = this.now() - this.started;
    return this.o.text
      ? this.o.text(this.done, this.total, elapsed)
      : formatProgress(this.o.label, this.o.unit, this.done, this.total, elapsed);
  }

  /**
   * Also report while nothing moves (a stalled pull, a slow eval case): a line (or a redraw) every
   * interval until finish(). The timer does not keep the process alive.
   */
  start(): this {
    if (this.timer || this.finished) return this;
    const every = this.tty ? 1000 : (this.o.intervalMs ?? 5000);
    this.timer = setInterval(() => this.emit(true), every);
    this.timer.unref();
    return this;
  }

  update(done: number, total?: number): void {
    if (this.finished) return;
    this.done = done;
    if (total !== undefined) this.total = total;
    this.emit(false);
  }

  private emit(force: boolean): void {
    const t = this.now();
    if (this.tty) {
      this.bar ??= addBar(this.o.stream ?? process.stderr);
      const fraction = this.total ? this.done / this.total : undefined;
      // cli-progress throttles the redraws itself (fps).
      this.bar.bar.update(0, { line: `${barOf(fraction)}${this.line()}` });
      return;
    }
    const every = this.o.intervalMs ?? 5000;
    // The heartbeat skips its line when an update printed one less than half an interval ago.
    if (t - this.lastEmit < (force ? every / 2 : every)) return;
    this.lastEmit = t;
    this.o.logger.info(this.line());
  }

  /** The closing line (always printed): what was done, in how long, at what rate. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.bar?.done();
    this.bar = undefined;
    const elapsed = this.now() - this.started;
    this.o.logger.info(
      this.o.closing
        ? this.o.closing(this.done, elapsed)
        : `${formatProgress(this.o.label, this.o.unit, this.done, undefined, elapsed)} in ${seconds(elapsed / 1000)}`,
    );
  }
}

/** A pass-through stage that reports the bytes flowing through it (a download's progress). */
export function progressStream(p: Progress): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      p.update(bytes);
      cb(null, chunk);
    },
    flush(cb) {
      p.finish();
      cb();
    },
    // A failed download ends its bar too (a live bar would otherwise keep redrawing).
    destroy(err, cb) {
      p.finish();
      cb(err);
    },
  });
}
