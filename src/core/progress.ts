import { Transform } from 'node:stream';
import type { Logger } from './logger.js';

/**
 * Progress of long work (a backup upload, a restore download, an eval run): on a terminal one
 * line redrawn in place on stderr; in CI and other non-TTY output a log line every few seconds
 * (never a flood in a job log). Rates and ETAs are over the whole run so far, so a line is a
 * plain function of (done, total, elapsed) — see formatProgress.
 */
export interface ProgressOptions {
  label: string;
  unit: 'bytes' | 'items';
  /** When known: percent and ETA are shown. */
  total?: number;
  logger: Logger;
  /** Redraw a line in place (default: stderr is a TTY and CI is not set). */
  tty?: boolean;
  /** Where the TTY line goes (default: stderr). */
  write?: (text: string) => void;
  /** Non-TTY: at most one line per this many ms (default 5000). */
  intervalMs?: number;
  now?: () => number;
}

const MB = 1024 * 1024;

function seconds(s: number): string {
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

export class Progress {
  private readonly started: number;
  private lastEmit: number;
  private done = 0;
  private total?: number;
  private readonly tty: boolean;
  private readonly now: () => number;
  private finished = false;

  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? (() => performance.now());
    this.started = this.now();
    this.lastEmit = this.started;
    this.total = o.total;
    this.tty = o.tty ?? (!!process.stderr.isTTY && !process.env.CI);
  }

  update(done: number, total?: number): void {
    if (this.finished) return;
    this.done = done;
    if (total !== undefined) this.total = total;
    const t = this.now();
    const every = this.tty ? 200 : (this.o.intervalMs ?? 5000);
    if (t - this.lastEmit < every) return;
    this.lastEmit = t;
    const line = formatProgress(this.o.label, this.o.unit, done, this.total, t - this.started);
    if (this.tty) (this.o.write ?? ((s) => process.stderr.write(s)))(`\r${line}\x1b[K`);
    else this.o.logger.info(line);
  }

  /** The closing line (always printed): what was done, in how long, at what rate. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const elapsed = this.now() - this.started;
    if (this.tty) (this.o.write ?? ((s) => process.stderr.write(s)))('\r\x1b[K');
    this.o.logger.info(
      `${formatProgress(this.o.label, this.o.unit, this.done, undefined, elapsed)} in ${seconds(elapsed / 1000)}`,
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
  });
}
