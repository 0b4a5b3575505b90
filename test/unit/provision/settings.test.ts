import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { STEP_IDS } from '../../../src/provision/step.js';
import { settings } from './fake-host.js';

describe('provision settings validation (before any connection)', () => {
  it.each([
    [{ deployUser: 'root' }, /deploy-user: must not be root/],
    [{ deployUser: 'Deploy;rm' }, /deploy-user: "Deploy;rm" is not a Unix user name/],
    [
      { deployKeyOptions: 'command="rm -rf /"' },
      /deploy-key-options: .* is not a comma-separated list of plain options/,
    ],
    [{ deployRoot: 'srv/ragship' }, /deploy-root: "srv\/ragship" is not an absolute path/],
    [{ deployRoot: '/srv/../etc' }, /deploy-root/],
    [{ deployRoot: '/srv/rag ship' }, /deploy-root/],
    [{ adminUser: 'deploy' }, /admin-user: must differ from deploy-user/],
    [{ dockerSource: 'snap' }, /docker-source: "snap" is not distribution or docker/],
    [{ allowPorts: ['8080'] }, /allow-ports\[0\]: "8080" is not PORT\/tcp/],
    [{ allowPorts: ['70000/tcp'] }, /allow-ports\[0\]/],
    [{ allowPorts: ['9000:8000/tcp'] }, /allow-ports\[0\]/],
    [{ dockerLogMaxSize: '10 MB' }, /docker-log-max-size/],
    [{ journalMaxUse: '500m;reboot' }, /journal-max-use/],
    [{ permitRootLogin: 'yes' }, /permit-root-login: "yes" is not no or prohibit-password/],
    [{ steps: ['packages', 'kernel'] }, /steps: unknown step "kernel"/],
    [{ deployPublicKeys: ['ssh-ed25519 AAAA\nssh-rsa AAAA'] }, /not an OpenSSH public key line/],
    [{ registryTunnelPort: 70000 }, /registry-tunnel-port: 70000 is not a TCP port/],
    [
      { registryTunnelPort: 5000, deployKeyOptions: 'no-port-forwarding,no-pty' },
      /registry-tunnel-port: deploy-key-options has no-port-forwarding/,
    ],
  ])('refuses %j', (over, message) => {
    expect(() => settings(over)).toThrow(ConfigError);
    expect(() => settings(over)).toThrow(message);
  });

  it('runs every step by default except admin-user (no admin user) and gpu (not a GPU host)', () => {
    expect([...settings().steps]).toEqual(STEP_IDS.filter((s) => s !== 'admin-user' && s !== 'gpu'));
    expect(settings({ adminUser: 'ops', gpu: true }).steps.size).toBe(STEP_IDS.length);
    expect(settings({ hardenSsh: false }).steps.has('sshd')).toBe(false);
  });

  it.each([
    [
      { dockerLogMaxSize: '10 MB' },
      'docker-log-max-size: "10 MB" is not a size like 10m — use digits and k, m or g',
    ],
    [{ journalMaxUse: '500m' }, 'journal-max-use: "500m" is not a size like 500M — use digits and K, M or G'],
    [{ dockerLogMaxFile: 0 }, 'docker-log-max-file: 0 is out of range — use 1–100'],
    [{ dockerLogMaxFile: 101 }, 'docker-log-max-file: 101 is out of range — use 1–100'],
    [{ dockerLogMaxFile: 2.5 }, 'docker-log-max-file: 2.5 is out of range — use 1–100'],
    [{ journalRetentionDays: 0 }, 'journal-retention-days: 0 is out of range — use 1–3650'],
    [{ journalRetentionDays: 3651 }, 'journal-retention-days: 3651 is out of range — use 1–3650'],
  ])('log sizes and counts: refuses %j with the exact message', (over, message) => {
    const err = (() => {
      try {
        settings(over);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(message); // the whole message, not a part
  });

  it('log sizes and counts: accepts the bounds', () => {
    const s = settings({ dockerLogMaxFile: 100, journalRetentionDays: 3650, dockerLogMaxSize: '1g' });
    expect([s.dockerLogMaxFile, s.journalRetentionDays, s.dockerLogMaxSize]).toEqual([100, 3650, '1g']);
    expect(settings({ dockerLogMaxFile: 1, journalRetentionDays: 1, journalMaxUse: '1G' })).toMatchObject({
      dockerLogMaxFile: 1,
      journalRetentionDays: 1,
      journalMaxUse: '1G',
    });
  });

  it('accepts port ranges, udp and several deploy keys', () => {
    const s = settings({
      allowPorts: ['8000:8010/tcp', '51820/udp'],
      deployPublicKeys: ['ssh-rsa AAAAB3NzaC1yc2E= ci@example'],
    });
    expect(s.allowPorts).toEqual(['8000:8010/tcp', '51820/udp']);
    expect(s.deployPublicKeys).toHaveLength(2);
  });

  it('registry-tunnel-port allows back exactly one loopback listen port for the deploy key', () => {
    expect(settings().deployKeyOptions).toBe('restrict');
    expect(settings({ registryTunnelPort: 5000 }).deployKeyOptions).toBe(
      'restrict,port-forwarding,permitlisten="localhost:5000"',
    );
    expect(settings({ registryTunnelPort: 5000, deployKeyOptions: '' }).deployKeyOptions).toBe(
      'port-forwarding,permitlisten="localhost:5000"',
    );
  });
});
