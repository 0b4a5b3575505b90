import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/core/errors.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { RemoteHost } from '../../../src/core/remote-host.js';
import type { ConnectionInputs } from '../../../src/deploy/session.js';
import { runStatus } from '../../../src/operate/status.js';
import { knownHosts, privateKey, sandbox, sandboxHost } from '../../support/sandbox.js';

// Real parts: two sandbox sshd hosts with distinct host keys — "cpu" (127.0.0.1:2201, user
// deploy) as the jump host and "gpu" (127.0.0.1:2202, user deploy-gpu) as the target, Docker
// Engine behind them. `ragship status` reaches the target only through the bastion; read-only:
// the app name rsproxy-it is deployed nowhere, nothing is written on either host.
const ROOT = new URL('../../..', import.meta.url).pathname;
const cpu = sandboxHost('cpu');
const gpu = sandboxHost('gpu');
const JUMP = `${cpu.user}@${cpu.host}:${cpu.port}`;
const TARGET = `${gpu.user}@${gpu.host}:${gpu.port}`;

const yaml = (ssh: string) => `
app: rsproxy-it
environments:
  staging:
${ssh}    roles:
      web:
        hosts: [${TARGET}]
        compose: [compose.yaml]
        service: app
        strategy: recreate
        health: { http: /health }
`;
const envProxy = `    ssh: { proxy: ${JUMP} }\n`;

function inputs(text: string, over: Partial<ConnectionInputs> = {}): ConnectionInputs {
  return {
    config: parseConfig(text),
    environment: 'staging',
    sshPrivateKey: privateKey(),
    knownHosts: knownHosts(),
    fingerprints: [],
    connectTimeoutMs: 10_000,
    ...over,
  };
}

/** Opens hosts as the session would, keeping them so the test can see whom they authenticated to. */
function recording() {
  const opened: RemoteHost[] = [];
  return {
    opened,
    connect: (_: unknown, options: ConstructorParameters<typeof RemoteHost>[0]) => {
      const h = new RemoteHost(options);
      opened.push(h);
      return h;
    },
  };
}

describe('ssh.proxy: every connection through a jump host (sandbox cpu sshd → gpu sshd)', () => {
  it('ragship.yml environments.<env>.ssh.proxy: status reaches the target through the bastion, both keys verified', async () => {
    const rec = recording();
    const r = await runStatus(inputs(yaml(envProxy)), { logger: new MemoryLogger(), connect: rec.connect });
    expect(rec.opened).toHaveLength(1);
    expect(rec.opened[0]!.authAttemptedOn).toEqual([`jump ${JUMP}`, TARGET]);
    // bastion + target, reused by every command of the run
    expect(r.connectionsPerHost).toEqual({ [TARGET]: 2 });
    expect(r.active).toBeUndefined();
    expect(r.exitCode).toBe(3); // nothing deployed under this app name
  });

  it('the top-level ssh.proxy works the same; --ssh-proxy (sshProxy) wins over ragship.yml', async () => {
    const top = `ssh: { proxy: ${JUMP} }\n${yaml('')}`;
    const a = recording();
    await runStatus(inputs(top), { logger: new MemoryLogger(), connect: a.connect });
    expect(a.opened[0]!.authAttemptedOn).toEqual([`jump ${JUMP}`, TARGET]);
    // The flag names an address nothing listens on: the run must try it, not the config's.
    const b = recording();
    await expect(
      runStatus(inputs(top, { sshProxy: `${cpu.user}@127.0.0.1:1`, connectTimeoutMs: 3000 }), {
        logger: new MemoryLogger(),
        connect: b.connect,
      }),
    ).rejects.toThrow(/jump deploy@127\.0\.0\.1:1/);
    expect(b.opened[0]!.authAttempted).toBe(false);
  });

  it('a jump host whose key is not in known_hosts fails closed: no authentication anywhere', async () => {
    const onlyTarget = knownHosts()
      .split('\n')
      .filter((l) => l.startsWith(`[${gpu.host}]:${gpu.port} `))
      .join('\n');
    expect(onlyTarget).not.toBe('');
    const rec = recording();
    const err = await runStatus(inputs(yaml(envProxy), { knownHosts: `${onlyTarget}\n` }), {
      logger: new MemoryLogger(),
      connect: rec.connect,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(new RegExp(`^jump ${JUMP.replace(/\./g, '\\.')}`));
    expect(rec.opened[0]!.authAttempted).toBe(false);
  });

  it('a malformed proxy is refused before any connection, naming where it came from', async () => {
    const rec = recording();
    const err = await runStatus(inputs(yaml(''), { sshProxy: 'a@b@c' }), {
      logger: new MemoryLogger(),
      connect: rec.connect,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toMatch(/^--ssh-proxy/);
    expect(rec.opened).toEqual([]);
    expect(() => parseConfig(yaml('    ssh: { proxy: "x y" }\n'))).toThrow(/ssh.proxy/);
  });
});

describe('the ragship CLI process: --ssh-proxy', () => {
  const repo = mkdtempSync(join(tmpdir(), 'rsproxy-cli-'));
  afterAll(() => rmSync(repo, { recursive: true, force: true }));
  const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) =>
      execFile(
        join(ROOT, 'node_modules/.bin/tsx'),
        [
          join(ROOT, 'src/cli/main.ts'),
          ...args,
          '--known-hosts-file',
          sandbox().ssh.knownHostsPath,
          '--ssh-key-file',
          sandbox().ssh.privateKeyPath,
        ],
        { cwd: repo, env: { ...process.env, RAGSHIP_SSH_PRIVATE_KEY: '' }, timeout: 120_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  it('status --ssh-proxy reaches the target through the bastion (two connections); a bad value exits 2 naming the flag', async () => {
    writeFileSync(join(repo, 'ragship.yml'), yaml(''));
    const ok = await cli(['--json', 'status', '--env', 'staging', '--ssh-proxy', JUMP]);
    expect(ok.code).toBe(3); // reached, nothing deployed
    expect(JSON.parse(ok.stdout).connectionsPerHost).toEqual({ [TARGET]: 2 });
    const bad = await cli(['status', '--env', 'staging', '--ssh-proxy', 'a@b@c']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--ssh-proxy');
  });
});
