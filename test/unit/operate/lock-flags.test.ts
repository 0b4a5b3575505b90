import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parseReason } from '../../../src/operate/flags.js';

describe('--reason of ragship lock release', () => {
  it('keeps one trimmed line', () => {
    expect(parseReason('  runner died in deploy 42 ')).toBe('runner died in deploy 42');
  });

  it.each([
    [undefined, /is required/],
    ['   ', /is required/],
    ['two\nlines', /one line of at most 200 characters/],
    ['x'.repeat(201), /one line of at most 200 characters/],
  ])('%j is a usage error naming --reason', (value, message) => {
    expect(() => parseReason(value)).toThrow(ConfigError);
    expect(() => parseReason(value)).toThrow(message);
    expect(() => parseReason(value)).toThrow(/--reason/);
  });
});
