// Real parts: both sandbox sshd hosts — "cpu" 127.0.0.1:2201 (ed25519 + rsa + ecdsa host keys)
// and "gpu" 127.0.0.1:2202 (ed25519 only) — and ssh-keygen for hashing known_hosts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint, HostKeyError } from '../../../src/core/known-hosts.js';
import type { MemoryLogger } from '../../../src/core/logger.js';
import { connectSandboxHost, knownHosts, privateKey, sandboxHost } from '../../support/sandbox.js';

const cpu = sandboxHost('cpu');
const gpu = sandboxHost('gpu');

function hostKey(dir: string, type: 'ed25519' | 'rsa' | 'ecdsa'): { line: string; type: string; fp: string } {
  const [t, b64] = readFileSync(join(dir, `ssh_host_${type}_key.pub`), 'utf8').split(' ');
  return { line: `${t} ${b64}`, type: t!, fp: fingerprint(Buffer.from(b64!, 'base64')) };
}
const cpuKeys = {
  ed25519: hostKey(cpu.dir, 'ed25519'),
  rsa: hostKey(cpu.dir, 'rsa'),
  ecdsa: hostKey(cpu.dir, 'ecdsa'),
};
const gpuEd25519 = hostKey(gpu.dir, 'ed25519');

async function failure(host: ReturnType<typeof connectSandboxHost>): Promise<HostKeyError> {
  const err = await host.exec(['true']).catch((e) => e);
  expect(err).toBeInstanceOf(HostKeyError);
  return err as HostKeyError;
}

describe('host keys fail closed, before authentication', () => {
  it('unknown host: known_hosts lists only other hosts → refused, naming the key the server offered', async () => {
    const h = connectSandboxHost('cpu', {
      hostKeys: { knownHosts: `[127.0.0.1]:2202 ${gpuEd25519.line}\n` },
    });
    const err = await failure(h);
    expect(err.message).toMatch(/unknown host \[127\.0\.0\.1\]:2201: offered /);
    expect(Object.values(cpuKeys).some((k) => err.message.includes(`offered ${k.type} ${k.fp}`))).toBe(true);
    expect(err.message).toContain('expected none');
    expect(h.authAttempted).toBe(false);
    expect(h.connectionsOpened).toBe(0);
  });

  it('changed host key: known_hosts holds another key for the host → HOST KEY MISMATCH with expected and offered', async () => {
    const h = connectSandboxHost('gpu', {
      hostKeys: { knownHosts: `[127.0.0.1]:2202 ${cpuKeys.ed25519.line}\n` },
    });
    const err = await failure(h);
    expect(err.message).toContain('HOST KEY MISMATCH for [127.0.0.1]:2202');
    expect(err.message).toContain(`offered ssh-ed25519 ${gpuEd25519.fp}`);
    expect(err.message).toContain(`expected ssh-ed25519 ${cpuKeys.ed25519.fp} (known_hosts)`);
    expect(h.authAttempted).toBe(false);
  });

  it('a fingerprint given as hex is refused before any connection, naming the input', async () => {
    const md5 = execFileSync(
      'ssh-keygen',
      ['-l', '-E', 'md5', '-f', join(gpu.dir, 'ssh_host_ed25519_key.pub')],
      { encoding: 'utf8' },
    ).split(' ')[1]!;
    expect(md5).toMatch(/^MD5:/);
    const h = connectSandboxHost('gpu', { hostKeys: { fingerprints: [md5] } });
    const err = await failure(h);
    expect(err.message).toContain(JSON.stringify(md5));
    expect(err.message).toContain('MD5 hex fingerprint');
    expect(err.message).toContain('ssh-keygen -lf');
    expect(h.authAttempted).toBe(false);
    expect(h.connectionsOpened).toBe(0);
  });

  it('a pin for an RSA key while the server offers only ed25519 → refused, naming expected RSA and offered ed25519', async () => {
    const h = connectSandboxHost('gpu', { hostKeys: { fingerprints: [`ssh-rsa ${cpuKeys.rsa.fp}`] } });
    const started = performance.now();
    const err = await failure(h);
    expect(err.message).toContain('HOST KEY MISMATCH for [127.0.0.1]:2202');
    expect(err.message).toContain(`expected ssh-rsa ${cpuKeys.rsa.fp} (pin)`);
    expect(err.message).toContain(`offered ssh-ed25519 ${gpuEd25519.fp}`);
    expect(h.authAttempted).toBe(false);
    expect(performance.now() - started).toBeLessThan(3000); // not retried
  });

  it('a correct SHA256 pin (typed or not) is accepted', async () => {
    for (const pin of [gpuEd25519.fp, `ssh-ed25519 ${gpuEd25519.fp}`]) {
      const h = connectSandboxHost('gpu', { hostKeys: { fingerprints: [pin] } });
      expect((await h.exec(['id', '-un'])).stdout.trim()).toBe(gpu.user);
      expect(h.authAttempted).toBe(true);
      h.close();
    }
  });

  it('a HASHED known_hosts (ssh-keygen -H) with three key types for the host is accepted, whichever type is used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-core-kh-'));
    const file = join(dir, 'known_hosts');
    const lines = Object.values(cpuKeys).map((k) => `[127.0.0.1]:2201 ${k.line}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const hashed = readFileSync(file, 'utf8');
    expect(hashed).not.toContain('127.0.0.1');
    expect(hashed.trim().split('\n')).toHaveLength(3);
    for (const l of hashed.trim().split('\n')) expect(l).toMatch(/^\|1\|/);

    const all = connectSandboxHost('cpu', { hostKeys: { knownHosts: hashed } });
    expect((await all.exec(['id', '-un'])).stdout.trim()).toBe(cpu.user);
    all.close();
    // Each line alone works too: negotiation is restricted to the types known_hosts lists.
    for (const l of hashed.trim().split('\n')) {
      const one = connectSandboxHost('cpu', { hostKeys: { knownHosts: `${l}\n` } });
      expect((await one.exec(['true'])).code).toBe(0);
      one.close();
    }
  });
});

describe('jump host (cpu 2201 as bastion to gpu 2202)', () => {
  const jump = {
    host: cpu.host,
    port: cpu.port,
    user: cpu.user,
    privateKey: privateKey(),
    hostKeys: { knownHosts: knownHosts() },
    connectTimeoutMs: 5000,
  };

  it('reaches the target through the bastion, both host keys verified, one connection each', async () => {
    const h = connectSandboxHost('gpu', { jump });
    const r = await h.exec(['sh', '-c', 'id -un; echo "$SSH_CONNECTION"']);
    const [user, conn] = r.stdout.trim().split('\n');
    expect(user).toBe(gpu.user);
    expect(conn).toMatch(/ 2202$/); // the target's sshd served it
    await h.exec(['true']);
    expect(h.connectionsOpened).toBe(2); // bastion + target, reused for the second command
    expect(h.authAttemptedOn).toEqual(['jump deploy@127.0.0.1:2201', 'deploy-gpu@127.0.0.1:2202']);
    h.close();
  });

  it('a wrong bastion key fails before any authentication anywhere', async () => {
    const h = connectSandboxHost('gpu', {
      jump: { ...jump, hostKeys: { knownHosts: `[127.0.0.1]:2201 ${gpuEd25519.line}\n` } },
    });
    const err = await failure(h);
    expect(err.message).toContain('HOST KEY MISMATCH for [127.0.0.1]:2201');
    expect(err.message).toMatch(/^jump deploy@127\.0\.0\.1:2201/);
    expect(h.authAttempted).toBe(false);
  });

  it('a wrong target key behind a good bastion fails before authenticating to the target', async () => {
    const h = connectSandboxHost('gpu', {
      jump,
      hostKeys: { knownHosts: `[127.0.0.1]:2202 ${cpuKeys.ed25519.line}\n` },
    });
    const err = await failure(h);
    expect(err.message).toContain('HOST KEY MISMATCH for [127.0.0.1]:2202');
    expect(err.message).toContain(`offered ssh-ed25519 ${gpuEd25519.fp}`);
    expect(h.authAttemptedOn).toEqual(['jump deploy@127.0.0.1:2201']);
    expect((h as unknown as { options: { logger: MemoryLogger } }).options.logger.text()).not.toMatch(
      /retrying/,
    );
  });
});
