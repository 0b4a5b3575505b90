/**
 * Real parts: a fresh Debian 12 host (debootstrap image + openssh-server + systemd as init,
 * a nearly privileged container on the sandbox Docker engine, its own dockerd and netfilter),
 * reached over SSH on 127.0.0.1:18422; packages come from Debian's archive. Everything the
 * host ends up with is asserted with `docker exec`, not through ragship's own code.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleLogger } from '../../../src/core/logger.js';
import { RemoteHost } from '../../../src/core/remote-host.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { type ProvisionResult, runProvision } from '../../../src/provision/run.js';
import { DEFAULT_INPUTS, type ProvisionInputs } from '../../../src/provision/settings.js';
import { buildAndPush, inputsFor, pushLocalImage, sandboxConfig } from '../../e2e/deploy/example-app.js';
import { privateKey, sandbox } from '../../support/sandbox.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const NAME = 'ragship-provision-fresh-host';
const PORT = 18422;
const LOG = join(ROOT, 'test-artifacts', 'provision-fresh-host.log');

const deployKey = utils.generateKeyPairSync('ed25519', { comment: 'deploy@test' });
let knownHosts = '';
// The sandbox registry listens on the runner's loopback only: deploys reach it through the
// reverse SSH tunnel (registry.tunnel), which provisioning allows for this one port.
const REGISTRY_PORT = Number(sandbox().registry.host.split(':')[1]);
/** When the last test connection was opened (ufw `limit`: at most 6 new SSH connections per 30 s). */
let lastConnectionAt = 0;

function onHost(script: string, allowFailure = false): string {
  try {
    return execFileSync('docker', ['exec', NAME, 'sh', '-c', script], { encoding: 'utf8' });
  } catch (err) {
    if (allowFailure) return String((err as { stdout?: string }).stdout ?? '');
    throw err;
  }
}

function inputs(over: Partial<ProvisionInputs> = {}): ProvisionInputs {
  return {
    ...DEFAULT_INPUTS,
    hosts: [`root@127.0.0.1:${PORT}`],
    sshPrivateKey: privateKey(),
    knownHosts,
    deployPrivateKey: deployKey.private,
    adminUser: 'ops',
    registryTunnelPort: REGISTRY_PORT,
    connectTimeoutMs: 10_000,
    ...over,
  };
}

const logger = new ConsoleLogger({ write: (l) => appendFileSync(LOG, `${l}\n`) });
const timings: Record<string, number> = {};

async function timed(name: string, fn: () => Promise<ProvisionResult>): Promise<ProvisionResult> {
  const started = performance.now();
  appendFileSync(LOG, `\n===== ${name} =====\n`);
  try {
    return await fn();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

function statuses(r: ProvisionResult): Record<string, string> {
  return Object.fromEntries(r.hosts[0]!.steps.map((s) => [s.id, s.status]));
}

async function login(user: string, key: string): Promise<string> {
  const host = new RemoteHost({
    host: '127.0.0.1',
    port: PORT,
    user,
    privateKey: key,
    hostKeys: { knownHosts },
    connectAttempts: 1,
    connectTimeoutMs: 10_000,
  });
  try {
    return (await host.exec(['id', '-un'])).stdout.trim();
  } finally {
    host.close();
  }
}

// ufw `limit` drops the 6th new SSH connection from one address within 30 s; all test
// connections arrive from the bridge gateway, so bursts are spaced out like a person would.
const rateLimitWindow = () => new Promise((r) => setTimeout(r, 31_000));

describe('provision a fresh Debian 12 host over SSH (container with systemd + its own dockerd)', () => {
  beforeAll(() => {
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(LOG, '');
    const pub = join(tmpdir(), 'ragship-provision-root.pub');
    writeFileSync(
      pub,
      `${execFileSync('ssh-keygen', ['-y', '-f', sandbox().ssh.privateKeyPath], { encoding: 'utf8' })}`,
    );
    const started = performance.now();
    execFileSync('bash', [join(ROOT, 'test/fixtures/provision-host/start.sh'), NAME, String(PORT), pub], {
      stdio: 'inherit',
    });
    timings['start fresh host'] = Math.round(performance.now() - started);
    const hostKey = onHost('cat /etc/ssh/ssh_host_ed25519_key.pub').trim().split(' ').slice(0, 2).join(' ');
    knownHosts = `[127.0.0.1]:${PORT} ${hostKey}\n`;
  }, 600_000);

  afterAll(() => {
    appendFileSync(LOG, `\ntimings (ms): ${JSON.stringify(timings)}\n`);
    if (process.env.RAGSHIP_KEEP_PROVISION_HOST !== '1')
      execFileSync('docker', ['rm', '-f', '-v', NAME], { stdio: 'ignore' });
  });

  it('lock-out guard: refuses to harden sshd when the deploy user cannot log in, and sshd stays as it was', async () => {
    // A site policy that blocks the deploy user: the key is installed, yet the login fails.
    onHost(
      'printf "DenyUsers deploy\\n" > /etc/ssh/sshd_config.d/10-site.conf && systemctl reload ssh && sleep 2',
    );
    const r = await timed('guard', () => runProvision(inputs({ steps: ['deploy-user', 'sshd'] }), logger));
    expect(String((r.error as Error)?.message)).toMatch(
      /refusing to harden sshd: deploy could not log in with the deploy key over a new connection/,
    );
    expect(statuses(r)).toEqual({ 'deploy-user': 'changed', sshd: 'failed' });
    expect(
      onHost('test -e /etc/ssh/sshd_config.d/00-ragship.conf && echo present || echo absent').trim(),
    ).toBe('absent');
    const t = onHost('sshd -T');
    expect(t).toMatch(/^passwordauthentication yes$/m);
    expect(t).toMatch(/^permitrootlogin without-password$/m);
    expect(await login('root', privateKey())).toBe('root');
    onHost('rm /etc/ssh/sshd_config.d/10-site.conf && systemctl reload ssh && sleep 2');
  });

  it('provisions the host: packages, deploy user, firewall, fail2ban, upgrades, log retention, time sync, hardened sshd', async () => {
    const r = await timed('first run', () => runProvision(inputs(), logger));
    expect(r.error).toBeUndefined();
    expect(statuses(r)).toEqual({
      packages: 'changed',
      docker: 'unchanged', // docker.io's postinst enables and starts it
      'docker-logs': 'changed',
      journald: 'changed',
      'deploy-user': 'unchanged', // created by the guard test above
      'deploy-root': 'changed',
      'admin-user': 'changed',
      firewall: 'changed',
      fail2ban: 'changed',
      'unattended-upgrades': 'changed',
      'time-sync': 'unchanged', // systemd-timesyncd's postinst enables it
      sshd: 'changed',
    });

    expect(
      onHost(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query format, not a JS template
        "dpkg-query -W -f='${Package} ${db:Status-Abbrev}\\n' docker.io docker-compose curl ufw fail2ban python3-systemd unattended-upgrades systemd-timesyncd sudo",
      ),
    ).toMatch(
      /^curl ii \ndocker-compose ii \ndocker.io ii \nfail2ban ii \npython3-systemd ii \nsudo ii \nsystemd-timesyncd ii \nufw ii \nunattended-upgrades ii \n$/,
    );
    expect(onHost('docker-compose version --short').trim()).toMatch(/^1\.29\./);
    expect(onHost('id -nG deploy').trim().split(' ')).toContain('docker');
    expect(onHost('id -nG ops').trim().split(' ')).not.toContain('docker');
    const blob = deployKey.public.split(' ')[1]!;
    expect(onHost('cat /home/deploy/.ssh/authorized_keys')).toBe(
      `restrict,port-forwarding,permitlisten="localhost:${REGISTRY_PORT}" ssh-ed25519 ${blob} deploy@ragship\n`,
    );
    expect(
      onHost('stat -c "%n %a %U:%G" /home/deploy/.ssh /home/deploy/.ssh/authorized_keys /srv/ragship'),
    ).toBe(
      '/home/deploy/.ssh 700 deploy:deploy\n/home/deploy/.ssh/authorized_keys 600 deploy:deploy\n/srv/ragship 750 deploy:deploy\n',
    );
    expect(onHost('sudo -n -u ops sudo -n true && echo sudo-ok').trim()).toBe('sudo-ok');
    expect(onHost('sudo -n -u deploy sudo -n true 2>&1', true)).not.toContain('sudo-ok');

    const ufw = onHost('ufw status verbose');
    expect(ufw).toMatch(/^Status: active$/m);
    expect(ufw).toMatch(/^Default: deny \(incoming\), allow \(outgoing\)/m);
    expect(ufw).toMatch(/^22\/tcp\s+LIMIT IN\s+Anywhere\s*$/m);
    expect(ufw).toMatch(/^80\/tcp\s+ALLOW IN\s+Anywhere\s*$/m);
    expect(ufw).toMatch(/^443\/tcp\s+ALLOW IN\s+Anywhere\s*$/m);
    expect(ufw.match(/IN\s+Anywhere\s*$/gm)).toHaveLength(3);
    expect(onHost('fail2ban-client status sshd')).toMatch(/Journal matches:/);

    const sshd = onHost('sshd -T');
    for (const line of [
      'passwordauthentication no',
      'kbdinteractiveauthentication no',
      'permitrootlogin no',
      'pubkeyauthentication yes',
      'x11forwarding no',
      'maxauthtries 3',
    ]) {
      expect(sshd).toMatch(new RegExp(`^${line}$`, 'm'));
    }
    expect(onHost('apt-config dump APT::Periodic')).toMatch(/APT::Periodic::Unattended-Upgrade "1";/);
    expect(onHost('systemctl is-enabled apt-daily-upgrade.timer systemd-timesyncd fail2ban docker')).toBe(
      'enabled\nenabled\nenabled\nenabled\n',
    );

    expect(JSON.parse(onHost('cat /etc/docker/daemon.json'))).toEqual({
      'log-driver': 'json-file',
      'log-opts': { 'max-size': '10m', 'max-file': '3' },
    });
    expect(onHost("docker info --format '{{.LoggingDriver}}'").trim()).toBe('json-file');
    const journald = onHost('systemd-analyze cat-config systemd/journald.conf');
    expect(journald).toMatch(/^SystemMaxUse=500M$/m);
    expect(journald).toMatch(/^MaxRetentionSec=14day$/m);

    // Root's key is still in authorized_keys; sshd itself refuses root now. (RemoteHost offers the
    // key again after a refusal, so sshd may end it with "Too many authentication failures".)
    await expect(login('root', privateKey())).rejects.toThrow(
      /refused the SSH key for user root|Too many authentication failures/,
    );
    expect(onHost('journalctl -u ssh --no-pager -o cat')).toMatch(/^ROOT LOGIN REFUSED FROM /m);
    // apt installs inside the fresh host dominate: minutes on a loaded 2-core machine.
  }, 1_500_000);

  it('a second run, as the admin user through sudo -n, reports zero changes; so does a dry run', async () => {
    await rateLimitWindow();
    const again = await timed('second run', () =>
      runProvision(inputs({ hosts: [`ops@127.0.0.1:${PORT}`] }), logger),
    );
    expect(again.error).toBeUndefined();
    expect(again.changed).toBe(0);
    expect(new Set(Object.values(statuses(again)))).toEqual(new Set(['unchanged']));
    expect(Object.keys(statuses(again))).toHaveLength(12);
    const plan = await timed('dry run', () =>
      runProvision(inputs({ hosts: [`ops@127.0.0.1:${PORT}`], dryRun: true }), logger),
    );
    expect(plan.changed).toBe(0);
    expect(plan.report.toString()).toContain('no changes');
  });

  it('the deploy user runs docker over SSH on the provisioned host (image loaded over stdin, container run)', async () => {
    const host = new RemoteHost({
      host: '127.0.0.1',
      port: PORT,
      user: 'deploy',
      privateKey: deployKey.private,
      hostKeys: { knownHosts },
      connectAttempts: 1,
    });
    try {
      const image = execFileSync('docker', ['save', sandbox().images.debian], { maxBuffer: 1 << 30 });
      await host.exec(['docker', 'load'], { input: image, timeoutMs: 300_000 });
      const run = await host.exec([
        'docker',
        'run',
        '--rm',
        sandbox().images.debian,
        'sh',
        '-c',
        'echo hello from $(hostname -s)',
      ]);
      expect(run.stdout).toMatch(/^hello from [0-9a-f]{12}$/m);
      const logOpts = await host.exec([
        'docker',
        'run',
        '--rm',
        '-d',
        sandbox().images.debian,
        'sleep',
        '30',
      ]);
      const id = logOpts.stdout.trim();
      const cfg = await host.exec(['docker', 'inspect', '--format', '{{json .HostConfig.LogConfig}}', id]);
      expect(JSON.parse(cfg.stdout)).toEqual({
        Type: 'json-file',
        Config: { 'max-file': '3', 'max-size': '10m' },
      });
      await host.exec(['docker', 'rm', '-f', id]);
    } finally {
      host.close();
      lastConnectionAt = Date.now();
    }
  });

  it('a deploy of the example app to the freshly provisioned host succeeds (images pulled through the registry tunnel)', async () => {
    const sb = sandbox();
    const app = 'rsfresh';
    const httpPort = 18480;
    // The app image, built and pushed like CI does; chroma and nginx pushed beside it, so the
    // fresh host pulls all three from the runner-only registry (it has no other source here).
    const { v1 } = await buildAndPush(`${app}/example-app`, ['v1']);
    const chroma = await pushLocalImage('ragship-sandbox/chroma:1.0.5', `${app}/chroma:1.0.5`);
    const nginx = await pushLocalImage('ragship-sandbox/nginx:latest', `${app}/nginx:latest`);

    const d = sandboxConfig(app, httpPort, 'unused');
    d.config.registry = { server: sb.registry.host, username: sb.registry.username, tunnel: true };
    const env = d.config.environments.staging!;
    env.root = '/srv/ragship/rsfresh';
    env.roles = { web: env.roles.web! };
    env.roles.web!.hosts = [`deploy@127.0.0.1:${PORT}`];
    env.roles.web!.vars = { ...env.roles.web!.vars, CHROMA_IMAGE: chroma, NGINX_IMAGE: nginx };

    await new Promise((r) => setTimeout(r, Math.max(0, lastConnectionAt + 31_000 - Date.now())));
    appendFileSync(LOG, '\n===== deploy =====\n');
    const started = performance.now();
    const result = await runDeploy(
      { ...inputsFor(d, v1!), sshPrivateKey: deployKey.private, knownHosts },
      { logger },
    );
    timings.deploy = Math.round(performance.now() - started);
    expect(result.image).toBe(v1);
    expect(result.connectionsPerHost).toEqual({ [`deploy@127.0.0.1:${PORT}`]: 1 });

    // What the host serves, asked on the host (nginx publishes on its loopback).
    expect(onHost(`curl -fsS http://127.0.0.1:${httpPort}/ready`)).toMatch(/"chroma":"ok"/);
    const answer = JSON.parse(
      onHost(
        `curl -fsS -H 'content-type: application/json' -d '{"question":"How many vacation days do new employees get?"}' http://127.0.0.1:${httpPort}/query`,
      ),
    ) as { answer: string; sources: unknown[] };
    expect(answer.answer.length).toBeGreaterThan(0);
    expect(answer.sources.length).toBeGreaterThan(0);
    // The running app is the digest that was deployed, pulled by the host's own dockerd.
    const running = onHost(
      `docker inspect --format '{{.Config.Image}}' $(docker ps -q --filter label=com.docker.compose.service=app --filter label=com.docker.compose.project=${app}-staging-web)`,
    ).trim();
    expect(running).toBe(v1);
    // Nothing listens on the host's registry port once the deploy's connection is closed.
    expect(onHost(`curl -s -o /dev/null -w '%{http_code}' http://localhost:${REGISTRY_PORT}/v2/`, true)).toBe(
      '000',
    );
  }, 900_000);
});
