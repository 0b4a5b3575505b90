import { MemoryLogger } from '../../../src/core/logger.js';
import type { HostOs } from '../../../src/provision/os.js';
import {
  DEFAULT_INPUTS,
  type ProvisionInputs,
  type ProvisionSettings,
  settingsFrom,
} from '../../../src/provision/settings.js';
import type { LoginProbe, StepContext } from '../../../src/provision/step.js';
import { type CommandPort, Target } from '../../../src/provision/target.js';
import { RecordingHost, type Reply } from '../../support/fake-host.js';

export type { Reply } from '../../support/fake-host.js';

/**
 * The recording host (test/support/fake-host.ts) as provisioning sees it: connected as root,
 * replies written for root also match a sudo user's `sudo -n --` commands.
 */
export class FakeHost extends RecordingHost implements CommandPort {
  constructor(replies: Array<[RegExp, Reply]>) {
    super(replies, 'root@fake:22');
  }

  protected override matchLine(line: string): string {
    return line.replace(/^sudo -n -- /, '');
  }

  /** Files written through Target.writeFile: path → content. */
  written(): Map<string, string> {
    const m = new Map<string, string>();
    for (const c of this.calls)
      if (c.kind === 'exec' && c.argv.includes('sh') && c.argv[2]?.includes('mktemp'))
        m.set(c.argv[4]!, c.input ?? '');
    return m;
  }
}

export const DEBIAN: HostOs = { id: 'debian', versionId: '12', codename: 'bookworm', arch: 'amd64' };
export const UBUNTU: HostOs = { id: 'ubuntu', versionId: '24.04', codename: 'noble', arch: 'amd64' };

export const DEPLOY_PUB =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeDeployKeyBlobForTestsOnlyAAAAAAAAAAAAA deploy@ragship';
export const ADMIN_PUB =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeAdminKeyBlobForTestsOnlyAAAAAAAAAAAAAA ops@ragship';

export function settings(over: Partial<ProvisionInputs> = {}): ProvisionSettings {
  return settingsFrom(
    {
      ...DEFAULT_INPUTS,
      hosts: ['root@fake'],
      sshPrivateKey: 'k',
      deployPrivateKey: 'deploy-private-key-text',
      ...over,
    },
    { deployPublicKey: DEPLOY_PUB, adminPublicKey: over.adminUser ? ADMIN_PUB : undefined },
  );
}

export function context(
  host: FakeHost,
  s: ProvisionSettings,
  opts: { os?: HostOs; connectedAs?: string; probe?: LoginProbe } = {},
): StepContext & { logger: MemoryLogger } {
  const connectedAs = opts.connectedAs ?? 'root';
  return {
    target: new Target(host, connectedAs === 'root'),
    settings: s,
    os: opts.os ?? DEBIAN,
    logger: new MemoryLogger(),
    connectedAs,
    probeLogin: opts.probe ?? (async () => ({ ok: true, stdout: '' })),
  };
}

/** `sshd -T` of a stock Debian 12 openssh-server (excerpt of the real output). */
export const SSHD_T_DEBIAN_DEFAULT = `port 22
addressfamily any
listenaddress [::]:22
listenaddress 0.0.0.0:22
usepam yes
permitrootlogin without-password
pubkeyauthentication yes
passwordauthentication yes
kbdinteractiveauthentication no
permitemptypasswords no
x11forwarding yes
allowagentforwarding yes
maxauthtries 6
`;

export const OS_RELEASE_DEBIAN = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`;

/** Replies of a fresh Debian 12 host: nothing installed, no files, stock sshd. */
export function freshDebianReplies(): Array<[RegExp, Reply]> {
  return [
    [/os-release/, { stdout: OS_RELEASE_DEBIAN }],
    [/^dpkg --print-architecture$/, { stdout: 'amd64\n' }],
    [/^dpkg-query /, { code: 1, stderr: 'dpkg-query: no packages found matching' }],
    [/^sh -c '\[ -e /, { code: 3 }],
    [/^systemctl is-(enabled|active)/, { code: 1, stdout: '' }],
    [/^sshd -T$/, { stdout: SSHD_T_DEBIAN_DEFAULT }],
    [/^getent /, { code: 2 }],
    [/command -v ufw/, { code: 1 }],
    [/^stat /, { code: 1 }],
  ];
}
