// Real parts: sandbox sshd "cpu" (127.0.0.1:2201, user deploy) with its internal-sftp; `stat`
// and `ps` sample this machine, which is both the client and the host side of the connection.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import type { RemoteHost } from '../../../src/core/remote-host.js';
import { connectSandboxHost, sandboxHost } from '../../support/sandbox.js';

const cpu = sandboxHost('cpu');
let host: RemoteHost;
let logger: MemoryLogger;
let dir: string;

beforeAll(async () => {
  logger = new MemoryLogger({ debug: true });
  host = connectSandboxHost('cpu', { logger });
  dir = (await host.exec(['mktemp', '-d', '/tmp/ragship-core-upload.XXXXXX'])).stdout.trim();
});
afterAll(async () => {
  await host.exec(['rm', '-rf', dir]).catch(() => undefined);
  host.close();
});

interface Samples {
  rounds: number;
  modes: string[];
  secretInArgs: number;
  stop(): Promise<void>;
}

/**
 * Samples, as fast as it can: the mode/owner of every file in `dir` (hidden temp files
 * included) and the argv of every process on the machine, looking for `secret`.
 * The sampler's own argv never contains the secret; the search happens here.
 */
function sample(secretMarker: string): Samples {
  const script =
    'while :; do stat -c "%a %U %n" "$1"/.[!.]* "$1"/* 2>/dev/null; echo "@@ps"; ps -eo args; echo "@@end"; done';
  const child = spawn('bash', ['-c', script, 'sampler', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
  const result: Samples = {
    rounds: 0,
    modes: [],
    secretInArgs: 0,
    stop: () =>
      new Promise((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGKILL');
      }),
  };
  let inPs = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === '@@ps') inPs = true;
    else if (line === '@@end') {
      inPs = false;
      result.rounds++;
    } else if (inPs) {
      if (line.includes(secretMarker)) result.secretInArgs++;
    } else result.modes.push(line);
  });
  return result;
}

describe('upload of a secret file (sshd cpu, SFTP)', () => {
  it('is 0600 from creation to rename, owned by the deploy user, never in any argv nor in debug logs', async () => {
    const marker = `RAGSHIP_CORE_SECRET_${randomBytes(12).toString('hex')}`;
    // 24 MB so the transfer lasts long enough for many samples; the secret sits at both ends.
    const content = Buffer.concat([
      Buffer.from(`API_KEY=${marker}\n`),
      randomBytes(24 * 1024 * 1024),
      Buffer.from(`\nAGAIN=${marker}\n`),
    ]);
    const target = `${dir}/app.env`;
    const samples = sample(marker);
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    await host.upload(target, content);
    const took = performance.now() - started;
    await new Promise((r) => setTimeout(r, 200));
    await samples.stop();

    const temp = samples.modes.filter((l) => l.endsWith('.tmp'));
    // The sampler really watched the transfer: it saw the temporary file, more than once.
    expect(
      temp.length,
      `upload took ${Math.round(took)} ms; ${samples.rounds} sampling rounds`,
    ).toBeGreaterThan(1);
    expect(samples.rounds).toBeGreaterThan(5);
    for (const line of samples.modes) expect(line).toMatch(new RegExp(`^600 ${cpu.user} `));
    expect(samples.secretInArgs).toBe(0);

    const st = await host.exec(['stat', '-c', '%a %U %s', target]);
    expect(st.stdout.trim()).toBe(`600 ${cpu.user} ${content.length}`);
    const remoteSha = (await host.exec(['sha256sum', target])).stdout.split(' ')[0];
    expect(remoteSha).toBe(createHash('sha256').update(content).digest('hex'));
    expect((await host.exec(['ls', '-A', dir])).stdout.trim()).toBe('app.env'); // no temp file left
    expect(logger.text()).not.toContain(marker);
    expect(logger.text()).toContain(cpu.user); // debug was on and did log
  });

  it('a secret sent through stdin is never in any argv or log either', async () => {
    const marker = `RAGSHIP_CORE_STDIN_${randomBytes(12).toString('hex')}`;
    const samples = sample(marker);
    await new Promise((r) => setTimeout(r, 200));
    await host.exec(['sh', '-c', 'umask 077 && cat > "$1" && sleep 1', 'sh', `${dir}/stdin.env`], {
      input: `TOKEN=${marker}\n`,
    });
    await samples.stop();
    expect(samples.rounds).toBeGreaterThan(3);
    expect(samples.secretInArgs).toBe(0);
    expect(logger.text()).not.toContain(marker);
    expect((await host.exec(['stat', '-c', '%a', `${dir}/stdin.env`])).stdout.trim()).toBe('600');
  });

  it('replaces an existing file atomically and refuses a directory that does not exist', async () => {
    const target = `${dir}/replace.env`;
    await host.upload(target, 'A=1\n');
    await host.upload(target, 'A=2\n');
    expect((await host.readFile(target))?.toString()).toBe('A=2\n');
    const err = await host.upload(`${dir}/missing/x.env`, 'A=1\n').catch((e) => e);
    expect(err.message).toMatch(/cannot create .*missing.*check that .*missing exists/);
  });
});
