import { execFile } from 'node:child_process';
import type { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { UserError } from '../../../src/core/errors.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { runTlsRenew, type TlsRenewInputs } from '../../../src/tls/renew.js';
import { sandbox, sandboxHost } from '../../support/sandbox.js';
import { cleanup, deployInputs, FIXTURE, fixtureImages, stagingRoot } from '../deploy/fixture.js';

// Automatic TLS against a real ACME server (pebble, Let's Encrypt's test CA, in the sandbox):
// HTTP-01 through the nginx a ragship deploy runs, the certificate served, renewal under load.
const ROOT = new URL('../../../', import.meta.url).pathname;
const APP = 'rstls';
const DOMAIN = 'app.ragship.test';
const TLS_PORT = 18543;
const certDir = () => `${stagingRoot(APP)}/shared/web/certs`;

function yaml(domains = [DOMAIN]): string {
  const cpu = sandboxHost('cpu');
  const { acme, registry } = sandbox();
  return `
app: ${APP}
registry: { server: ${registry.host}, username: ${registry.username} }
retain: 3
lock: { ttl: 30, wait: 0 }
environments:
  staging:
    roles:
      web:
        hosts: [${cpu.user}@${cpu.host}:${cpu.port}]
        compose: [compose.yaml, compose.tls.yaml]
        files: [nginx/default.conf, nginx/acme.conf, nginx/tls.server.conf, acme/.gitkeep, certs/.gitkeep]
        service: app
        proxy:
          service: nginx
          upstream: app
          port: 3000
          file: upstreams/app.upstream.conf
          drain: 1s
          tls:
            acme:
              email: ops@ragship.test
              domains: [${domains.join(', ')}]
              directory: ${acme.directory}
              webroot: acme
              certDir: certs
              serverConf: nginx/tls.server.conf
        health: { http: /health, port: 3000, timeout: 20s, interval: 500ms }
        migrate: { service: migrate, command: [node, migrate.js], timeout: 60s }
        vars: { NGINX_PORT: "${acme.httpPort}", NGINX_TLS_PORT: "${TLS_PORT}" }
        stopGrace: 10s
`;
}

const inputs = (over: Partial<TlsRenewInputs> = {}, domains?: string[]): TlsRenewInputs => {
  const d = deployInputs(parseConfig(yaml(domains)), 'unused');
  return {
    config: d.config,
    environment: 'staging',
    sshPrivateKey: d.sshPrivateKey,
    knownHosts: d.knownHosts,
    fingerprints: [],
    acmeCaFile: sandbox().acme.caFile,
    ...over,
  };
};

/** One HTTPS request to nginx for DOMAIN: status, body and the certificate it presented. */
function httpsGet(): Promise<{ status: number; body: string; cert: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: TLS_PORT,
        servername: DOMAIN,
        path: '/',
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => {
          const peer = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate?.();
          if (!peer) return reject(new Error('no peer certificate'));
          resolve({ status: res.statusCode ?? 0, body, cert: peer });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

beforeAll(async () => {
  await cleanup(APP);
  const images = await fixtureImages(['v1']);
  const d = deployInputs(parseConfig(yaml()), images.v1!);
  await runDeploy({ ...d, repoDir: FIXTURE }, { logger: new MemoryLogger() });
});
afterAll(() => cleanup(APP));

describe('automatic TLS (proxy.tls.acme) against pebble through the deployed nginx', () => {
  let first: X509Certificate;

  it('issues a certificate over HTTP-01; nginx serves it for the domain; the key is 0600', async () => {
    const logger = new MemoryLogger();
    const r = await runTlsRenew(inputs(), { logger });
    expect(r.roles).toMatchObject([{ role: 'web', action: 'issued', domains: [DOMAIN] }]);
    const served = await httpsGet();
    expect(served.status).toBe(200);
    expect(JSON.parse(served.body).version).toBe('v1');
    expect(served.cert.subjectAltName).toContain(`DNS:${DOMAIN}`);
    first = served.cert;
    expect(statSync(`${certDir()}/privkey.pem`).mode & 0o777).toBe(0o600);
    const key = readFileSync(`${certDir()}/privkey.pem`, 'utf8');
    expect(logger.text()).not.toContain(key.split('\n')[1]!);
    // The token files are gone once the order is done.
    const leftovers = await new Promise<string>((resolve) =>
      execFile(
        'find',
        [`${stagingRoot(APP)}/shared/web/acme`, '-type', 'f', '!', '-name', '.gitkeep'],
        (_e, out) => resolve(out),
      ),
    );
    expect(leftovers.trim()).toBe('');
  });

  it('keeps a certificate that is still good (no order placed)', async () => {
    const r = await runTlsRenew(inputs(), { logger: new MemoryLogger() });
    expect(r.roles[0]).toMatchObject({ action: 'kept' });
    expect((await httpsGet()).cert.serialNumber).toBe(first.serialNumber);
  });

  it('a forced renewal replaces it with no failed HTTPS request under load', async () => {
    let running = true;
    let ok = 0;
    const failures: string[] = [];
    const load = (async () => {
      while (running) {
        try {
          const r = await httpsGet();
          if (r.status === 200) ok++;
          else failures.push(`status ${r.status}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const r = await runTlsRenew(inputs({ force: true }), { logger: new MemoryLogger() });
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    await load;
    expect(r.roles[0]).toMatchObject({ action: 'issued' });
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(5);
    expect((await httpsGet()).cert.serialNumber).not.toBe(first.serialNumber);
  });

  it('nginx refusing the new config puts the previous pair back and keeps serving it', async () => {
    const before = (await httpsGet()).cert.serialNumber;
    const conf = `${stagingRoot(APP)}/shared/web/nginx/tls.server.conf`;
    const good = readFileSync(conf, 'utf8');
    writeFileSync(conf, `${good}\nthis is not nginx;\n`);
    try {
      const err = await runTlsRenew(inputs({ force: true }), { logger: new MemoryLogger() }).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(/refused the new certificate; the previous files are back/);
    } finally {
      writeFileSync(conf, good);
    }
    expect((await httpsGet()).cert.serialNumber).toBe(before);
  });

  it('a domain the CA cannot reach fails naming the domain, what the CA tried and the fix', async () => {
    // pebble's DNS answers 127.0.0.2 for this name, where nothing listens on the HTTP-01 port.
    const add = await fetch(`${sandbox().acme.dnsManagement}/add-a`, {
      method: 'POST',
      body: JSON.stringify({ host: 'down.ragship.test.', addresses: ['127.0.0.2'] }),
    });
    expect(add.ok).toBe(true);
    const err = await runTlsRenew(inputs({}, ['down.ragship.test']), { logger: new MemoryLogger() }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/TLS for down\.ragship\.test: the CA could not fetch the HTTP-01 token/);
    expect(err.message).toContain('down.ragship.test');
    expect(err.message).toMatch(/point each domain's DNS at the role's hosts/);
  });

  it('the CLI: --json prints the result; a bad --acme-directory exits 2 before any connection', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'ragship-tls-it-'));
    writeFileSync(join(repo, 'ragship.yml'), yaml());
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          join(ROOT, 'node_modules/.bin/tsx'),
          [join(ROOT, 'src/cli/main.ts'), ...args],
          { cwd: repo, env: { ...process.env, RAGSHIP_SSH_PRIVATE_KEY: '' } },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const common = [
      'tls',
      'renew',
      '--env',
      'staging',
      '--ssh-key-file',
      sandbox().ssh.privateKeyPath,
      '--known-hosts-file',
      sandbox().ssh.knownHostsPath,
      '--acme-ca-file',
      sandbox().acme.caFile,
    ];
    const ok = await run(['--json', ...common]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ roles: [{ role: 'web', action: 'kept' }] });
    const bad = await run([...common, '--acme-directory', 'http://insecure.example/dir']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--acme-directory.*is not an https URL/);
  });
});
