import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import {
  parseCommand,
  parseGrep,
  parseHost,
  parseRole,
  parseService,
  parseSince,
  parseTail,
} from '../../../src/operate/flags.js';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('day-2 flag validation (before any connection; the CLI exits 2)', () => {
  it.each([
    ['10m', '10m'],
    ['1h30m', '1h30m'],
    ['2d', '48h'],
    ['1d2h5s', '26h5s'],
    ['45s', '45s'],
    ['2026-12-03', '2026-12-03'],
    ['2026-12-03T09:00:00Z', '2026-12-03T09:00:00Z'],
    ['2026-12-03T09:00:00.123+01:00', '2026-12-03T09:00:00.123+01:00'],
  ])('--since %s → %s', (given, sent) => {
    expect(parseSince(given)).toBe(sent);
  });

  it.each(['yesterday', '10', '-1m', '10m; rm -rf /', '2026-13-45', '10m\n'])(
    '--since %j is refused naming the flag',
    (v) => {
      expect(errorOf(() => parseSince(v)).where).toBe('--since');
    },
  );

  it('--tail: numbers and all; anything else names the flag', () => {
    expect(parseTail('0')).toBe(0);
    expect(parseTail('250')).toBe(250);
    expect(parseTail('all')).toBe('all');
    expect(parseTail(undefined)).toBeUndefined();
    for (const v of ['-3', '1e3', 'ten', '2000000', ' 5'])
      expect(errorOf(() => parseTail(v)).where).toBe('--tail');
  });

  it('--grep compiles locally; a broken pattern names the flag and the parser error', () => {
    expect(parseGrep('GET /health|error')!.test('"GET /health HTTP/1.1"')).toBe(true);
    const e = errorOf(() => parseGrep('(unclosed'));
    expect(e.where).toBe('--grep');
    expect(e.message).toMatch(/not a valid regular expression/);
    expect(errorOf(() => parseGrep('')).where).toBe('--grep');
  });

  it('--service, --role, --host: anchored grammars', () => {
    expect(parseService('app')).toBe('app');
    expect(errorOf(() => parseService('app;id')).where).toBe('--service');
    expect(errorOf(() => parseService('app\n')).where).toBe('--service');
    expect(parseRole('web')).toBe('web');
    expect(errorOf(() => parseRole('Web Role')).where).toBe('--role');
    expect(parseHost('deploy@127.0.0.1:2201')).toBe('deploy@127.0.0.1:2201');
    expect(parseHost('[::1]:22')).toBe('[::1]:22');
    expect(errorOf(() => parseHost('host;reboot')).where).toBe('--host');
  });

  it('the exec command is kept verbatim; empty or NUL is refused', () => {
    const argv = ['sh', '-c', 'echo "$HOME" | wc -c', "it's", ''];
    expect(parseCommand(argv)).toEqual(argv);
    expect(errorOf(() => parseCommand([])).where).toBe('command');
    expect(errorOf(() => parseCommand(['a\0b'])).where).toBe('command argument 1');
    expect(errorOf(() => parseCommand(['x'.repeat(70_000)])).where).toBe('command');
  });
});
