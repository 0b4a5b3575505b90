import type { Logger } from '../core/logger.js';
import { Progress, type ProgressOptions, seconds } from '../core/progress.js';

/**
 * What an image pull on one host has done so far, read from the output of `docker pull` /
 * `docker compose pull` (v2) / `docker-compose pull` (v1) as it streams in:
 * - layer lines (`<12 hex>: Pulling fs layer`, `… Downloading [==>  ] 12.3MB/45.6MB`, `… Pull
 *   complete`, `… Already exists`): layers done of layers seen, and MB when the engine reports
 *   byte counts (it does on compose v2 and on a terminal; non-TTY `docker pull` prints states only);
 * - compose v1's per-service lines (`Pulling app ... done`): images done of images asked for.
 */
interface Layer {
  done: boolean;
  present: boolean;
  current: number;
  total?: number;
}

const LAYER =
  /(?:^|\s)([0-9a-f]{12}):?\s+(Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete|Already exists)(?:\s*\[[^\]]*\])?\s*(?:([0-9.]+\s*[kKMGT]?B)\/([0-9.]+\s*[kKMGT]?B))?/;
const SERVICE = /^Pulling (\S+)\s+\.\.\.\s*(done|error)?/;
// Colour and cursor movement of a terminal-style writer.
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** "12.3MB" → bytes (docker's sizes are decimal: kB = 1000 B). */
export function parseSize(text: string): number {
  const m = /^([0-9.]+)\s*([kKMGT]?)B$/.exec(text.trim());
  if (!m) return 0;
  const exp = { '': 0, k: 1, K: 1, M: 2, G: 3, T: 4 }[m[2] as '' | 'k'] ?? 0;
  return Math.round(Number(m[1]) * 1000 ** exp);
}

export class PullMeter {
  readonly layers = new Map<string, Layer>();
  readonly servicesDone = new Set<string>();
  private rest = '';

  constructor(readonly images: number) {}

  /** Feeds a chunk of output (stdout or stderr; lines may be split across chunks). */
  feed(chunk: string): void {
    const parts = `${this.rest}${chunk}`.replace(ANSI, '').split(/\r\n|\r|\n/);
    this.rest = parts.pop() ?? '';
    for (const line of parts) this.line(line);
  }

  line(text: string): void {
    const s = SERVICE.exec(text.trim());
    if (s) {
      if (s[2] === 'done') this.servicesDone.add(s[1]!);
      return;
    }
    const m = LAYER.exec(text);
    if (!m) return;
    const [, id, state, cur, tot] = m;
    const layer = this.layers.get(id!) ?? { done: false, present: false, current: 0 };
    this.layers.set(id!, layer);
    if (state === 'Downloading' && cur && tot) {
      layer.current = parseSize(cur);
      layer.total = parseSize(tot);
    }
    if (state === 'Download complete' || state === 'Extracting' || state === 'Verifying Checksum')
      if (layer.total) layer.current = layer.total;
    if (state === 'Pull complete' || state === 'Already exists') {
      layer.done = true;
      layer.present = state === 'Already exists';
      if (layer.total) layer.current = layer.total;
    }
  }

  /** Bytes downloaded and the bytes of the layers whose size is known (undefined: none known). */
  bytes(): { done: number; total?: number } {
    let done = 0;
    let total = 0;
    for (const l of this.layers.values()) {
      if (l.total === undefined) continue;
      done += l.current;
      total += l.total;
    }
    return { done, total: total || undefined };
  }

  /** "3 of 7 layers (2 already present), 12.3 MB of 45.6 MB" / "1 of 2 images". */
  summary(): string {
    const parts: string[] = [];
    if (this.layers.size) {
      const done = [...this.layers.values()].filter((l) => l.done);
      const present = done.filter((l) => l.present).length;
      parts.push(
        `${done.length} of ${this.layers.size} layers${present ? ` (${present} already present)` : ''}`,
      );
      const b = this.bytes();
      if (b.total) parts.push(`${mb(b.done)} of ${mb(b.total)}`);
    } else parts.push(`${this.servicesDone.size} of ${this.images} image(s)`);
    return parts.join(', ');
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * The progress of one host's pull through the shared reporter: a bar per host on a terminal,
 * otherwise a line per host every few seconds (also while the pull is stalled), and a closing
 * line per host. Feed it the pull's output with `onOutput`.
 */
export function pullProgress(
  host: string,
  images: number,
  logger: Logger,
  options: Pick<ProgressOptions, 'tty' | 'stream' | 'intervalMs' | 'now'> = {},
): { onOutput: (chunk: string) => void; finish: () => void; meter: PullMeter } {
  const meter = new PullMeter(images);
  const label = `${host} pull`;
  const p = new Progress({
    label,
    unit: 'bytes',
    logger,
    ...options,
    text: (_d, _t, elapsed) => {
      const b = meter.bytes();
      const rate = b.total && elapsed > 0 ? `, ${mb(b.done / (elapsed / 1000))}/s` : '';
      const eta =
        b.total && b.done > 0 && b.done < b.total
          ? `, ETA ${seconds(((b.total - b.done) / b.done) * (elapsed / 1000))}`
          : '';
      return `${label}: ${meter.summary()}${rate}${eta}, ${seconds(elapsed / 1000)} elapsed`;
    },
    closing: (_d, elapsed) => `${label}: ${meter.summary()} in ${seconds(elapsed / 1000)}`,
  }).start();
  return {
    meter,
    onOutput: (chunk) => {
      meter.feed(chunk);
      const b = meter.bytes();
      p.update(b.done, b.total);
    },
    finish: () => {
      meter.feed('\n');
      p.finish();
    },
  };
}

// tqdm's bar (huggingface_hub, vLLM): "model.safetensors:  45%|████▌     | 2.15G/4.50G [00:10<00:12, 200MB/s]".
const TQDM = /(?:^|\s)(\d{1,3})%\|[^|]*\|\s*([0-9.]+)\s*([kMGT]?)B?\/([0-9.]+)\s*([kMGT]?)B?/;

/** The last tqdm bar in the output: "45 %, 2.1 GB of 4.5 GB" (undefined until one was printed). */
export function tqdmStatus(line: string): string | undefined {
  const m = TQDM.exec(line);
  if (!m) return undefined;
  const size = (n: string, u: string) => parseSize(`${n}${u}B`);
  const [done, total] = [size(m[2]!, m[3]!), size(m[4]!, m[5]!)];
  return `${m[1]} %, ${(done / 1e9).toFixed(1)} GB of ${(total / 1e9).toFixed(1)} GB`;
}

/**
 * Progress of a GPU model prefetch on one host: a line every few seconds (a bar on a terminal)
 * with the elapsed time and, when the download tool prints tqdm bars, the last one's numbers.
 */
export function prefetchProgress(
  host: string,
  logger: Logger,
  options: Pick<ProgressOptions, 'tty' | 'stream' | 'intervalMs' | 'now'> = {},
): { onOutput: (chunk: string) => void; finish: () => void } {
  let last: string | undefined;
  let rest = '';
  const label = `${host} prefetch`;
  const p = new Progress({
    label,
    unit: 'items',
    logger,
    ...options,
    text: (_d, _t, elapsed) => `${label}: ${last ? `${last}, ` : ''}${seconds(elapsed / 1000)} elapsed`,
    closing: (_d, elapsed) => `${label}: done in ${seconds(elapsed / 1000)}`,
  }).start();
  let n = 0;
  return {
    onOutput: (chunk) => {
      const parts = `${rest}${chunk}`.replace(ANSI, '').split(/\r\n|\r|\n/);
      rest = parts.pop() ?? '';
      for (const line of parts) last = tqdmStatus(line) ?? last;
      p.update(++n);
    },
    finish: () => p.finish(),
  };
}
