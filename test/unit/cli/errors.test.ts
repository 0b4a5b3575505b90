// Failures caused by the user's input or environment, thrown by libraries as plain errors,
// become user errors naming the cause and the fix, in the words of the door.
import { describe, expect, test } from 'vitest';
import { asUserError, ConfigError, errorDocument, exitCodeOf, UserError } from '../../../src/core/errors.js';

const sysError = (code: string, extra: Record<string, unknown>) =>
  Object.assign(new Error(`${code} boom`), { code, ...extra });

describe('asUserError', () => {
  test('ECONNREFUSED names the address and what to check', () => {
    const e = asUserError(sysError('ECONNREFUSED', { address: '127.0.0.1', port: 9000 })) as UserError;
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(
      'connection to 127.0.0.1:9000: the connection was refused — check that the service runs and listens there, and that the host and port are right',
    );
  });
  test('a refused connection inside fetch (cause) and AggregateError is found', () => {
    const inner = sysError('ECONNREFUSED', { address: '::1', port: 9000 });
    expect(asUserError(new TypeError('fetch failed', { cause: inner }))).toBeInstanceOf(UserError);
    expect(asUserError(new AggregateError([inner], 'x'))).toBeInstanceOf(UserError);
  });
  test('DNS failure names the host name', () => {
    const e = asUserError(sysError('ENOTFOUND', { hostname: 's3.exmaple.com' })) as UserError;
    expect(e.message).toMatch(
      /^connection to s3\.exmaple\.com: the host name does not resolve — check the spelling/,
    );
  });
  test("missing AWS credentials: the fix in the door's words", () => {
    const err = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect((asUserError(err, 'cli') as UserError).fix).toMatch(
      /export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    expect((asUserError(err, 'action') as UserError).fix).toMatch(
      /inputs aws-access-key-id and aws-secret-access-key/,
    );
  });
  test('an unparsable key is an input error (exit 2) naming the flag or input', () => {
    const err = new Error('Cannot parse privateKey: Unsupported key format');
    expect(exitCodeOf(asUserError(err, 'cli'))).toBe(2);
    expect((asUserError(err, 'cli') as UserError).where).toBe('--ssh-private-key-file');
    expect((asUserError(err, 'action') as UserError).where).toBe("input 'ssh-private-key'");
  });
  test('anything else stays a bug', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'roles')");
    expect(asUserError(bug)).toBe(bug);
    expect(errorDocument(bug)).toMatchObject({ kind: 'bug', exitCode: 1 });
  });
  test('the --json error document carries where, message, fix and the exit code', () => {
    expect(errorDocument(new ConfigError('--tail', '"x" is not a number', 'use digits'))).toEqual({
      kind: 'usage',
      where: '--tail',
      message: '--tail: "x" is not a number — use digits',
      fix: 'use digits',
      exitCode: 2,
    });
  });
});
