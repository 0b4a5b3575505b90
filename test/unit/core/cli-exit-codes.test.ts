import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../..', import.meta.url).pathname;
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const KEY = join(mkdtempSync(join(tmpdir(), 'ragship-core-cli-')), 'id_ed25519');

function ragship(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [join(ROOT, 'src/cli/main.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, RAGSHIP_SSH_PRIVATE_KEY: '' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

type Run = { code: number | null; stdout: string; stderr: string };

// Every case is a real process (tsx startup dominates); they run two at a time up front so the
// file stays quick on a 2-core machine, and each test then asserts on its own result.
const cases: Record<string, string[]> = {
  help: ['--help'],
  version: ['--version'],
  unknownOption: ['--no-such-flag'],
  unknownVerb: ['frobnicate'],
  hostileHost: ['host-check', '--host', 'x; rm -rf /', '--ssh-key-file', join(ROOT, 'package.json')],
  missingSecret: ['host-check', '--host', 'deploy@127.0.0.1:18597'],
  badKey: [
    'host-check',
    '--host',
    'deploy@127.0.0.1:18597',
    '--ssh-key-file',
    join(ROOT, 'package.json'),
    '--fingerprint',
    `SHA256:${'A'.repeat(43)}`,
  ],
  runtimeFailure: [
    '--json',
    'host-check',
    '--host',
    'deploy@127.0.0.1:18597',
    '--ssh-key-file',
    KEY,
    '--fingerprint',
    `SHA256:${'A'.repeat(43)}`,
    '--connect-timeout',
    '2',
  ],
};
const results: Record<string, Run> = {};

beforeAll(async () => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', KEY]);
  const names = Object.keys(cases);
  const worker = async () => {
    for (let name = names.shift(); name; name = names.shift()) results[name] = await ragship(cases[name]!);
  };
  await Promise.all([worker(), worker()]);
}, 180_000);

describe('ragship CLI exit codes (npx tsx src/cli/main.ts)', () => {
  it('--help exits 0 and lists the verbs', () => {
    const r = results.help!;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: ragship');
    expect(r.stdout).toContain('host-check');
  });

  it('--version exits 0 and prints the package version', () => {
    const r = results.version!;
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('an unknown option is a usage error: exit 2', () => {
    const r = results.unknownOption!;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it('an unknown verb is a usage error: exit 2', () => {
    expect(results.unknownVerb!.code).toBe(2);
  });

  it('a hostile host value is a config error naming the input: exit 2, before any connection', () => {
    const r = results.hostileHost!;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('hosts[0]');
    expect(r.stderr).toContain('"x; rm -rf /"');
  });

  it('a missing secret is a config error saying how to pass it: exit 2', () => {
    const r = results.missingSecret!;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--ssh-private-key-file PATH or set RAGSHIP_SSH_PRIVATE_KEY/);
  });

  it('an unreadable private key is a config error naming the key, not a crash: exit 2', () => {
    const r = results.badKey!;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/private key: cannot be read/);
    expect(r.stderr).not.toMatch(/ragship bug/);
  });

  it('a failure at run time (nothing listens on the port) exits 1, and --json logs are JSON lines', () => {
    const r = results.runtimeFailure!;
    expect(r.code).toBe(1);
    const lines = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ level: 'error' });
    expect(lines.at(-1).msg).toMatch(/127\.0\.0\.1:18597: cannot connect/);
  });
});
