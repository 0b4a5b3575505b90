// The CLI door, in process: flags named as the action inputs, old spellings as hidden aliases,
// option-like values refused, exit 2 and a JSON error document for every input error.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { buildProgram, main } from '../../../src/cli/program.js';

const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
const CONFIG = new URL('../../../example-app/ragship.yml', import.meta.url).pathname;

let out: string;
let err: string;
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
    out += String(c);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((c) => {
    err += String(c);
    return true;
  });
  vi.stubEnv('RAGSHIP_SSH_PRIVATE_KEY', KEY);
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

describe('option values that look like options are refused', () => {
  test('`deploy --environment --version` exits 2 and prints no version', async () => {
    expect(await main(['deploy', '--environment', '--version', '--image', 'x'])).toBe(2);
    expect(out).not.toMatch(/^\d+\.\d+\.\d+/m);
    expect(err).toMatch(/--environment: needs a value, but the next word is the option "--version"/);
  });
  test('the old spelling too: `releases --env --help`', async () => {
    expect(await main(['releases', '--env', '--help'])).toBe(2);
  });
  test('a value that starts with "-" is given with =', async () => {
    // --reason=-x is taken as the value; the run then stops at the missing config (exit 2).
    expect(
      await main(['rollback', '--environment', 'production', '--reason=-x', '--config', '/nonexistent.yml']),
    ).toBe(2);
    expect(err).toMatch(/nonexistent\.yml: cannot be read/);
  });
});

describe('environment names are looked up as own keys only', () => {
  test.each(['__proto__', 'constructor', 'toString'])(
    '--environment %s is a clean error (exit 2)',
    async (name) => {
      expect(await main(['--json', 'releases', '--environment', name, '--config', CONFIG])).toBe(2);
      const doc = JSON.parse(out);
      expect(doc.ok).toBe(false);
      expect(doc.error.kind).toBe('usage');
      expect(doc.error.where).toBe('--environment');
      expect(err).not.toMatch(/ragship bug|TypeError/);
    },
  );
});

describe('flags are the action inputs; old spellings still work', () => {
  test('--env and --environment with different values is an error', async () => {
    expect(
      await main(['releases', '--env', 'staging', '--environment', 'production', '--config', CONFIG]),
    ).toBe(2);
    expect(err).toMatch(/--environment: is given twice with different values/);
  });
  test('--dry-run flase is an error, not false', async () => {
    expect(
      await main([
        'deploy',
        '--environment',
        'staging',
        '--image',
        'a/b:1',
        '--dry-run',
        'flase',
        '--config',
        CONFIG,
      ]),
    ).toBe(2);
    expect(err).toMatch(/--dry-run: "flase" is not a boolean — use true or false/);
  });
  test('--block-older-schema with --allow-older-schema true is a conflict', async () => {
    expect(
      await main([
        'rollback',
        '--environment',
        'staging',
        '--allow-older-schema',
        'true',
        '--block-older-schema',
        '--config',
        CONFIG,
      ]),
    ).toBe(2);
    expect(err).toMatch(/--allow-older-schema/);
  });
  test('--help lists the action names, not the old spellings', () => {
    const program = buildProgram(() => {
      throw new Error('not run');
    });
    const help = (verb: string) => program.commands.find((c) => c.name() === verb)!.helpInformation();
    expect(help('deploy')).toMatch(/--environment <name>/);
    expect(help('deploy')).toMatch(/--host-fingerprints/);
    expect(help('deploy')).toMatch(/--ssh-private-key-file/);
    expect(help('deploy')).not.toMatch(/--env <|--fingerprint |--ssh-key-file/);
    expect(help('rollback')).toMatch(/--allow-older-schema/);
    expect(help('rollback')).not.toMatch(/--block-older-schema/);
    expect(help('build')).toMatch(/--build-args[\s\S]*--tags[\s\S]*--no-cache \[true\|false\]/);
    expect(help('provision')).toMatch(/--host-fingerprints[\s\S]*--connect-timeout-seconds/);
    expect(help('backup')).toMatch(/--encryption-passphrase-file/);
  });
  test('no error text names a flag that does not exist', async () => {
    vi.stubEnv('RAGSHIP_SSH_PRIVATE_KEY', '');
    expect(await main(['host-check', '--hosts', 'deploy@127.0.0.1'])).toBe(2);
    const flags = [...err.matchAll(/--[a-z-]+/g)].map((m) => m[0]);
    expect(flags.length).toBeGreaterThan(0);
    const program = buildProgram(() => {
      throw new Error('not run');
    });
    const known = new Set(
      program.commands.find((c) => c.name() === 'host-check')!.options.map((o) => o.long),
    );
    for (const f of flags) expect(known.has(f), f).toBe(true);
  });
});

describe('user-caused failures are user errors (no "ragship bug")', () => {
  test('a public key as --ssh-private-key-file: exit 2, the cause and the fix', async () => {
    vi.stubEnv('RAGSHIP_SSH_PRIVATE_KEY', '');
    const pub = '/tmp/ragship-unit-cli-flags.pub';
    (await import('node:fs')).writeFileSync(
      pub,
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@laptop\n',
    );
    try {
      expect(
        await main(['--json', 'host-check', '--hosts', 'deploy@127.0.0.1', '--ssh-private-key-file', pub]),
      ).toBe(2);
    } finally {
      (await import('node:fs')).rmSync(pub, { force: true });
    }
    expect(JSON.parse(out).error).toMatchObject({
      kind: 'usage',
      where: '--ssh-private-key-file',
      exitCode: 2,
    });
    expect(err).toMatch(/holds a public key, not a private key/);
    expect(err).not.toMatch(/ragship bug/);
  });
});
