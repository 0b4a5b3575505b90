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

  it('on a terminal: the line is redrawn in place and cleared before the closing log line', () => {
    let t = 0;
    const logger = new MemoryLogger();
    const out: string[] = [];
    const p = new Progress({
      label: 'restore',
      unit: 'bytes',
      total: 100 * MB,
      logger,
      tty: true,
      write: (s) => out.push(s),
      now: () => t,
    });
    t = 1000;
    p.update(25 * MB);
    t = 1100;
    p.update(30 * MB); // within 200 ms of the last redraw: skipped
    t = 2000;
    p.update(50 * MB);
    p.finish();
    expect(out).toEqual([
      '\rrestore: 25.0 MB of 100.0 MB (25 %), 25.0 MB/s, ETA 3 s\x1b[K',
      '\rrestore: 50.0 MB of 100.0 MB (50 %), 25.0 MB/s, ETA 2 s\x1b[K',
      '\r\x1b[K',
    ]);
    expect(logger.text().trim()).toBe('restore: 50.0 MB, 25.0 MB/s in 2 s');
  });
});

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
