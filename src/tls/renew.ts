import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { posix } from 'node:path';
import * as acme from 'acme-client';
import type { RoleConfig } from '../config/schema.js';
import { ConfigError, errorMessage, UserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Report } from '../core/report.js';
import { mkdirs, serviceContainers } from '../deploy/commands.js';
import type { ConnectionInputs, HostEntry } from '../deploy/session.js';
import { DeployedEnvironment } from '../operate/environment.js';

type AcmeSettings = NonNullable<NonNullable<NonNullable<RoleConfig['proxy']>['tls']>['acme']>;

export interface TlsRenewInputs extends ConnectionInputs {
  /** --role: only this role (default: every role with proxy.tls.acme). */
  role?: string;
  /** --force: issue even when the installed certificate is still good. */
  force?: boolean;
  /** --acme-ca-file: PEM of a private CA that signs the ACME server's own HTTPS certificate. */
  acmeCaFile?: string;
  /** Overrides proxy.tls.acme.directory (a staging or private CA). */
  directory?: string;
}

export interface RoleCertificate {
  role: string;
  domains: string[];
  /** issued: a new certificate was installed on every host; kept: the installed one is still good. */
  action: 'issued' | 'kept';
  notAfter: string;
  hosts: string[];
}

export interface TlsRenewResult {
  roles: RoleCertificate[];
  report: Report;
}

const DAY = 86_400_000;

/**
 * Obtains and renews the certificates of every role with `proxy.tls.acme`, through the nginx
 * that deploys already run: HTTP-01 tokens are written into the role's webroot on every host of
 * the role (whichever host the CA reaches answers), the certificate and its key go to certDir
 * (key 0600), then `nginx -t` and a graceful reload. If nginx refuses the new files, the
 * previous pair is put back and nginx keeps serving it.
 */
export async function runTlsRenew(
  inputs: TlsRenewInputs,
  ports: { logger: Logger },
): Promise<TlsRenewResult> {
  const { logger } = ports;
  const env = new DeployedEnvironment(inputs, ports);
  const roles = env
    .roles(inputs.role)
    .filter((entry): entry is [string, RoleConfig & { proxy: { tls: { acme: AcmeSettings } } }] =>
      Boolean(entry[1].proxy?.tls?.acme),
    );
  if (!roles.length)
    throw new ConfigError(
      inputs.role ? '--role' : 'proxy.tls.acme',
      `no role${inputs.role ? ` named ${inputs.role}` : ''} of environment ${inputs.environment} has proxy.tls.acme`,
      'add roles.<role>.proxy.tls.acme (email, domains) to ragship.yml',
    );
  if (inputs.acmeCaFile) {
    let ca: Buffer;
    try {
      ca = readFileSync(inputs.acmeCaFile);
    } catch (err) {
      throw new ConfigError(
        '--acme-ca-file',
        `cannot be read: ${errorMessage(err)}`,
        'give the path of a PEM file',
      );
    }
    acme.axios.defaults.httpsAgent = new Agent({ ca });
  }
  const report = new Report().heading(`TLS certificates: ${inputs.environment}`);
  const out: RoleCertificate[] = [];
  try {
    await env.open();
    for (const [roleName, role] of roles) {
      const settings = role.proxy.tls.acme;
      const hosts = env.hosts(roleName);
      const certDirOf = (h: HostEntry) => posix.join(env.s.projectDir(h, roleName), settings.certDir);
      const serverConfOf = (h: HostEntry) =>
        settings.serverConf ? posix.join(env.s.projectDir(h, roleName), settings.serverConf) : undefined;
      const installed = await Promise.all(hosts.map((h) => installedCertificate(h, certDirOf(h))));
      const due = installed.map((cert) => needsCertificate(cert, settings, inputs.force));
      if (due.every((reason) => !reason)) {
        const notAfter = installed[0]!.validTo;
        logger.info(
          `${roleName}: the certificate for ${settings.domains.join(', ')} is good until ${notAfter}; kept`,
        );
        out.push({
          role: roleName,
          domains: settings.domains,
          action: 'kept',
          notAfter,
          hosts: hosts.map((h) => h.key),
        });
        continue;
      }
      logger.info(`${roleName}: ${due.find(Boolean)}; asking ${inputs.directory ?? settings.directory}`);
      const { key, chain } = await logger.group(`issue ${settings.domains.join(', ')} (HTTP-01)`, () =>
        issue(settings, inputs.directory ?? settings.directory, hosts, (h) =>
          posix.join(env.s.projectDir(h, roleName), settings.webroot),
        ),
      );
      logger.setSecret(key);
      const cert = new X509Certificate(chain);
      const proxy = role.proxy.service;
      await logger.group(`install on ${hosts.length} host(s) and reload nginx`, () =>
        Promise.all(
          hosts.map((h) =>
            install(h, certDirOf(h), env.s.project(roleName), proxy, key, chain, logger, serverConfOf(h)),
          ),
        ),
      );
      out.push({
        role: roleName,
        domains: settings.domains,
        action: 'issued',
        notAfter: cert.validTo,
        hosts: hosts.map((h) => h.key),
      });
    }
  } finally {
    env.close();
  }
  report.table(
    ['role', 'domains', 'certificate', 'valid until'],
    out.map((r) => [r.role, r.domains.join(', '), r.action, r.notAfter]),
  );
  return { roles: out, report };
}

async function installedCertificate(h: HostEntry, certDir: string): Promise<X509Certificate | undefined> {
  const pem = await h.host.readFile(posix.join(certDir, 'fullchain.pem'));
  if (!pem) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/** Why a new certificate is needed, or undefined when the installed one is good. */
export function needsCertificate(
  cert: X509Certificate | undefined,
  settings: Pick<AcmeSettings, 'domains' | 'renewDays'>,
  force = false,
  now = Date.now(),
): string | undefined {
  if (force) return 'renewal forced';
  if (!cert) return 'no certificate installed';
  const names = (cert.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4));
  const missing = settings.domains.filter((d) => !names.includes(d));
  if (missing.length) return `the installed certificate does not cover ${missing.join(', ')}`;
  const left = (Date.parse(cert.validTo) - now) / DAY;
  if (left < settings.renewDays)
    return `the installed certificate expires in ${Math.max(0, left).toFixed(1)} days`;
  return undefined;
}

async function issue(
  settings: AcmeSettings,
  directoryUrl: string,
  hosts: HostEntry[],
  webrootOf: (h: HostEntry) => string,
): Promise<{ key: string; chain: string }> {
  const client = new acme.Client({ directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  const [key, csr] = await acme.crypto.createCsr(
    { commonName: settings.domains[0], altNames: settings.domains },
    await acme.crypto.createPrivateEcdsaKey(),
  );
  const tokenPath = (h: HostEntry, token: string) =>
    posix.join(webrootOf(h), '.well-known', 'acme-challenge', token);
  try {
    const chain = await client.auto({
      csr,
      email: settings.email,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA checks from outside; a check from here would only test this machine's DNS.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        await Promise.all(
          hosts.map(async (h) => {
            await h.host.exec(mkdirs(posix.dirname(tokenPath(h, challenge.token))));
            // Public by design: nginx (another user in its container) must read it.
            await h.host.upload(tokenPath(h, challenge.token), keyAuthorization, 0o644);
          }),
        );
      },
      challengeRemoveFn: async (_authz, challenge) => {
        await Promise.all(
          hosts.map((h) =>
            h.host.exec(['rm', '-f', '--', tokenPath(h, challenge.token)], { allowFailure: true }),
          ),
        );
      },
    });
    return { key: key.toString(), chain };
  } catch (err) {
    const message = errorMessage(err);
    if (/acme-challenge|connection refused|connect|timeout|resolv|no such host|unauthorized/i.test(message)) {
      throw new UserError(
        `TLS for ${settings.domains.join(', ')}`,
        `the CA could not fetch the HTTP-01 token: ${message}`,
        `point each domain's DNS at the role's hosts and let port 80 reach nginx, which must serve /.well-known/acme-challenge/ from ${settings.webroot} (see docs/guides/deploy.md, "Automatic TLS")`,
      );
    }
    throw new UserError(
      `TLS for ${settings.domains.join(', ')}`,
      `the CA refused: ${message}`,
      'check proxy.tls.acme (email, domains, directory)',
    );
  }
}

async function install(
  h: HostEntry,
  certDir: string,
  project: string,
  proxyService: string,
  key: string,
  chain: string,
  logger: Logger,
  serverConf?: string,
): Promise<void> {
  const [proxy] = (await h.host.exec(serviceContainers(project, proxyService))).stdout
    .split('\n')
    .filter(Boolean);
  if (!proxy)
    throw new UserError(
      `${h.key} ${proxyService}`,
      'is not running, so the new certificate cannot be loaded',
      'deploy the environment first (ragship deploy), then renew',
    );
  const live = (f: string) => posix.join(certDir, f);
  await h.host.exec(mkdirs(certDir));
  await h.host.upload(live('privkey.pem.new'), key, 0o600);
  await h.host.upload(live('fullchain.pem.new'), chain, 0o644);
  if (serverConf) await h.host.exec(['cp', '--', serverConf, live('tls.server.conf.new')]);
  // Keep the previous pair, swap in the new one by rename (nginx never reads half a file).
  const swap = [
    'sh',
    '-c',
    'set -e; cd "$1"; for f in privkey.pem fullchain.pem tls.server.conf; do if [ -f "$f" ]; then cp -p "$f" "$f.prev"; else rm -f "$f.prev"; fi; done; for f in privkey.pem fullchain.pem tls.server.conf; do if [ -f "$f.new" ]; then mv "$f.new" "$f"; fi; done',
    'swap',
    certDir,
  ];
  await h.host.exec(swap, { where: `${h.key} install certificate` });
  const test = await h.host.exec(['docker', 'exec', proxy, 'nginx', '-t', '-q'], { allowFailure: true });
  if (test.code !== 0) {
    const restore = [
      'sh',
      '-c',
      'cd "$1"; for f in privkey.pem fullchain.pem tls.server.conf; do if [ -f "$f.prev" ]; then mv "$f.prev" "$f"; else rm -f "$f"; fi; done',
      'restore',
      certDir,
    ];
    await h.host.exec(restore, { allowFailure: true });
    throw new UserError(
      `${h.key} nginx -t`,
      `refused the new certificate; the previous files are back and nginx keeps serving them:\n${(test.stderr || test.stdout).trim()}`,
      'fix the nginx config that includes the certificate folder, then renew again',
    );
  }
  const before = await nginxWorkers(h, proxy);
  await h.host.exec(['docker', 'exec', proxy, 'nginx', '-s', 'reload'], { where: `${h.key} nginx reload` });
  // `nginx -s reload` only signals the master: done when a worker of the new configuration runs
  // (a first certificate adds the HTTPS listener only then).
  for (let i = 0; i < 100; i++) {
    if ((await nginxWorkers(h, proxy)).some((pid) => !before.includes(pid))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  logger.info(`${h.key}: certificate installed, nginx reloaded gracefully`);
}

/** Pids of the nginx master's worker processes inside the proxy container. */
async function nginxWorkers(h: HostEntry, proxy: string): Promise<string[]> {
  const script =
    'm=$(cat /run/nginx.pid 2>/dev/null || cat /var/run/nginx.pid 2>/dev/null) || exit 0; for s in /proc/[0-9]*/stat; do read -r pid comm state ppid rest < "$s" 2>/dev/null && [ "$ppid" = "$m" ] && echo "$pid"; done; exit 0';
  const r = await h.host.exec(['docker', 'exec', proxy, 'sh', '-c', script], { allowFailure: true });
  return r.stdout.split('\n').filter(Boolean);
}
