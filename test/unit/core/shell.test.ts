import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandLine, quote } from '../../../src/core/shell.js';

/** Runs a command line through a real POSIX sh and returns its argv as the shell split it. */
function shellSplits(line: string): string[] {
  const out = execFileSync('sh', ['-c', `${line}`], { encoding: 'buffer' });
  return out.toString('utf8').split('\0').slice(0, -1);
}

const nasty = [
  "it's",
  '$HOME',
  '`id`',
  '\\',
  '"',
  'ünïcødé ✓',
  'line1\nline2',
  '',
  ' lead',
  'a b',
  '*',
  '$(id)',
  "'",
  "''",
  '!x',
  '~',
  '#c',
  ';',
  '&&',
];

describe('shell quoting', () => {
  it.each(nasty)('quote(%j) survives sh byte-identical', (arg) => {
    expect(shellSplits(`printf '%s\\0' ${quote(arg)}`)).toEqual([arg]);
  });

  it('leaves safe words bare and single-quotes everything else', () => {
    expect(quote('docker')).toBe('docker');
    expect(quote('ghcr.io/acme/app:v1.2@sha256:ab')).toBe('ghcr.io/acme/app:v1.2@sha256:ab');
    expect(quote('')).toBe("''");
    expect(quote("it's")).toBe(`'it'\\''s'`);
    expect(quote('$HOME')).toBe("'$HOME'");
  });

  it('commandLine keeps every argv element one argument', () => {
    expect(shellSplits(commandLine(['printf', '%s\\0', 'a b', '$x', "q'q"]))).toEqual(['a b', '$x', "q'q"]);
    expect(() => commandLine([])).toThrow(/empty argv/);
  });
});
