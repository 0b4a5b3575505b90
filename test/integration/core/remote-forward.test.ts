/**
 * Real parts: a private OpenSSH sshd (127.0.0.1:18430, the sandbox's `deploy` user, its own
 * authorized_keys file so the key options can change per test) and the sandbox registry with
 * htpasswd auth. The reverse tunnel (`RemoteHost.forwardRemotePort`) lets a host reach a
 * registry only the runner can reach; the host's side is probed with the host's own curl.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { RemoteHost } from '../../../src/core/remote-host.js';
import { privateKey, sandbox, sandboxHost } from '../../support/sandbox.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const PORT = 18430;
const TUNNEL_PORT = 18431;
const user = sandboxHost('cpu').user;
const registry = sandbox().registry;
const registryPort = Number(registry.host.split(':')[1]);

let dir: string;
let sshd: ChildProcess;
let knownHosts: string;
const publicKey = () =>
  execFileSync('ssh-keygen', ['-y', '-f', sandbox().ssh.privateKeyPath], { encoding: 'utf8' }).trim();

function authorize(options: string): void {
  writeFileSync(join(dir, 'authorized_keys'), `${options} ${publicKey()}\n`, { mode: 0o644 });
}

function connect(): RemoteHost {
  return new RemoteHost({
    host: '127.0.0.1',
    port: PORT,
    user,
    privateKey: privateKey(),
    hostKeys: { knownHosts },
    logger: new MemoryLogger(),
    connectAttempts: 1,
    connectTimeoutMs: 5000,
  });
}

/** What the host sees on its loopback port: the registry's HTTP status for GET /v2/. */
async function probe(host: RemoteHost, port = TUNNEL_PORT): Promise<string> {
  const r = await host.exec(
    [
      'curl',
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      '5',
      `http://localhost:${port}/v2/`,
    ],
    { allowFailure: true },
  );
  return r.stdout.trim();
}

describe('reverse tunnel over the SSH connection (forwardRemotePort)', () => {
  beforeAll(async () => {
    // Under the repo (not /tmp): sshd's StrictModes refuses keys below world-writable folders.
    mkdirSync(join(ROOT, '.sandbox'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.sandbox', 'sshd-forward-'));
    chmodSync(dir, 0o755); // sshd reads authorized_keys as the user
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${PORT}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        `AllowUsers ${user}`,
        'UsePAM no',
        // The folder may sit below a world-writable one (a checkout under /tmp): StrictModes
        // would refuse the key file there. This sshd serves this test only.
        'StrictModes no',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    authorize('restrict');
    knownHosts = `[127.0.0.1]:${PORT} ${readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`;
    const log = openSync(join(dir, 'sshd.log'), 'w');
    sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', log, log],
    });
    for (let i = 0; i < 50; i++) {
      const up = await connect()
        .exec(['true'])
        .then(() => true)
        .catch(() => false);
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`sshd on ${PORT} did not come up:\n${readFileSync(join(dir, 'sshd.log'), 'utf8')}`);
  });

  afterAll(() => {
    sshd?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a key with "restrict" (no port forwarding) is refused with a message naming the option and the fix', async () => {
    authorize('restrict');
    const host = connect();
    try {
      const err = await host
        .forwardRemotePort(TUNNEL_PORT, { host: '127.0.0.1', port: registryPort })
        .catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/refused to listen on localhost:18431/);
      expect((err as Error).message).toContain('registry-tunnel-port: 18431');
      expect((err as Error).message).toContain('permitlisten="localhost:18431"');
      // The connection itself is still usable and nothing listens on the host.
      expect(await probe(host)).toBe('000');
    } finally {
      host.close();
    }
  });

  it('restrict,port-forwarding,permitlisten="localhost:PORT": the host reaches the registry through the tunnel, and only on that port', async () => {
    authorize(`restrict,port-forwarding,permitlisten="localhost:${TUNNEL_PORT}"`);
    const host = connect();
    try {
      expect(await probe(host)).toBe('000');
      await host.forwardRemotePort(TUNNEL_PORT, { host: '127.0.0.1', port: registryPort });
      // 401: the registry's own answer (htpasswd auth), carried over the SSH connection.
      expect(await probe(host)).toBe('401');
      // Several connections at once share the one SSH connection.
      const codes = await Promise.all(Array.from({ length: 8 }, () => probe(host)));
      expect(codes).toEqual(Array(8).fill('401'));
      expect(host.connectionsOpened).toBe(1);
      // A port the key does not permit is refused by sshd.
      await expect(
        host.forwardRemotePort(TUNNEL_PORT + 1, { host: '127.0.0.1', port: registryPort }),
      ).rejects.toThrow(/refused to listen on localhost:18432/);
    } finally {
      host.close();
    }
    // The listener ends with the connection.
    const other = connect();
    try {
      expect(await probe(other)).toBe('000');
    } finally {
      other.close();
    }
  });

  it('a second connection cannot take a port the first one holds (taken port = clear error)', async () => {
    authorize(`restrict,port-forwarding,permitlisten="localhost:${TUNNEL_PORT}"`);
    const first = connect();
    const second = connect();
    try {
      await first.forwardRemotePort(TUNNEL_PORT, { host: '127.0.0.1', port: registryPort });
      await expect(
        second.forwardRemotePort(TUNNEL_PORT, { host: '127.0.0.1', port: registryPort }),
      ).rejects.toThrow(/the port is taken on the host/);
      expect(await probe(second)).toBe('401');
    } finally {
      first.close();
      second.close();
    }
  });

  it('a target that sends a large response and closes at once: every byte reaches the host (nothing queued is dropped)', async () => {
    authorize(`restrict,port-forwarding,permitlisten="localhost:${TUNNEL_PORT}"`);
    const size = 16 * 2 ** 20;
    const body = Buffer.alloc(size, 0x61);
    // HTTP/1.0 with Connection: close — the target ends the TCP connection right after writing,
    // while most of the body is still queued behind SSH flow control.
    const server = createServer((sock) => {
      sock.once('data', () => {
        sock.write(`HTTP/1.0 200 OK\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`);
        sock.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const targetPort = (server.address() as AddressInfo).port;
    const host = connect();
    try {
      await host.forwardRemotePort(TUNNEL_PORT, { host: '127.0.0.1', port: targetPort });
      for (let i = 0; i < 2; i++) {
        const r = await host.exec(
          // A reader slower than the target (like dockerd writing layers): the SSH window fills
          // and the rest waits in the channel when the target has already closed.
          [
            'curl',
            '-sS',
            '--limit-rate',
            '12M',
            '-o',
            '/dev/null',
            '-w',
            '%{size_download}',
            `http://localhost:${TUNNEL_PORT}/`,
          ],
          { allowFailure: true },
        );
        expect(r.stderr).toBe('');
        expect(Number(r.stdout)).toBe(size);
      }
    } finally {
      host.close();
      server.close();
    }
  });

  it('a target that refuses connections closes the tunnelled connection instead of hanging', async () => {
    authorize(`restrict,port-forwarding,permitlisten="localhost:${TUNNEL_PORT}"`);
    const host = connect();
    try {
      await host.forwardRemotePort(TUNNEL_PORT, { host: '127.0.0.1', port: 1 });
      const started = performance.now();
      expect(await probe(host)).toBe('000');
      expect(performance.now() - started).toBeLessThan(4000);
    } finally {
      host.close();
    }
  });
});
