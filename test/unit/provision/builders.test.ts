import { describe, expect, it } from 'vitest';
import { journaldDropIn, mergeDaemonJson } from '../../../src/provision/steps/logs.js';
import {
  aptInstall,
  dockerPackages,
  dockerRepoSource,
  wantedPackages,
} from '../../../src/provision/steps/packages.js';
import { mergeAuthorizedKeys, sudoersFile } from '../../../src/provision/steps/users.js';
import { Target } from '../../../src/provision/target.js';
import { ADMIN_PUB, DEBIAN, DEPLOY_PUB, FakeHost, settings, UBUNTU } from './fake-host.js';

describe('provision command and file builders', () => {
  it('runs every command through sudo -n for a sudo user and as is for root', () => {
    const host = new FakeHost([]);
    expect(new Target(host, false).rootArgv(['apt-get', 'update'])).toEqual([
      'sudo',
      '-n',
      '--',
      'apt-get',
      'update',
    ]);
    expect(new Target(host, true).rootArgv(['apt-get', 'update'])).toEqual(['apt-get', 'update']);
  });

  it('writes files with content over stdin, never in argv, atomically with mode and owner', async () => {
    const host = new FakeHost([]);
    await new Target(host, false).writeFile(
      '/home/deploy/.ssh/authorized_keys',
      'secret-ish content',
      '0600',
      'deploy:deploy',
    );
    const call = host.calls[0]!;
    expect(call.argv.slice(0, 4)).toEqual(['sudo', '-n', '--', 'sh']);
    expect(call.argv.slice(-3)).toEqual(['/home/deploy/.ssh/authorized_keys', '0600', 'deploy:deploy']);
    expect(call.line).not.toContain('secret-ish');
    expect(call.input).toBe('secret-ish content');
    expect(call.argv[5]).toMatch(
      /mktemp "\$1\.ragship\.XXXXXX".*chmod "\$2".*chown "\$3".*mv -f "\$t" "\$1"/,
    );
  });

  it('installs non-interactively, waits for the dpkg lock and keeps local config files', () => {
    expect(aptInstall(['docker.io'])).toEqual([
      'env',
      'DEBIAN_FRONTEND=noninteractive',
      'NEEDRESTART_MODE=a',
      'apt-get',
      '-o',
      'DPkg::Lock::Timeout=600',
      '-o',
      'Dpkg::Options::=--force-confdef',
      '-o',
      'Dpkg::Options::=--force-confold',
      'install',
      '-y',
      '--no-install-recommends',
      'docker.io',
    ]);
  });

  it('picks the compose package per distribution and Docker’s packages for docker-source: docker', () => {
    expect(dockerPackages(DEBIAN, 'distribution')).toEqual(['docker.io', 'docker-compose']);
    expect(dockerPackages(UBUNTU, 'distribution')).toEqual(['docker.io', 'docker-compose-v2']);
    expect(dockerPackages(UBUNTU, 'docker')).toEqual([
      'docker-ce',
      'docker-ce-cli',
      'containerd.io',
      'docker-buildx-plugin',
      'docker-compose-plugin',
    ]);
    expect(dockerRepoSource(UBUNTU)).toBe(
      'Types: deb\nURIs: https://download.docker.com/linux/ubuntu\nSuites: noble\nComponents: stable\nArchitectures: amd64\nSigned-By: /etc/apt/keyrings/docker.asc\n',
    );
  });

  it('wants sudo only for sudo connections or an admin user, and no timesyncd when chrony runs', () => {
    expect(wantedPackages(settings(), DEBIAN, { needSudo: false })).toEqual([
      'ca-certificates',
      'docker.io',
      'docker-compose',
      'curl',
      'ufw',
      'fail2ban',
      'python3-systemd',
      'unattended-upgrades',
      'systemd-timesyncd',
    ]);
    expect(wantedPackages(settings(), DEBIAN, { needSudo: true, timeDaemon: 'chrony' })).toContain('sudo');
    expect(wantedPackages(settings(), DEBIAN, { needSudo: false, timeDaemon: 'chrony' })).not.toContain(
      'systemd-timesyncd',
    );
    expect(wantedPackages(settings({ steps: ['firewall'] }), DEBIAN, { needSudo: false })).toEqual([
      'ca-certificates',
      'ufw',
    ]);
  });

  it('authorized_keys: adds the deploy key with restrict, keeps other people’s keys, fixes options, is idempotent', () => {
    const blob = DEPLOY_PUB.split(' ')[1];
    const other = 'ssh-rsa AAAAB3NzaC1yc2EOTHER alice@laptop';
    const once = mergeAuthorizedKeys(
      `${other}\nno-pty ssh-ed25519 ${blob} old-comment\n`,
      [DEPLOY_PUB],
      'restrict',
    );
    expect(once).toBe(`${other}\nrestrict ssh-ed25519 ${blob} deploy@ragship\n`);
    expect(mergeAuthorizedKeys(once, [DEPLOY_PUB], 'restrict')).toBe(once);
    expect(mergeAuthorizedKeys(undefined, [DEPLOY_PUB, ADMIN_PUB], '')).toBe(`${DEPLOY_PUB}\n${ADMIN_PUB}\n`);
  });

  it('daemon.json: merges log rotation, keeps the nvidia runtime and other keys, is idempotent', () => {
    const current = JSON.stringify({
      runtimes: { nvidia: { path: 'nvidia-container-runtime', args: [] } },
      'log-opts': { labels: 'app' },
    });
    const merged = mergeDaemonJson(current, '10m', 3);
    expect(JSON.parse(merged.text!)).toEqual({
      runtimes: { nvidia: { path: 'nvidia-container-runtime', args: [] } },
      'log-driver': 'json-file',
      'log-opts': { labels: 'app', 'max-size': '10m', 'max-file': '3' },
    });
    expect(merged.changes).toEqual([
      'log-driver json-file',
      'log-opts.max-size unset → 10m',
      'log-opts.max-file unset → 3',
    ]);
    expect(mergeDaemonJson(merged.text, '10m', 3)).toEqual({ changes: [] });
    expect(mergeDaemonJson(JSON.stringify({ 'log-driver': 'journald' }), '10m', 3)).toEqual({ changes: [] });
    expect(() => mergeDaemonJson('{"log-driver": ', '10m', 3)).toThrow(/daemon.json: is not valid JSON/);
  });

  it('journald drop-in and sudoers file say exactly what they set', () => {
    expect(journaldDropIn('500M', 14)).toBe(
      '# Managed by ragship provision\n[Journal]\nStorage=persistent\nSystemMaxUse=500M\nMaxRetentionSec=14day\n',
    );
    expect(sudoersFile('ops')).toEqual({
      path: '/etc/sudoers.d/90-ragship-ops',
      text: expect.stringMatching(/\nops ALL=\(ALL:ALL\) NOPASSWD:ALL\n$/),
    });
  });
});
