import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { sandbox } from '../../support/sandbox.js';
import { cleanup, deployInputs, fixtureConfig, fixtureImages, fixtureYaml } from '../deploy/fixture.js';

// Real parts: the ragship CLI process, the sandbox "cpu" sshd host, docker-compose 1.29 and the
// deployed fixture app. `exec -i` gets piped stdin; `exec -it` is driven through a real
// pseudo-terminal made by util-linux `script`, so the CLI sees a TTY on stdin (raw mode).
const APP = 'rsexecit-it';
const PORT = 18793;
const ROOT = new URL('../../..', import.meta.url).pathname;
const SECRET = 'it-secret-Zr8vK2mQ4';
const repo = mkdtempSync(join(tmpdir(), 'ragship-exec-it-'));

beforeAll(async () => {
  await cleanup(APP);
  const images = await fixtureImages(['v1']);
  await runDeploy(deployInputs(fixtureConfig(APP, PORT), images.v1!, { OP_TOKEN: SECRET }), {
    logger: new MemoryLogger(),
  });
  writeFileSync(join(repo, 'ragship.yml'), fixtureYaml(APP, PORT));
});
afterAll(() => cleanup(APP));

const flags = () => [
  'exec',
  '--env',
  'staging',
  '--ssh-key-file',
  sandbox().ssh.privateKeyPath,
  '--known-hosts-file',
  sandbox().ssh.knownHostsPath,
];
const cliArgv = (args: string[]) => [
  join(ROOT, 'node_modules/.bin/tsx'),
  join(ROOT, 'src/cli/main.ts'),
  ...args,
];
const env = { ...process.env, RAGSHIP_SSH_PRIVATE_KEY: '', CI: '' };

/** Runs argv with `input` on stdin; resolves with the exit code and the output. */
function run(
  argv: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: repo, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('ragship exec -i / -it', () => {
  it('-i pipes stdin to a one-off container: the command reads it, its exit code comes back, secrets masked', async () => {
    const r = await run(
      cliArgv([
        ...flags(),
        '-i',
        '--',
        'sh',
        '-c',
        'read a; read b; echo "got $a+$b"; echo "tok=$OP_TOKEN"; [ -t 0 ] && echo tty || echo notty; exit 7',
      ]),
      'hello\nworld\n',
    );
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(7);
    expect(r.stdout).toContain('got hello+world');
    expect(r.stdout).toContain('notty');
    expect(r.stdout).toContain('tok=***');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('--in-running -i reads stdin inside the running container until EOF', async () => {
    const r = await run(
      cliArgv([...flags(), '--in-running', '-i', '--', 'sh', '-c', 'wc -l; exit 4']),
      'a\nb\nc\n',
    );
    expect(r.code).toBe(4);
    expect(r.stdout.trim()).toBe('3');
  });

  it('-it through a pseudo-terminal: the container gets a TTY, reads the typed line, the exit code comes back', async () => {
    const cmd = cliArgv([
      ...flags(),
      '-it',
      '--',
      'sh',
      '-c',
      '[ -t 0 ] && echo "stdin-is-a-tty"; read x; echo "typed:$x"; exit 5',
    ])
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    // script -e: exit with the child's status; -q: no banner; the typed line goes in through the pty.
    const r = await new Promise<{ code: number | null; out: string }>((resolve) =>
      execFile('script', ['-qec', cmd, '/dev/null'], { cwd: repo, env }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stdout }),
      ).stdin?.end('abc\n'),
    );
    expect(r.out).toContain('stdin-is-a-tty');
    expect(r.out).toContain('typed:abc');
    expect(r.code).toBe(5);
  });

  it('-t without -i is a usage error (exit 2) naming the flag', async () => {
    const r = await run(cliArgv([...flags(), '-t', '--', 'true']), '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/-t.*needs -i/);
  });
});
