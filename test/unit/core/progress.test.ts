import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { formatProgress, Progress } from '../../../src/core/progress.js';

const MB = 1024 * 1024;

describe('progress of long work', () => {
  it.each([
    [
      'bytes with a total: MB, %, MB/s, ETA',
      'bytes',
      512 * MB,
      2048 * MB,
      4000,
      'upload: 512.0 MB of 2048.0 MB (25 %), 128.0 MB/s, ETA 12 s',
    ],
    [
      'bytes without a total: MB and MB/s only',
      'bytes',
      300 * MB,
      undefined,
      10_000,
      'upload: 300.0 MB, 30.0 MB/s',
    ],
    ['items: n of N', 'items', 12, 40, 6000, 'upload: 12 of 40 (30 %), 2.0/s, ETA 14 s'],
    [
      'long ETAs in minutes and hours',
      'bytes',
      1 * MB,
      10_000 * MB,
      1000,
      'upload: 1.0 MB of 10000.0 MB (0 %), 1.0 MB/s, ETA 2 h 46 min',
    ],
    ['nothing elapsed yet: no rate', 'items', 0, 10, 0, 'upload: 0 of 10 (0 %)'],
  ] as const)('%s', (_, unit, done, total, ms, line) => {
    expect(formatProgress('upload', unit, done, total, ms)).toBe(line);
  });

  it('without a terminal: one log line per interval, however often it is updated, then a closing line', () => {
    let t = 0;
    const logger = new MemoryLogger();
    const p = new Progress({
      label: 'upload k',
      unit: 'bytes',
      logger,
      tty: false,
      intervalMs: 5000,
      now: () => t,
    });
    for (let i = 1; i <= 120; i++) {
      t = i * 100; // 12 s of updates every 100 ms
      p.update(i * MB);
    }
    p.finish();
    p.finish();
    const lines = logger.text().trim().split('\n');
    expect(lines).toEqual([
      'upload k: 50.0 MB, 10.0 MB/s',
      'upload k: 100.0 MB, 10.0 MB/s',
      'upload k: 120.0 MB, 10.0 MB/s in 12 s',
    ]);
  });

  it('on a terminal: a live bar (cli-progress) with the same text, removed before the closing log line', async () => {
    let t = 0;
    const logger = new MemoryLogger();
    const stream = fakeTty();
    const p = new Progress({
      label: 'restore',
      unit: 'bytes',
      total: 100 * MB,
      logger,
      tty: true,
      stream,
      now: () => t,
    });
    expect(p.interactive).toBe(true);
    t = 1000;
    p.update(25 * MB);
    await drawn(stream, 'restore: 25.0 MB of 100.0 MB (25 %), 25.0 MB/s, ETA 3 s');
    t = 2000;
    p.update(50 * MB);
    await drawn(stream, 'restore: 50.0 MB of 100.0 MB (50 %), 25.0 MB/s, ETA 2 s');
    // the bar: 50 % of 24 cells
    expect(stream.text()).toContain(`[${'█'.repeat(12)}${'░'.repeat(12)}] restore: 50.0 MB`);
    p.finish();
    // nothing went to the log while the bar was live; the closing line did
    expect(logger.text().trim()).toBe('restore: 50.0 MB, 25.0 MB/s in 2 s');
  });

  it('bars of work running at the same time share one board (parallel pulls on two hosts)', async () => {
    const stream = fakeTty();
    const logger = new MemoryLogger();
    const a = new Progress({
      label: 'cpu pull',
      unit: 'bytes',
      total: 10 * MB,
      logger,
      tty: true,
      stream,
      now: () => 1000,
    });
    const b = new Progress({
      label: 'gpu pull',
      unit: 'bytes',
      total: 20 * MB,
      logger,
      tty: true,
      stream,
      now: () => 1000,
    });
    a.update(5 * MB);
    b.update(5 * MB);
    await drawn(stream, 'gpu pull: 5.0 MB of 20.0 MB (25 %)');
    await drawn(stream, 'cpu pull: 5.0 MB of 10.0 MB (50 %)');
    a.finish();
    b.finish();
    expect(logger.lines).toHaveLength(2);
  });

  it('the heartbeat logs a line without updates (a stalled pull), at most one per interval, until finish', async () => {
    const logger = new MemoryLogger();
    const p = new Progress({ label: 'pull', unit: 'bytes', logger, tty: false, intervalMs: 20 }).start();
    p.update(MB);
    await waitFor(() => logger.lines.length >= 2);
    p.finish();
    const n = logger.lines.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(logger.lines).toHaveLength(n);
    expect(logger.lines.slice(0, -1).every((l) => /^pull: 1\.0 MB, [0-9.]+ MB\/s$/.test(l))).toBe(true);
    expect(logger.lines.at(-1)).toMatch(/^pull: 1\.0 MB, [0-9.]+ MB\/s in \d+ s$/);
  });
});

/** A writable that says it is a terminal and keeps what was drawn. */
function fakeTty() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  }) as Writable & { isTTY: boolean; columns: number; text: () => string };
  stream.isTTY = true;
  stream.columns = 160;
  stream.text = () => chunks.join('');
  return stream;
}

async function waitFor(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** cli-progress redraws on its own timer: wait until the text was drawn. */
const drawn = (stream: { text: () => string }, text: string) => waitFor(() => stream.text().includes(text));

describe('progressStream', () => {
  it('passes bytes through unchanged, reports them, and closes the progress when the stream ends', async () => {
    const { Readable } = await import('node:stream');
    const { pipeline } = await import('node:stream/promises');
    const { progressStream } = await import('../../../src/core/progress.js');
    let t = 0;
    const logger = new MemoryLogger();
    const p = new Progress({
      label: 'download',
      unit: 'bytes',
      total: 3 * MB,
      logger,
      tty: false,
      intervalMs: 1,
      now: () => (t += 10),
    });
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from([Buffer.alloc(MB, 1), Buffer.alloc(MB, 2), Buffer.alloc(MB, 3)]),
      progressStream(p),
      async (src: AsyncIterable<Buffer>) => {
        for await (const c of src) chunks.push(c);
      },
    );
    expect(
      Buffer.concat(chunks).equals(
        Buffer.concat([Buffer.alloc(MB, 1), Buffer.alloc(MB, 2), Buffer.alloc(MB, 3)]),
      ),
    ).toBe(true);
    const lines = logger.text().trim().split('\n');
    expect(lines[0]).toMatch(/^download: 1\.0 MB of 3\.0 MB \(33 %\)/);
    expect(lines.at(-1)).toMatch(/^download: 3\.0 MB, .* in \d+ s$/);
  });
});
