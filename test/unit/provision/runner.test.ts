import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { provisionHost, provisionReport, STEPS } from '../../../src/provision/run.js';
import { FakeHost, freshDebianReplies, settings } from './fake-host.js';

// Read-only programs a dry run may use; anything else would change the host.
const READ_ONLY =
  /^(?:sudo -n -- )?(?:sh -c '\[ -e "\$1" \] \|\| exit 3; exec cat -- "\$1"'|sh -c 'command -v ufw|dpkg-query -W|dpkg --print-architecture|systemctl is-(?:enabled|active)|sshd -T$|getent (?:passwd|shadow|group)|id -nG|stat -c|ufw (?:show added|status verbose)|docker version|sudo -n true$)/;

describe('provision runner: check → apply → check again', () => {
  it('dry run on a fresh Debian 12 host plans every step and runs only read-only commands', async () => {
    const host = new FakeHost(freshDebianReplies());
    const outcome = await provisionHost(
      host,
      'root',
      settings({ adminUser: 'ops', dryRun: true }),
      new MemoryLogger(),
      async () => {
        throw new Error('a dry run must not probe logins');
      },
    );
    expect(outcome.steps.map((s) => `${s.id}:${s.status}`)).toEqual(
      STEPS.filter((s) => s.id !== 'gpu').map((s) => `${s.id}:planned`),
    );
    const packages = outcome.steps.find((s) => s.id === 'packages')!;
    expect(packages.changes).toEqual([
      'install ca-certificates docker.io docker-compose curl ufw fail2ban python3-systemd unattended-upgrades systemd-timesyncd sudo',
    ]);
    const mutating = host.calls.map((c) => c.line).filter((l) => !READ_ONLY.test(l));
    expect(mutating).toEqual([]);
    expect(provisionReport([outcome], true).toString()).toMatch(
      /## Provision plan \(dry run\)[\s\S]*\| packages \| planned \| install ca-certificates/,
    );
    expect(provisionReport([outcome], true).toString()).toMatch(/Checked only when applied:.*lock-out guard/);
    expect(provisionReport([outcome], false).toString()).not.toMatch(/Checked only when applied/);
  });

  it('a sudo user without passwordless sudo fails before anything else, naming the fix', async () => {
    const host = new FakeHost([[/^sudo -n true$/, { code: 1, stderr: 'sudo: a password is required' }]]);
    const err = await provisionHost(host, 'ubuntu', settings(), new MemoryLogger(), async () => ({
      ok: true,
      stdout: '',
    })).catch((e) => e);
    expect(err.message).toMatch(
      /ubuntu cannot run `sudo -n` \(sudo: a password is required\) — connect as root, or give ubuntu NOPASSWD sudo/,
    );
    expect(host.calls).toHaveLength(1);
  });

  it('fails a step that does not converge and stops before the next step', async () => {
    // journald drop-in never reads back as written: the re-check still finds a difference.
    const host = new FakeHost([...freshDebianReplies()]);
    const s = settings({ steps: ['journald', 'deploy-user'] });
    const err = await provisionHost(host, 'root', s, new MemoryLogger(), async () => ({
      ok: true,
      stdout: '',
    })).catch((e) => e);
    expect(err.message).toMatch(
      /step journald did not converge; still different: write \/etc\/systemd\/journald.conf.d\/60-ragship.conf/,
    );
    expect(err.outcome.steps.map((x: { id: string; status: string }) => `${x.id}:${x.status}`)).toEqual([
      'journald:failed',
    ]);
  });

  it('refuses an unsupported OS before any step', async () => {
    const host = new FakeHost([
      [/os-release/, { stdout: 'ID=centos\nVERSION_ID="9"\nPRETTY_NAME="CentOS Stream 9"\n' }],
    ]);
    const err = await provisionHost(host, 'root', settings(), new MemoryLogger(), async () => ({
      ok: true,
      stdout: '',
    })).catch((e) => e);
    expect(err.message).toMatch(
      /unsupported OS CentOS Stream 9 — provision supports Debian 12 and Ubuntu 22.04\/24.04/,
    );
  });
});
