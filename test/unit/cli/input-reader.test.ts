// One input reader for both doors: the same names, the same boolean and number grammar, the
// same limits; errors name the input as the door the user came through names it.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { readBackupJob } from '../../../src/backup/inputs.js';
import { readBuildPushInputs } from '../../../src/build/inputs.js';
import { ConfigError } from '../../../src/core/errors.js';
import { InputReader, isPublicKey, parseBool, recordSource } from '../../../src/core/input-reader.js';
import { readRollbackOnly } from '../../../src/deploy/inputs.js';

const action = (v: Record<string, string | string[]>) => new InputReader(recordSource('action', v));
const cli = (v: Record<string, string | string[]>) => new InputReader(recordSource('cli', v));

function error(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('booleans parse one strict way in both doors', () => {
  test.each(['true', 'True', 'TRUE'])('%s is true', (v) => expect(parseBool(v, 'x')).toBe(true));
  test.each(['false', 'False', 'FALSE'])('%s is false', (v) => expect(parseBool(v, 'x')).toBe(false));
  test.each(['flase', 'yes', '1', 'on', 'no', '0', 'ture'])('%s is an error', (v) =>
    expect(() => parseBool(v, 'x')).toThrow(/is not a boolean — use true or false/),
  );

  test('`verify: flase` fails the backup in the action and on the CLI, naming the input in that door', () => {
    const base = { environment: 'prod', bucket: 'b', 'encryption-passphrase': 'p', verify: 'flase' };
    expect(error(() => readBackupJob(action(base))).message).toMatch(
      /^input 'verify': "flase" is not a boolean/,
    );
    expect(error(() => readBackupJob(cli(base))).message).toMatch(/^--verify: "flase" is not a boolean/);
  });

  test('allow-older-schema false blocks an older schema, in both doors alike', () => {
    expect(readRollbackOnly(action({ 'allow-older-schema': 'false' })).blockOnOlderSchema).toBe(true);
    expect(readRollbackOnly(cli({ 'allow-older-schema': 'false' })).blockOnOlderSchema).toBe(true);
    expect(readRollbackOnly(cli({})).blockOnOlderSchema).toBe(false);
    expect(() => readRollbackOnly(cli({ 'allow-older-schema': 'nope' }))).toThrow(/--allow-older-schema/);
  });
});

describe('the same limits in both doors', () => {
  const base = { environment: 'prod', bucket: 'b', 'encryption-passphrase': 'p' };
  test.each([
    ['max-size-gb', '50001'],
    ['stop-timeout-seconds', '3601'],
    ['health-timeout-seconds', '0'],
    ['page-size', '5001'],
    ['keep-last', '0'],
    ['max-size-gb', '12abc'],
  ])('%s = %s is refused by the action and by the CLI', (name, value) => {
    const a = error(() => readBackupJob(action({ ...base, [name]: value })));
    const c = error(() => readBackupJob(cli({ ...base, [name]: value })));
    expect(a.where).toBe(`input '${name}'`);
    expect(c.where).toBe(`--${name}`);
    expect(a.message.replace(a.where, '')).toBe(c.message.replace(c.where, ''));
  });
});

describe('errors use the words of the door', () => {
  test('a missing required input says how to set it there', () => {
    expect(error(() => readBackupJob(action({ bucket: 'b' }))).message).toMatch(
      /^input 'environment': is required — set `environment:/,
    );
    expect(error(() => readBackupJob(cli({ bucket: 'b' }))).message).toMatch(
      /^--environment: is required — pass --environment production/,
    );
  });

  test('a value not in the list names the input', () => {
    const base = { environment: 'prod', bucket: 'b', 'encryption-passphrase': 'p' };
    expect(error(() => readBackupJob(cli({ ...base, mode: 'hot' }))).message).toMatch(
      /^--mode: "hot" is not one of physical, logical/,
    );
    expect(error(() => readBackupJob(action({ ...base, 'checksum-mode': 'x' }))).where).toBe(
      "input 'checksum-mode'",
    );
  });

  test('a build input error names --build-args on the CLI and build-args in the action', () => {
    const door = { git: { eventName: 'push', ref: '', sha: '' }, tempDir: '/tmp', secrets: {} } as never;
    const c = error(() =>
      readBuildPushInputs(cli({ image: 'a/b', 'build-args': ['NOEQUALS'] }), {
        ...(door as object),
        cacheDefault: 'none',
      } as never),
    );
    expect(c.message).toMatch(/^--build-args\[0\]: "NOEQUALS" is not KEY=value/);
    const a = error(() =>
      readBuildPushInputs(action({ image: 'a/b', 'build-args': 'NOEQUALS' }), {
        ...(door as object),
        cacheDefault: 'gha',
      } as never),
    );
    expect(a.message).toMatch(/^input 'build-args'\[0\]/);
  });
});

describe('a public key given as the private key is refused before any connection', () => {
  const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@laptop';
  test.each([
    pub,
    `restrict,command="x" ${pub}`,
    '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----',
  ])('%s is a public key', (k) => expect(isPublicKey(k)).toBe(true));
  test('a private key is not', () =>
    expect(
      isPublicKey('-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----'),
    ).toBe(false));
  test('the error names the input and the fix in both doors', () => {
    expect(error(() => action({ 'ssh-private-key': pub }).privateKey('ssh-private-key')).message).toMatch(
      /^input 'ssh-private-key': holds a public key, not a private key — give the private key: the file without \.pub/,
    );
    expect(error(() => cli({ 'ssh-private-key': pub }).privateKey('ssh-private-key')).where).toBe(
      '--ssh-private-key-file',
    );
  });
});

describe('cli door source', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.RAGSHIP_ENCRYPTION_PASSPHRASE;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.RAGSHIP_ENCRYPTION_PASSPHRASE;
    else process.env.RAGSHIP_ENCRYPTION_PASSPHRASE = saved;
    vi.restoreAllMocks();
  });
  test('a secret comes from --NAME-file or the documented variable, the old variable still works', async () => {
    const { Command } = await import('commander');
    const { cliReader } = await import('../../../src/cli/options.js');
    const cmd = new Command('x').option('--encryption-passphrase-file <p>');
    cmd.parse([], { from: 'user' });
    const env = { RAGSHIP_BACKUP_PASSPHRASE: 'old-name' };
    expect(cliReader(cmd, env).secret('encryption-passphrase')).toBe('old-name');
    expect(
      cliReader(cmd, { ...env, RAGSHIP_ENCRYPTION_PASSPHRASE: 'new' }).secret('encryption-passphrase'),
    ).toBe('new');
    expect(error(() => cliReader(cmd, {}).secret('encryption-passphrase', { required: true })).message).toBe(
      '--encryption-passphrase-file: is required — pass --encryption-passphrase-file PATH or set RAGSHIP_ENCRYPTION_PASSPHRASE',
    );
  });
});

describe('the action door reads with: inputs through the same reader', () => {
  afterEach(() => vi.unstubAllEnvs());
  test('INPUT_VERIFY=flase fails the backup action with the input named', async () => {
    const { actionInputs } = await import('../../../src/github/inputs.js');
    vi.stubEnv('INPUT_ENVIRONMENT', 'prod');
    vi.stubEnv('INPUT_BUCKET', 'b');
    vi.stubEnv('INPUT_ENCRYPTION-PASSPHRASE', 'p');
    vi.stubEnv('INPUT_VERIFY', 'flase');
    expect(error(() => readBackupJob(actionInputs)).message).toBe(
      `input 'verify': "flase" is not a boolean — use true or false`,
    );
    vi.stubEnv('INPUT_VERIFY', 'false');
    expect(readBackupJob(actionInputs).verify).toBe(false);
  });
});
