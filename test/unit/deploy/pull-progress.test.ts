import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import {
  PullMeter,
  parseSize,
  prefetchProgress,
  pullProgress,
  tqdmStatus,
} from '../../../src/deploy/pull-progress.js';

describe('image pull progress read from the pull output', () => {
  it.each([
    ['12.3MB', 12_300_000],
    ['512kB', 512_000],
    ['1.5GB', 1_500_000_000],
    ['900B', 900],
    ['junk', 0],
  ])('%s is %d bytes (decimal, as docker prints them)', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('compose v2 / terminal output: layers done of seen, MB done of known, split across chunks', () => {
    const m = new PullMeter(1);
    m.feed(' aaaaaaaaaaaa Already exists\n bbbbbbbbbbbb Pulling fs layer\n cccccccccccc Downl');
    m.feed('oading [==>        ]  1MB/4MB\r\x1b[2K bbbbbbbbbbbb Downloading [=====>    ]  5MB/10MB\n');
    expect(m.summary()).toBe('1 of 3 layers (1 already present), 6.0 MB of 14.0 MB');
    m.feed('bbbbbbbbbbbb: Download complete\nbbbbbbbbbbbb: Pull complete\n');
    expect(m.summary()).toBe('2 of 3 layers (1 already present), 11.0 MB of 14.0 MB');
  });

  it('non-TTY docker pull (states only): layers, no MB', () => {
    const m = new PullMeter(1);
    m.feed('1234567890ab: Pulling fs layer\n1234567890ab: Pull complete\nabcdefabcdef: Waiting\n');
    expect(m.summary()).toBe('1 of 2 layers');
    expect(m.bytes().total).toBeUndefined();
  });

  it('docker-compose v1 (service lines): images done of asked for', () => {
    const m = new PullMeter(2);
    m.feed('Pulling app     ... \nPulling migrate ... \nPulling app     ... done\n');
    expect(m.summary()).toBe('1 of 2 image(s)');
  });

  it('one line per host every interval while pulling, then a closing line (also for a line without a newline)', () => {
    let t = 0;
    const logger = new MemoryLogger();
    const p = pullProgress('deploy@cpu:22', 2, logger, { tty: false, intervalMs: 5000, now: () => t });
    t = 6000;
    p.onOutput(' aaaaaaaaaaaa Downloading [==>   ]  10MB/40MB\n');
    t = 7000;
    p.onOutput(' aaaaaaaaaaaa Downloading [===>  ]  20MB/40MB\n'); // within the interval: no line
    t = 12_000;
    p.onOutput('Pulling app ... done');
    p.finish();
    expect(logger.lines).toEqual([
      'deploy@cpu:22 pull: 0 of 1 layers, 10.0 MB of 40.0 MB, 1.7 MB/s, ETA 18 s, 6 s elapsed',
      'deploy@cpu:22 pull: 0 of 1 layers, 20.0 MB of 40.0 MB, 1.7 MB/s, ETA 12 s, 12 s elapsed',
      'deploy@cpu:22 pull: 0 of 1 layers, 20.0 MB of 40.0 MB in 12 s',
    ]);
    expect(p.meter.servicesDone.has('app')).toBe(true);
  });

  it("model prefetch: the last tqdm bar's numbers, a line per interval, a closing line", () => {
    expect(tqdmStatus('model.safetensors:  45%|████▌     | 2.15G/4.50G [00:10<00:12, 200MB/s]')).toBe(
      '45 %, 2.1 GB of 4.5 GB',
    );
    expect(tqdmStatus('Fetching 5 files: no bar here')).toBeUndefined();
    let t = 0;
    const logger = new MemoryLogger();
    const p = prefetchProgress('gpu', logger, { tty: false, intervalMs: 5000, now: () => t });
    t = 6000;
    p.onOutput('model.safetensors:  10%|█         | 450M/4.50G [00:06<01:00, 75MB/s]\r');
    t = 9000;
    p.finish();
    expect(logger.lines).toEqual([
      'gpu prefetch: 10 %, 0.5 GB of 4.5 GB, 6 s elapsed',
      'gpu prefetch: done in 9 s',
    ]);
  });
});
