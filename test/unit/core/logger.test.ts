import { describe, expect, it } from 'vitest';
import { ConsoleLogger, formatDuration, MemoryLogger } from '../../../src/core/logger.js';
import { SecretRegistry } from '../../../src/core/redact.js';

describe('ConsoleLogger', () => {
  it('JSON mode writes one parseable object per line with time, level and msg', async () => {
    const lines: string[] = [];
    const log = new ConsoleLogger({
      json: true,
      debug: true,
      write: (l) => lines.push(l),
      secrets: new SecretRegistry(),
    });
    log.info('hello');
    log.warn('careful', { file: 'a.yml', startLine: 3 });
    log.debug('details');
    await log.group('step', async () => log.error('bad\nsecond line'));
    const objs = lines.map((l) => JSON.parse(l));
    expect(objs.map((o) => o.level)).toEqual(['info', 'warning', 'debug', 'info', 'error', 'info']);
    expect(objs[0]).toMatchObject({ level: 'info', msg: 'hello' });
    expect(objs[1]).toMatchObject({ msg: 'careful', file: 'a.yml', startLine: 3 });
    expect(objs[4].msg).toBe('bad\nsecond line');
    expect(objs[5].msg).toMatch(/^✔ step \(\d+ ms\)$/);
    for (const o of objs) expect(Number.isNaN(Date.parse(o.time))).toBe(false);
  });

  it('text mode indents inside groups, prefixes levels, and hides debug unless enabled', async () => {
    const lines: string[] = [];
    const log = new ConsoleLogger({
      debug: false,
      write: (l) => lines.push(l),
      secrets: new SecretRegistry(),
    });
    await log.group('deploy', async () => {
      log.info('inside');
      log.warn('w');
      log.debug('hidden');
    });
    expect(lines[0]).toBe('▶ deploy');
    expect(lines[1]).toBe('  inside');
    expect(lines[2]).toBe('  warning: w');
    expect(lines).not.toContain('  debug: hidden');
  });

  it('masks registered secrets in every level and in JSON mode', () => {
    const secrets = new SecretRegistry();
    const log = new MemoryLogger({ secrets, json: true });
    log.setSecret('hunter2-secret');
    log.debug('token hunter2-secret');
    log.error(`b64 ${Buffer.from('hunter2-secret').toString('base64')}`);
    expect(log.text()).not.toContain('hunter2');
    expect(log.text()).not.toContain(Buffer.from('hunter2-secret').toString('base64'));
    expect(log.lines).toHaveLength(2);
  });

  it('formats durations for humans', () => {
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});
