import { describe, expect, it } from 'vitest';
import { DOCKER_SOURCE_PATH, dockerRepoSource, packagesStep } from '../../../src/provision/steps/packages.js';
import { context, FakeHost, settings, UBUNTU } from './fake-host.js';

const APT =
  'env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';

describe('packages step', () => {
  it("docker-source docker: fetches Docker's key, writes its apt source, then installs what is missing", async () => {
    // Nothing installed (dpkg-query finds no package): every wanted package is missing.
    const h = new FakeHost([[/^dpkg-query /, { code: 1 }]]);
    const ctx = context(h, settings({ dockerSource: 'docker' }), { os: UBUNTU });
    await packagesStep.apply(ctx, await packagesStep.check(ctx));
    expect(h.written().get(DOCKER_SOURCE_PATH)).toBe(dockerRepoSource(UBUNTU));
    // Every command but the reads (dpkg-query, file reads and writes), in order.
    const lines = h.calls.map((c) => c.line).filter((l) => !/^dpkg-query |mktemp|\[ -e /.test(l));
    expect(lines).toEqual([
      `${APT} update -q`,
      `${APT} install -y --no-install-recommends ca-certificates curl`,
      'install -m 0755 -d /etc/apt/keyrings',
      'curl -fsSL --retry 3 -o /etc/apt/keyrings/docker.asc https://download.docker.com/linux/ubuntu/gpg',
      'chmod a+r /etc/apt/keyrings/docker.asc',
      `${APT} update -q`,
      `${APT} install -y --no-install-recommends ca-certificates docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin curl ufw fail2ban python3-systemd unattended-upgrades systemd-timesyncd`,
    ]);
  });
});
