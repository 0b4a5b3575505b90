import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import type { LoginProbe } from '../../../src/provision/step.js';
import {
  parseSshdT,
  SSHD_DROPIN,
  sshdDifferences,
  sshdStep,
  wantedSshd,
} from '../../../src/provision/steps/sshd.js';
import { context, FakeHost, SSHD_T_DEBIAN_DEFAULT, settings } from './fake-host.js';

const HARDENED = SSHD_T_DEBIAN_DEFAULT.replace('permitrootlogin without-password', 'permitrootlogin no')
  .replace('passwordauthentication yes', 'passwordauthentication no')
  .replace('x11forwarding yes', 'x11forwarding no')
  .replace('allowagentforwarding yes', 'allowagentforwarding no')
  .replace('maxauthtries 6', 'maxauthtries 3');

function host(sshdT = HARDENED): FakeHost {
  return new FakeHost([
    [/^sshd -T$/, { stdout: sshdT }],
    [/^sh -c '\[ -e /, { code: 3 }],
  ]);
}

function probes(results: Record<string, boolean>): { probe: LoginProbe; seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    probe: async (user, key, argv) => {
      seen.push(`${user}/${key}: ${argv.join(' ')}`);
      return results[user]
        ? { ok: true, stdout: '' }
        : { ok: false, error: `the server refused the SSH key for user ${user}` };
    },
  };
}

describe('sshd hardening and the lock-out guard', () => {
  it('lists the effective settings that differ, and accepts without-password for prohibit-password', () => {
    const eff = parseSshdT(SSHD_T_DEBIAN_DEFAULT);
    expect(sshdDifferences(eff, wantedSshd({ permitRootLogin: 'no' }))).toEqual([
      'passwordauthentication yes → no',
      'permitrootlogin without-password → no',
      'x11forwarding yes → no',
      'allowagentforwarding yes → no',
      'maxauthtries 6 → 3',
    ]);
    expect(sshdDifferences(eff, wantedSshd({ permitRootLogin: 'prohibit-password' }))).not.toContainEqual(
      expect.stringMatching(/^permitrootlogin/),
    );
  });

  it('refuses to touch sshd when the deploy user cannot log in over a new connection', async () => {
    const h = host();
    const { probe, seen } = probes({ deploy: false, ops: true });
    const ctx = context(h, settings({ adminUser: 'ops' }), { probe });
    const err = await sshdStep.apply(ctx, []).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(
      /refusing to harden sshd: deploy could not log in with the deploy key over a new connection \(the server refused the SSH key for user deploy\); nothing in sshd was changed/,
    );
    expect(seen).toEqual(['deploy/deploy: id -nG']);
    expect(h.calls.map((c) => c.line)).toEqual([]);
  });

  it('refuses PermitRootLogin no for a root run without an admin user (the operator would be locked out)', async () => {
    const h = host();
    const err = await sshdStep
      .apply(context(h, settings(), { probe: probes({ deploy: true }).probe }), [])
      .catch((e) => e);
    expect(err.message).toMatch(
      /this run logs in as root, and PermitRootLogin no would end that.*set admin-user/,
    );
    expect(h.written().size).toBe(0);
  });

  it('refuses when the admin user cannot log in and sudo', async () => {
    const h = host();
    const err = await sshdStep
      .apply(
        context(h, settings({ adminUser: 'ops' }), { probe: probes({ deploy: true, ops: false }).probe }),
        [],
      )
      .catch((e) => e);
    expect(err.message).toMatch(/admin user ops could not log in and sudo over a new connection/);
    expect(h.written().size).toBe(0);
  });

  it('with both logins proven: writes the drop-in, validates with sshd -t and sshd -T, reloads, proves the deploy login again', async () => {
    const h = host();
    const { probe, seen } = probes({ deploy: true, ops: true });
    await sshdStep.apply(context(h, settings({ adminUser: 'ops' }), { probe }), []);
    expect(h.written().get(SSHD_DROPIN)).toMatch(/^PasswordAuthentication no$/m);
    expect(h.written().get(SSHD_DROPIN)).toMatch(/^PermitRootLogin no$/m);
    const lines = h.calls.map((c) => c.line);
    expect(lines.indexOf('sshd -t')).toBeGreaterThan(-1);
    expect(lines.indexOf('systemctl reload-or-restart ssh')).toBeGreaterThan(lines.indexOf('sshd -t'));
    expect(seen).toEqual(['deploy/deploy: id -nG', 'ops/operator: sudo -n true', 'deploy/deploy: true']);
    expect(lines[lines.indexOf('systemctl reload-or-restart ssh') + 2]).toMatch(/\/proc\/net\/tcp/);
  });

  it('a sudo-user run may turn root login off without an admin user (it is not root that logs in)', async () => {
    const h = host();
    await sshdStep.apply(
      context(h, settings(), { connectedAs: 'ubuntu', probe: probes({ deploy: true }).probe }),
      [],
    );
    expect(h.calls[0]!.argv.slice(0, 3)).toEqual(['sudo', '-n', '--']);
  });

  it('restores the previous config when sshd -t rejects it', async () => {
    const h = new FakeHost([
      [/^sshd -t$/, { code: 255, stderr: '/etc/ssh/sshd_config line 3: Bad configuration option' }],
      [/^sh -c '\[ -e /, { code: 3 }],
    ]);
    const err = await sshdStep.apply(context(h, settings({ adminUser: 'ops' })), []).catch((e) => e);
    expect(err.message).toMatch(/sshd -t rejected the hardened config/);
    expect(h.calls.map((c) => c.line)).toContain(`rm -f ${SSHD_DROPIN}`);
    expect(h.calls.map((c) => c.line)).not.toContain('systemctl reload-or-restart ssh');
  });

  it('restores and reloads when the deploy user cannot log in after the reload', async () => {
    const h = host(HARDENED.replace('permitrootlogin no', 'permitrootlogin without-password'));
    let n = 0;
    const probe: LoginProbe = async () =>
      n++ === 0 ? { ok: true, stdout: '' } : { ok: false, error: 'refused' };
    const err = await sshdStep
      .apply(context(h, settings({ permitRootLogin: 'prohibit-password' }), { probe }), [])
      .catch((e) => e);
    expect(err.message).toMatch(
      /after hardening, deploy could not log in \(refused\); the previous sshd config was restored/,
    );
    const lines = h.calls.map((c) => c.line);
    const restored = lines.lastIndexOf(`rm -f ${SSHD_DROPIN}`);
    expect(restored).toBeGreaterThan(-1);
    expect(lines.slice(restored + 1, restored + 2)).toEqual(['systemctl reload-or-restart ssh']);
    // ...and waits until sshd listens again before anyone connects.
    expect(lines.at(-1)).toMatch(/^sh -c 'sleep 1; p=\$\(printf "%04X" "\$1"\).*\/proc\/net\/tcp.*' sh 22$/);
  });
});
