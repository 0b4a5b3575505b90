import { describe, expect, it } from 'vitest';
import {
  CommandError,
  ConfigError,
  errorMessage,
  isUserError,
  tail,
  UserError,
} from '../../../src/core/errors.js';

describe('errors', () => {
  it('a UserError says where, what and the fix', () => {
    const e = new UserError("input 'hosts'", 'is required but empty', 'set `hosts:` under `with:`');
    expect(e.message).toBe("input 'hosts': is required but empty — set `hosts:` under `with:`");
    expect(e.where).toBe("input 'hosts'");
    expect(e.fix).toBe('set `hosts:` under `with:`');
    expect(e.name).toBe('UserError');
    expect(isUserError(e)).toBe(true);
    expect(isUserError(new Error('bug'))).toBe(false);
  });

  it('a ConfigError is a UserError (the CLI maps it to exit 2)', () => {
    const e = new ConfigError('config.yml deploy.hosts', 'must not be empty', 'list at least one host');
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe('config.yml deploy.hosts: must not be empty — list at least one host');
  });

  it('a CommandError names the command, the exit status and the stderr tail', () => {
    const e = new CommandError('docker compose up', 3, 'error: port in use', 'web-1');
    expect(e.message).toBe('web-1: `docker compose up` exited with status 3:\nerror: port in use');
    expect(e.exitCode).toBe(3);
    const lost = new CommandError('sleep 30', null, '', 'web-1', 'KILL');
    expect(lost.message).toMatch(/ended without an exit status \(signal KILL\)/);
    expect(lost.message).toMatch(/connection or process was lost/);
  });

  it('tail keeps the last lines; errorMessage handles non-errors', () => {
    expect(tail('a\nb\nc\n', 2)).toBe('b\nc');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(new Error('x'))).toBe('x');
  });
});
