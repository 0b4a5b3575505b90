// Real parts: the sandbox sshd "cpu" (127.0.0.1:2201, user deploy) from `scripts/sandbox up`.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError, UserError } from '../../../src/core/errors.js';
import type { RemoteHost } from '../../../src/core/remote-host.js';
import { parentPids } from '../../support/process.js';
import { connectSandboxHost, sandboxHost } from '../../support/sandbox.js';

let host: RemoteHost;
let workdir: string;

beforeAll(async () => {
  host = connectSandboxHost('cpu');
  workdir = (await host.exec(['mktemp', '-d', '/tmp/ragship-core-exec.XXXXXX'])).stdout.trim();
});
afterAll(async () => {
  await host.exec(['rm', '-rf', workdir]).catch(() => undefined);
  host.close();
});

describe('RemoteHost.exec quoting round-trip (sshd cpu)', () => {
  // Exactly 100 KiB of UTF-8 mixing every troublesome character (one quote per unit: each
  // becomes 4 bytes when quoted, and the whole command line must stay under Linux's 128 KiB).
  const unit = 'ab$`\\"\n é✓ $(id) ${HOME} it\'s * ; | & '.padEnd(100, 'z');
  let big = unit.repeat(Math.ceil((100 * 1024) / Buffer.byteLength(unit)));
  while (Buffer.byteLength(big) > 100 * 1024) big = big.slice(0, -1);
  big = big.padEnd(big.length + (100 * 1024 - Buffer.byteLength(big)), 'z');
  const cases: Array<[string, string]> = [
    ['single quote', "it's"],
    ['$HOME', '$HOME'],
    ['backticks', '`id`'],
    ['backslash', '\\'],
    ['double quote', '"'],
    ['unicode', 'ünïcødé ✓ 日本 🚀'],
    ['newline', 'line1\nline2\n'],
    ['glob and separators', '* ; && | > /tmp/x $(id)'],
    ['empty', ''],
    ['100 KB mixed argument', big],
  ];
  it.each(cases)('%s arrives byte-identical (echoed back by printf)', async (_name, arg) => {
    const r = await host.exec(['printf', '%s', arg]);
    expect(Buffer.from(r.stdout).equals(Buffer.from(arg))).toBe(true);
  });

  it('the 100 KB argument really is 100 KiB of UTF-8', () => {
    expect(Buffer.byteLength(big)).toBe(100 * 1024);
  });

  it('a command line beyond the 128 KiB Linux limit is refused before sending, saying to use stdin', async () => {
    const err = await host.exec(['printf', '%s', 'x'.repeat(140 * 1024)]).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/command line is 143\d{3} bytes.*131071/);
    expect(err.message).toMatch(/input|upload/);
  });

  it('all of it travels over one SSH connection', () => {
    expect(host.connectionsOpened).toBe(1);
  });
});

describe('RemoteHost failures (sshd cpu)', () => {
  it('a command exiting 3 fails with its status and the tail of its stderr — and is run exactly once', async () => {
    const marker = `${workdir}/runs`;
    const err = await host
      .exec([
        'sh',
        '-c',
        'echo ran >> "$1"; i=0; while [ $i -lt 30 ]; do echo "noise $i" >&2; i=$((i+1)); done; echo "boom: disk full" >&2; exit 3',
        'sh',
        marker,
      ])
      .catch((e) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain('exited with status 3');
    expect(err.message).toContain('boom: disk full');
    expect(err.message).not.toContain('noise 0\n'); // only the tail
    expect((await host.exec(['cat', marker])).stdout).toBe('ran\n'); // a failing command is never retried
    expect(host.connectionsOpened).toBe(1);
  });

  it('allowFailure returns the status instead of throwing', async () => {
    const r = await host.exec(['sh', '-c', 'exit 7'], { allowFailure: true });
    expect(r.code).toBe(7);
  });

  it('exec with input feeds stdin (how secrets reach a host) and writes a 0600 file', async () => {
    const secret = `s3cr3t-${randomBytes(8).toString('hex')}\nwith $dollar and 'quotes'\n`;
    const path = `${workdir}/stdin-secret`;
    await host.exec(['sh', '-c', 'umask 077 && cat > "$1"', 'sh', path], { input: secret });
    expect((await host.readFile(path))?.toString()).toBe(secret);
    expect((await host.exec(['stat', '-c', '%a', path])).stdout.trim()).toBe('600');
  });

  it('a connection killed mid-command (sshd session process killed) rejects and is never success', async () => {
    const killed = connectSandboxHost('cpu');
    const listener = Number(readFileSync(`${sandboxHost('cpu').dir}/sshd.pid`, 'utf8'));
    let pidOfShell = 0;
    const running = killed.exec(['sh', '-c', 'echo $$; exec sleep 30'], {
      onStdout: (c) => {
        pidOfShell ||= Number(c.trim());
      },
    });
    const outcome = running.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    for (let i = 0; i < 100 && !pidOfShell; i++) await new Promise((r) => setTimeout(r, 50));
    expect(pidOfShell).toBeGreaterThan(0);
    // Only the sshd processes of this session (between our shell and the listener).
    const chain = parentPids(pidOfShell);
    expect(chain).toContain(listener);
    const session = chain.slice(0, chain.indexOf(listener));
    expect(session.length).toBeGreaterThan(0);
    const started = Date.now();
    for (const pid of session) process.kill(pid, 'SIGKILL');
    process.kill(pidOfShell, 'SIGKILL');
    const result = await outcome;
    expect(result).not.toBe('resolved');
    expect(result).toBeInstanceOf(CommandError);
    expect((result as CommandError).exitCode).toBeNull();
    expect(Date.now() - started).toBeLessThan(5000);
    killed.close();
  });
});

describe('connect timeout and retry (loopback ports 18510-18511)', () => {
  let silent: Server;
  const accepted: Socket[] = [];
  beforeAll(async () => {
    // Accepts TCP and never speaks SSH: only the connect (handshake) timeout can end it.
    silent = createServer((s) => accepted.push(s));
    await new Promise<void>((r) => silent.listen(18510, '127.0.0.1', r));
  });
  afterAll(() => {
    for (const s of accepted) s.destroy();
    silent.close();
  });

  it('a host that never answers fails within the connect timeout (one attempt)', async () => {
    const h = connectSandboxHost('cpu', { port: 18510, connectTimeoutMs: 1000, connectAttempts: 1 });
    const started = performance.now();
    const err = await h.exec(['true']).catch((e) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/cannot connect: Timed out while waiting for handshake/);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2500);
    expect(h.authAttempted).toBe(false);
  });

  it('only the connect is retried: two attempts open two TCP connections, then the error surfaces', async () => {
    const before = accepted.length;
    const h = connectSandboxHost('cpu', { port: 18510, connectTimeoutMs: 500, connectAttempts: 2 });
    const err = await h.exec(['true']).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(accepted.length - before).toBe(2);
    expect((h as unknown as { options: { logger: { text(): string } } }).options.logger.text()).toMatch(
      /connect attempt 1\/2 failed/,
    );
  });

  it('a refused port fails fast, well inside the connect timeout', async () => {
    const h = connectSandboxHost('cpu', { port: 18511, connectTimeoutMs: 5000, connectAttempts: 1 });
    const started = performance.now();
    const err = await h.exec(['true']).catch((e) => e);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('RemoteHost.execStream (sshd cpu)', () => {
  it('streams 50 MB out of the host with backpressure (no buffering) and byte-identical content', async () => {
    const path = `${workdir}/big`;
    const made = await host.exec([
      'sh',
      '-c',
      'head -c 52428800 /dev/urandom > "$1" && sha256sum "$1"',
      'sh',
      path,
    ]);
    const remoteSha = made.stdout.split(' ')[0];
    const { stdout, done } = await host.execStream(['cat', path]);
    // Nobody reads for a while: the stream must hold back, not swallow 50 MB into memory.
    await new Promise((r) => setTimeout(r, 700));
    expect(stdout.readableLength).toBeLessThan(1024 * 1024);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of stdout) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    await done;
    expect(bytes).toBe(52428800);
    expect(hash.digest('hex')).toBe(remoteSha);
  });

  it('streams stdin into the host (20 MB) and a failing stream command rejects done', async () => {
    const data = randomBytes(20 * 1024 * 1024);
    const { stdout, done } = await host.execStream(['sh', '-c', 'sha256sum | cut -d" " -f1'], {
      input: Readable.from([data.subarray(0, 1e7), data.subarray(1e7)]),
    });
    let out = '';
    for await (const c of stdout) out += c;
    await done;
    expect(out.trim()).toBe(createHash('sha256').update(data).digest('hex'));

    const failing = await host.execStream(['sh', '-c', 'echo partial; echo "tar: broken pipe" >&2; exit 2']);
    const err = await failing.done.catch((e) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err.message).toContain('tar: broken pipe');
  });
});
